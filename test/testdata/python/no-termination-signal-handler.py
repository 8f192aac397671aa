"""A relay script: imports signal, starts threads, then loops forever."""
import queue
import signal  # want PY402 "signal is imported but never used"
import threading

jobs = queue.Queue(maxsize=100)


def handle(item):
    return item


def pump():
    while True:
        jobs.put(handle(None))


threading.Thread(target=pump, daemon=True).start()
while True:
    handle(jobs.get())
