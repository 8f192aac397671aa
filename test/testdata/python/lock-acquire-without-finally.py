"""Shared node and transmit state guarded by module-level locks."""
import sqlite3
import threading

lock_nodi = threading.Lock()
lock_tx = threading.RLock()
slots = threading.Semaphore(4)
nodes = {}
db = sqlite3.connect(":memory:", check_same_thread=False)


def lookup(query):
    lock_nodi.acquire()  # want PY103 "leaves lock_nodi held forever"
    row = db.execute(query).fetchone()
    lock_nodi.release()
    return row


def update_node(call, info):
    lock_nodi.acquire()  # want PY103
    # Merge the new position into the node table.
    entry = nodes.setdefault(call, {})
    entry.update(info)
    text = """multi-line
strings keep their lines"""
    entry["note"] = text
    lock_nodi.release()


class Transmitter:
    def __init__(self, sock):
        self.sock = sock
        self._lock = threading.Lock()

    def send(self, frame):
        if frame:
            self._lock.acquire()  # want PY103 "self._lock"
            self.sock.sendall(frame)
            self._lock.release()

    def send_all(self, frames):
        for frame in frames:
            self._lock.acquire()  # want PY103
            self.sock.sendall(frame)
            self._lock.release()


# Assisted only: an early return between acquire and release.
def pop_node(call):
    lock_nodi.acquire()  # want PY103
    if call not in nodes:
        return None
    entry = nodes.pop(call)
    lock_nodi.release()
    return entry


# Assisted only: acquire with a timeout whose result is not checked.
def transmit(frame, radio):
    lock_tx.acquire(timeout=5)  # want PY103 "lock_tx"
    radio.write(frame)
    lock_tx.release()


# No fix: the release is not a statement of the same block.
def relay(frame, radio):
    lock_tx.acquire()  # want PY103
    radio.write(frame)
    if radio.ok:
        lock_tx.release()
    else:
        lock_tx.release()
        radio.reset()


# Must NOT trigger: with statement.
def lookup_with(query):
    with lock_nodi:
        return db.execute(query).fetchone()


# Must NOT trigger: acquire with a timeout whose result is checked.
def try_transmit(frame, radio):
    if lock_tx.acquire(timeout=5):
        try:
            radio.write(frame)
        finally:
            lock_tx.release()
    got = lock_tx.acquire(blocking=False)
    if got:
        radio.write(frame)
        lock_tx.release()


# Must NOT trigger: acquire followed by try/finally.
def guarded(query):
    lock_nodi.acquire()
    try:
        return db.execute(query).fetchone()
    finally:
        lock_nodi.release()


# Must NOT trigger: acquire inside a try whose finally releases.
def guarded_inside(query):
    try:
        lock_nodi.acquire()
        return db.execute(query).fetchone()
    finally:
        lock_nodi.release()


# Must NOT trigger: an optional lock taken in an if, then a try whose finally releases it.
def parse(source, parser, lock=None):
    if lock is not None:
        lock.acquire()  # the parser is not thread-safe
    try:
        return parser.parse(source)
    finally:
        if lock is not None:
            lock.release()


# Must NOT trigger: a handler that catches everything releases and re-raises (the lock is kept on success).
def begin_probe(key_lock, values, key):
    key_lock.acquire()
    try:
        value = values[key]
    except BaseException:
        key_lock.release()
        raise
    return value


# Must NOT trigger: released in the else clause right after a guarded acquire.
def wait_for_module(lock):
    try:
        lock.acquire()
    except RuntimeError:
        pass
    else:
        lock.release()


# Must NOT trigger: a Semaphore used as a counting gate, released in finally.
def download(url, fetch):
    slots.acquire()
    try:
        return fetch(url)
    finally:
        slots.release()


# Must NOT trigger: a helper that only acquires leaves the release to its caller.
class Guard:
    def __init__(self):
        self._lock = threading.Lock()

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc):
        self._lock.release()


# Must NOT trigger: waiting for a lock to be free, nothing in between.
def barrier():
    lock_tx.acquire()
    lock_tx.release()
