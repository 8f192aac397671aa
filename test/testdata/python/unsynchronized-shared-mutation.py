"""A chat relay whose peer list is shared by the accept loop and a reaper thread."""
import bisect
import collections
import queue
import threading
import time

peers = []
stats = {}
timeline = []
stats_lock = threading.Lock()


def reaper(peers):
    while True:
        time.sleep(1)
        for p in list(peers):
            if p.dead():
                peers.remove(p)  # want PY102 "peers is changed here, in the reaper thread, without a lock, while serve also changes it from another thread"


def record(event):
    stats[event] = stats.get(event, 0) + 1  # want PY102 "stats is changed here, in the main thread"
    bisect.insort(timeline, event)  # want PY102 "timeline"


def counter():
    while True:
        time.sleep(5)
        del stats["tick"]  # want PY102 "stats"
        timeline.clear()  # want PY102 "timeline"


def serve(listener):
    threading.Thread(target=reaper, args=(peers,), daemon=True).start()
    threading.Thread(target=counter, daemon=True).start()
    while True:
        peers.append(listener.accept())  # want PY102 "while reaper also changes it"
        record("accept")


class Hub:
    def __init__(self):
        self.clients = []
        self.clients.append("console")
        self.lock = threading.Lock()
        self.names = {}
        threading.Thread(target=self._sweep, daemon=True).start()

    def join(self, client):
        self.clients.append(client)  # want PY102 "self.clients is changed here, in the main thread, without a lock, while Hub._sweep"
        with self.lock:
            self.names[client] = client

    def _sweep(self):
        while True:
            time.sleep(1)
            self.clients.pop()  # want PY102 "in the Hub._sweep thread"
            with self.lock:
                self.names.pop("x", None)


def worker(jobs_seen):
    while True:
        jobs_seen.append(time.time())  # want PY102 "in the worker thread, without a lock, while another worker thread also changes it:"
        if len(jobs_seen) > 100:
            del jobs_seen[0]  # want PY102 "jobs_seen"


def pool():
    seen = []
    for _ in range(4):
        threading.Thread(target=worker, args=(seen,), daemon=True).start()


# Must NOT trigger: both sites under the same lock.
shared = []
shared_lock = threading.Lock()


def producer():
    while True:
        with shared_lock:
            shared.append(time.time())


def consumer_locked():
    threading.Thread(target=producer, daemon=True).start()
    with shared_lock:
        shared.clear()


def acquire_release():
    stats_lock.acquire()
    try:
        stats["x"] = 1
    finally:
        stats_lock.release()


# Must NOT trigger: queues and deques used through their thread-safe operations.
events = collections.deque()
inbox = queue.Queue(maxsize=100)


def feeder():
    while True:
        events.append(time.time())
        inbox.put(time.time())


def drainer():
    threading.Thread(target=feeder, daemon=True).start()
    while events:
        events.popleft()
    return inbox.get()


# Must NOT trigger: an object mutated in only one context.
history = []


def logger_thread():
    while True:
        history.append(time.time())
        time.sleep(1)


def start_logger():
    threading.Thread(target=logger_thread, daemon=True).start()


# Must NOT trigger: a helper called only from the thread target runs in that thread, not in a second one.
class Manager(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.procs = {}

    def run(self):
        while True:
            self.procs.pop(self.wait_one(), None)
            self.handle(self.wait_one())

    def handle(self, pid):
        self.procs.pop(pid, None)

    def wait_one(self):
        return time.time()


# Must NOT trigger: a helper only __init__ and the thread call (it runs before the object is shared), a deque
# cleared while another thread appends, and += on a string attribute.
class Pool:
    def __init__(self):
        self.workers = []
        self.ready = collections.deque()
        self.seq = b""
        self._spawn()
        threading.Thread(target=self._maintain, daemon=True).start()

    def _spawn(self):
        self.workers.append(object())

    def _maintain(self):
        while True:
            time.sleep(1)
            self._spawn()
            self.ready.append(time.time())
            self.seq += b"x"

    def close(self):
        self.ready.clear()
        self.seq += b"!"


# Must NOT trigger: worker threads appending results to a list, or storing into a dict, that nothing removes from.
def collect(n):
    results = []
    errors = []
    squares = {}

    def task(i):
        try:
            results.append(i * i)
            squares[i] = i * i
        except ValueError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=task, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
