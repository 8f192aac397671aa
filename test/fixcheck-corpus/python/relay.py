"""The relay itself: receives sensor datagrams and fans them out to subscribers.

A subscriber registers by sending the datagram ``SUB`` and must repeat it more
often than ``idle_timeout`` seconds, or it is dropped.

Run with ``python3 -m telemetry.relay relay.json``.
"""

import socket
import sys
import threading
import time

from .config import load_allowlist, load_config
from .logwriter import LogWriter

MAX_DATAGRAM = 65535


class Subscriber:
    """One registered receiver and the seconds since it last refreshed."""

    __slots__ = ("addr", "idle")

    def __init__(self, addr):
        self.addr = addr
        self.idle = 0


class SubscriberTable:
    """The current subscribers, shared by the receive and reaper threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._subs = []

    def __len__(self):
        with self._lock:
            return len(self._subs)

    def touch(self, addr):
        """Registers addr, or resets its idle time if it is already known."""
        with self._lock:
            for sub in self._subs:
                if sub.addr == addr:
                    sub.idle = 0
                    return
            self._subs.append(Subscriber(addr))

    def drop(self, addr):
        """Forgets addr, e.g. after an explicit UNSUB."""
        with self._lock:
            for sub in self._subs:
                if sub.addr == addr:
                    self._subs.remove(sub)
                    break

    def expire(self, idle_timeout):
        """Ages every subscriber by a second and drops the silent ones."""
        with self._lock:
            for sub in self._subs:
                sub.idle += 1
                if sub.idle > idle_timeout:
                    self._subs.remove(sub)

    def forward(self, sock, payload):
        """Sends payload to every subscriber."""
        self._lock.acquire()
        for sub in self._subs:
            sock.sendto(payload, sub.addr)
        self._lock.release()


def receive_loop(sock, table, allowed, log):
    """Reads datagrams forever: control messages update the table, the rest is relayed."""
    while True:
        try:
            payload, addr = sock.recvfrom(MAX_DATAGRAM)
        except OSError as exc:
            log.write(f"recv failed: {exc!r}")
            time.sleep(0.5)
            continue
        if payload == b"SUB":
            table.touch(addr)
        elif payload == b"UNSUB":
            table.drop(addr)
        elif addr[0] in allowed:
            table.forward(sock, payload)


def reaper_loop(table, idle_timeout):
    """Once a second, drops subscribers that stopped refreshing."""
    while True:
        time.sleep(1)
        try:
            table.expire(idle_timeout)
        except:
            pass


def stats_loop(table, log):
    """Logs the number of subscribers once a minute."""
    while True:
        time.sleep(60)
        log.write(f"{len(table)} subscribers")


def main(argv):
    """Starts the relay with the config file named in argv."""
    cfg = load_config(argv[1] if len(argv) > 1 else "relay.json")
    allowed = load_allowlist(cfg.allowlist_path)
    log = LogWriter(cfg.log_path)
    table = SubscriberTable()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((cfg.listen_host, cfg.listen_port))
        threading.Thread(target=reaper_loop, args=(table, cfg.idle_timeout), name="reaper").start()
        stats = threading.Thread(target=stats_loop, args=(table, log), name="stats", daemon=True)
        stats.start()
        log.write(f"relaying on {cfg.listen_host}:{cfg.listen_port}")
        try:
            receive_loop(sock, table, allowed, log)
        finally:
            log.close()


if __name__ == "__main__":
    main(sys.argv)
