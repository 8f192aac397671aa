"""A poller configured from an INI file and the environment."""
import configparser
import os
import queue
import socket
import threading
import time

cfg = configparser.ConfigParser()
cfg.read("/etc/poller.ini")

RETRIES = int(os.environ["POLL_RETRIES"])
BACKLOG = int(os.getenv("BACKLOG", "16"))


def poll_forever(poll):
    interval = float(cfg["poll"]["interval"])
    while True:
        poll()
        time.sleep(interval)  # want PY901 "reaches time.sleep() unchecked"


def connect(host):
    timeout = cfg.getfloat("net", "timeout")
    s = socket.socket()
    s.settimeout(timeout)  # want PY901 "settimeout()"
    s.connect((host, 80))
    return s


def retry(op):
    for _ in range(RETRIES):  # want PY901 "RETRIES comes from configuration"
        if op():
            return True
    return False


def serve():
    srv = socket.socket()
    srv.bind(("", 8080))
    srv.listen(BACKLOG)  # want PY901 "listen()"
    return srv


def make_buffers():
    size = int(os.environ.get("BUF_SIZE", "4096"))
    buf = bytearray(size)  # want PY901 "bytearray()"
    slots = [None] * size  # want PY901 "[…] * n"
    return buf, slots


def heartbeat(stop, beat):
    delay_ms = int(cfg.get("heartbeat", "delay_ms"))
    while not stop.wait(delay_ms / 1000):  # want PY901 "busy loop"
        beat()


def schedule(job):
    after = float(os.environ["JOB_DELAY"])
    t = threading.Timer(after, job)  # want PY901 "threading.Timer()"
    t.start()


class Worker:
    def __init__(self, settings):
        self.depth = int(settings["queue"]["depth"])
        self.pause = float(settings["worker"]["pause"])

    def start(self):
        self.jobs = queue.Queue(maxsize=self.depth)  # want PY901 "unbounded"

    def idle(self):
        time.sleep(self.pause)  # want PY901 "self.pause"


# Must NOT trigger: values clamped right after parsing.
def clamped():
    t = float(cfg["poll"]["interval"])
    if t < 0.1:
        t = 0.1
    time.sleep(t)
    n = max(1, int(cfg["poll"]["batch"]))
    for _ in range(n):
        pass
    depth = int(os.environ["DEPTH"])
    assert 0 < depth <= 1000, "DEPTH out of range"
    return queue.Queue(maxsize=depth)


# Must NOT trigger: constants, values not from configuration, and parses that are not config reads.
def unrelated(user_input, items):
    time.sleep(5)
    n = int(user_input)
    time.sleep(n)
    count = len(items)
    return bytearray(count)


# Must NOT trigger: a name rebound after the parse.
def rebound():
    wait_s = float(cfg["a"]["wait"])
    wait_s = 3.0
    time.sleep(wait_s)
