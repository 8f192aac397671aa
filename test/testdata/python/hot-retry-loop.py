"""A UDP relay whose receive loops retry failures."""
import queue
import select
import socket
import sys
import threading
import time

jobs = queue.Queue()
stop = threading.Event()


def log(msg):
    sys.stderr.write(msg + "\n")


def handle(data, addr):
    return data, addr


def recv_data(sock):
    while True:
        try:
            data, addr = sock.recvfrom(2048)
            handle(data, addr)
        except:  # want PY302 "bare except swallows the I/O failure"
            log("recv failed")


def accept_loop(server):
    while 1:
        try:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,)).start()
        except OSError:  # want PY302 "except OSError"
            continue


def serve(conn):
    while True:
        try:
            chunk = conn.recv(4096)
            if chunk:
                conn.sendall(chunk)
        except Exception: pass  # want PY302 "except Exception"


def connect_until_up(host, port):
    while True:
        try:
            sock = socket.create_connection((host, port))
        except (ConnectionError, socket.timeout):  # want PY302 "retries at once"
            log("connect failed, retrying")
        else:
            return sock


class Poller:
    def __init__(self, url, opener):
        self.url = url
        self.opener = opener

    def run(self):
        while True:
            if stop.is_set():
                return
            try:
                body = self.opener.read(self.url)
                log(body)
            except Exception:  # want PY302
                log("poll failed")
                continue


async def pump(reader, writer):
    while True:
        try:
            line = await reader.readline()
            writer.write(line)
        except Exception:  # want PY302 "except Exception"
            pass


# Must NOT trigger: the handler breaks out of the loop.
def recv_until_closed(sock):
    while True:
        try:
            data = sock.recv(1024)
            handle(data, None)
        except OSError:
            log("socket closed")
            break


# Must NOT trigger: the handler raises, returns or exits.
def recv_or_die(sock):
    while True:
        try:
            handle(sock.recv(1024), None)
        except Exception:
            log("fatal")
            sys.exit(1)


def recv_or_return(sock):
    while True:
        try:
            handle(sock.recv(1024), None)
        except Exception:
            return None


# Must NOT trigger: the loop sleeps (anywhere in its body), or waits on an event.
def recv_with_sleep(sock):
    while True:
        try:
            handle(sock.recv(1024), None)
        except Exception:
            log("recv failed")
        time.sleep(0.5)


def recv_with_backoff(sock):
    backoff = 0.1
    while True:
        try:
            handle(sock.recv(1024), None)
            backoff = 0.1
        except OSError as exc:
            log(repr(exc))
            time.sleep(min(backoff, 30))
            backoff *= 2


def recv_with_wait(sock):
    while True:
        try:
            handle(sock.recv(1024), None)
        except Exception:
            stop.wait(1)


def recv_with_select(sock):
    while True:
        ready, _, _ = select.select([sock], [], [], 5)
        try:
            handle(sock.recv(1024), None)
        except Exception:
            log("recv failed")


# Must NOT trigger: the loop blocks on a queue before the try (it cannot raise first).
def worker(sock):
    while True:
        item = jobs.get()
        try:
            sock.send(item)
        except Exception:
            log("send failed")


# Must NOT trigger: the handler uses the exception it caught.
def recv_logged(sock):
    while True:
        try:
            handle(sock.recv(1024), None)
        except Exception as exc:
            log(f"recv failed: {exc!r}")


# Must NOT trigger: the handler assigns the default the try body assigns.
def read_default(source):
    while True:
        try:
            value = source.read()
        except Exception:
            value = b""
        handle(value, None)


# Must NOT trigger: the loop is not a while True loop.
def drain(sock):
    while not stop.is_set():
        try:
            handle(sock.recv(1024), None)
        except Exception:
            log("recv failed")


def each(socks):
    for s in socks:
        try:
            handle(s.recv(1024), None)
        except Exception:
            log("recv failed")


# Must NOT trigger: a narrow handler (a timeout has already waited), or a try body without I/O.
def recv_timeout(sock):
    while True:
        try:
            handle(sock.recv(1024), None)
        except socket.timeout:
            log("idle")


def compute():
    while True:
        try:
            handle(1 / 0, None)
        except Exception:
            log("math")
