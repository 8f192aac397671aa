"""Background workers of a telemetry gateway."""
import queue
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

jobs = queue.Queue()
running = True
stop = threading.Event()


def handle(data):
    return data


def poll_forever(sock):
    while True:
        handle(sock.recv(2048))


def beacon(sock, interval):
    while 1:
        sock.send(b"beacon")
        time.sleep(interval)


def reader(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        handle(data)


def start(sock):
    threading.Thread(target=poll_forever, args=(sock,)).start()  # want PY401 "poll_forever loops forever"
    t = threading.Thread(target=beacon, args=(sock, 30), daemon=False)  # want PY401 "beacon"
    t.start()
    threads = []
    for conn in (sock, sock):
        threads.append(threading.Thread(target=reader, args=(conn,)))  # want PY401 "reader"


class Gateway:
    def __init__(self, sock):
        self.sock = sock
        # want PY401 "self._pump"
        self.worker = threading.Thread(
            target=self._pump,
            name="pump",
        )
        self.worker.start()

    def _pump(self):
        while True:
            try:
                handle(self.sock.recv(2048))
            except OSError:
                continue


def serve(listener):
    def accept_forever():
        while True:
            conn, _ = listener.accept()
            handle(conn)

    threading.Thread(target=accept_forever, name="acceptor").start()  # want PY401 "accept_forever"


# Must NOT trigger: daemon threads.
def start_daemons(sock):
    threading.Thread(target=poll_forever, args=(sock,), daemon=True).start()
    t = threading.Thread(target=beacon, args=(sock, 30))
    t.daemon = True
    t.start()
    u = threading.Thread(target=beacon, args=(sock, 60))
    u.setDaemon(True)
    u.start()


# Must NOT trigger: joined threads.
def start_joined(sock):
    t = threading.Thread(target=poll_forever, args=(sock,))
    t.start()
    t.join()
    workers = [threading.Thread(target=beacon, args=(sock, 5)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=10)


# Must NOT trigger: loops that test a stop event or a module flag.
def watch(sock):
    while not stop.is_set():
        handle(sock.recv(2048))


def watch_flag(sock):
    while True:
        if not running:
            break
        handle(sock.recv(2048))


def consume():
    while True:
        item = jobs.get()
        if item is None:
            return
        handle(item)


def tick():
    while True:
        if stop.wait(5):
            break


class RunFinishedError(Exception):
    pass


def stress(token):
    try:
        while True:
            token.run_sync_soon(handle)
    except RunFinishedError:
        pass


def keyboard(sock):
    try:
        while True:
            handle(sock.recv(2048))
    except KeyboardInterrupt:
        pass


def start_stoppable(sock):
    threading.Thread(target=watch, args=(sock,)).start()
    threading.Thread(target=watch_flag, args=(sock,)).start()
    threading.Thread(target=consume).start()
    threading.Thread(target=tick).start()
    threading.Thread(target=stress, args=(sock,)).start()
    # KeyboardInterrupt never reaches a thread other than the main one.
    threading.Thread(target=keyboard, args=(sock,)).start()  # want PY401 "keyboard"


# Must NOT trigger: targets that end, targets defined elsewhere, and executors.
def once(sock):
    handle(sock.recv(2048))


def start_others(sock, plugin):
    threading.Thread(target=once, args=(sock,)).start()
    threading.Thread(target=plugin.run).start()
    with ThreadPoolExecutor() as pool:
        pool.submit(poll_forever, sock)


if __name__ == "__main__":
    start(socket.socket())
