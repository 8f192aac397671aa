"""A UDP reflector that tracks its peers."""
import socket
import threading
import time
from collections import deque

peers = []
last_seen = {}
banned = set()
MAX_SESSIONS = 500
sessions = {}
recent = deque(maxlen=256)
COUNTERS = {"rx": 0, "tx": 0}


def reflect(sock):
    while True:
        data, addr = sock.recvfrom(2048)
        if addr not in peers:
            peers.append(addr)  # want PY502 "peers gains an entry per peer (addr, the sender's address) with no cap on its size, and entries are removed elsewhere"
        last_seen[addr] = time.time()  # want PY502 "last_seen gains an entry per peer"
        for p in peers:
            sock.sendto(data, p)


def expire():
    now = time.time()
    for p in list(peers):
        if now - last_seen.get(p, 0) > 60:
            peers.remove(p)


def on_abuse(client_ip):
    banned.add(client_ip)  # want PY502 "nothing ever removes its entries"


class Server:
    def __init__(self, listener):
        self.listener = listener
        self.clients = []
        self.by_remote = {}

    def accept_loop(self):
        while True:
            conn, remote = self.listener.accept()
            self.clients.insert(0, (conn, remote))  # want PY502 "self.clients gains an entry per peer (remote"
            self.by_remote[remote] = conn  # want PY502 "self.by_remote"

    def register(self, peer_addr, name):
        self.by_remote.setdefault(peer_addr, name)  # want PY502 "peer_addr"


def track(table, sock):
    while True:
        _, src = sock.recvfrom(64)
        table.append(src)  # want PY502 "table"


def start(sock):
    seen = []
    threading.Thread(target=track, args=(seen, sock), daemon=True).start()


# Must NOT trigger: a len() guard caps the collection.
def reflect_capped(sock):
    while True:
        data, addr = sock.recvfrom(2048)
        if len(sessions) >= MAX_SESSIONS:
            continue
        sessions[addr] = data


# Must NOT trigger: a deque with maxlen, and a dict keyed by a fixed set.
def note(sock, kind):
    while True:
        data, addr = sock.recvfrom(2048)
        recent.append(addr)
        COUNTERS[kind] = COUNTERS[kind] + len(data)


# Must NOT trigger: a local list that does not outlive the call, and values that are not addresses.
def collect(sock):
    found = []
    for _ in range(3):
        data, addr = sock.recvfrom(2048)
        found.append(addr)
    return found


payloads = []


def store(sock):
    data, _ = sock.recvfrom(2048)
    payloads.append(data)


def configure(address_family):
    COUNTERS["family"] = address_family


# Must NOT trigger: a datagram queued for sending (a tuple of data and destination), an attribute named
# address, and an e-mail address.
class Transport:
    def __init__(self):
        self._buffer = []
        self._cache = {}
        self.rcpttos = []

    def sendto(self, data, addr):
        self._buffer.append((bytes(data), addr))

    def wait(self, ov, f):
        self._cache[ov.address] = f

    def rcpt(self, address):
        self.rcpttos.append(address)
