"""Packet pipeline of a UDP telemetry receiver."""
import asyncio
import collections
import queue
import threading
from collections import deque
from queue import SimpleQueue

packets = queue.Queue()  # want PY501 "packets = queue.Queue() has no maxsize and is fed by a while True loop in receive"
events = deque()  # want PY501 "has no maxlen"
audit = queue.SimpleQueue()  # want PY501 "cannot be bounded"
lines = SimpleQueue()  # want PY501 "cannot be bounded"
zero = queue.LifoQueue(0)  # want PY501 "queue.LifoQueue(0) has no maxsize"
sized = queue.Queue(maxsize=0)  # want PY501


def receive(sock):
    while True:
        data, addr = sock.recvfrom(2048)
        packets.put((data, addr))
        events.append(addr)
        audit.put(addr)
        lines.put(data)
        zero.put(data)
        sized.put_nowait(data)


def consume(sink):
    while True:
        sink(packets.get())


class Relay:
    def __init__(self, sock):
        self.sock = sock
        self.outbox = queue.PriorityQueue()  # want PY501 "fed by the thread target Relay._pump"
        self.running = True
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while self.running:
            self.outbox.put((1, self.sock.recv(1024)))


def worker(q, sink):
    while True:
        sink(q.get())


def reader(q, sock):
    while True:
        q.put(sock.recv(512))


def start(sock, sink):
    work = queue.Queue()  # want PY501 "fed by a while True loop in reader"
    threading.Thread(target=worker, args=(work, sink), daemon=True).start()
    threading.Thread(target=reader, args=(work, sock), daemon=True).start()


class Gateway:
    def __init__(self):
        self.inbox = asyncio.Queue()  # want PY501 "asyncio.Queue()"

    async def pump(self, reader):
        while True:
            await self.inbox.put(await reader.read(100))


# Must NOT trigger: bounded queues and deques.
bounded = queue.Queue(maxsize=10_000)
history = collections.deque(maxlen=100)
positional = queue.Queue(500)
window = deque([], 50)


def receive_bounded(sock):
    while True:
        data = sock.recv(1024)
        bounded.put_nowait(data)
        history.append(data)
        positional.put(data)
        window.append(data)


# Must NOT trigger: the producer is bounded (a for loop over a finite list).
batch = queue.Queue()


def enqueue_all(items):
    for item in items:
        batch.put(item)


# Must NOT trigger: a work queue drained by join() in the same function.
def run_jobs(jobs_list, sock):
    jobs = queue.Queue()
    threading.Thread(target=reader, args=(jobs, sock), daemon=True).start()
    for j in jobs_list:
        jobs.put(j)
    jobs.join()


# Must NOT trigger: a deque whose length is checked.
recent = deque()


def track(sock):
    while True:
        recent.append(sock.recv(64))
        if len(recent) > 1000:
            recent.popleft()


# Must NOT trigger: a local queue that no thread sees, and a queue nobody feeds in a loop.
def local_only(sock):
    buf = queue.Queue()
    buf.put(sock.recv(1))
    return buf.get()


idle = queue.Queue()


def push_once(x):
    idle.put(x)


# Must NOT trigger: a lookahead buffer the same loop takes from, and a sentinel put before leaving.
class Lexer:
    def __init__(self, stream):
        self.stream = stream
        self.pushback = deque()

    def read_token(self):
        while True:
            if self.pushback:
                ch = self.pushback.pop()
            else:
                ch = self.stream.read(1)
            if ch == "(":
                self.pushback.append(ch)
            if not ch:
                return ch


class Pool:
    def __init__(self):
        self.work = queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True).start()

    def submit(self, fn):
        self.work.put(fn)

    def _run(self):
        while True:
            item = self.work.get()
            if item is None:
                self.work.put(None)
                return
            item()


# Must NOT trigger: a while True loop of the main thread that breaks out (one token per call).
class Tokenizer:
    def __init__(self, stream):
        self.stream = stream
        self.pending = deque()

    def next_token(self):
        if self.pending:
            return self.pending.popleft()
        return self.stream.read(1)

    def read_word(self):
        word = ""
        while True:
            ch = self.stream.read(1)
            if ch == " ":
                self.pending.appendleft(ch)
                break
            word += ch
        return word
