"""A host monitor: pings peers, remounts shares and serves a status page."""
import subprocess
import threading
import time
from subprocess import check_output

from flask import Flask

app = Flask(__name__)
HOSTS = ["10.0.0.1", "10.0.0.2"]


def monitor():
    while True:
        for host in HOSTS:
            subprocess.run(["ping", "-c1", host])  # want PY602 "neither timeout= nor check="
        time.sleep(10)


def remount_loop(share):
    while True:
        subprocess.check_call(["mount", "-o", "remount", share])  # want PY602 "stops this forever loop for good"
        time.sleep(60)


def sync_worker(paths):
    for p in paths:
        subprocess.call(  # want PY602 "sync_worker thread"
            ["rsync", "-a", p, "/backup/"],
        )


threading.Thread(target=sync_worker, args=(["/srv"],), daemon=True).start()


@app.route("/uptime")
def uptime():
    return check_output(["uptime"])  # want PY602 "request handler"


async def refresh():
    subprocess.run(["systemctl", "reload", "nginx"], check=True)  # want PY602 "event loop"


class Pinger(threading.Thread):
    def run(self):
        proc = subprocess.Popen(["ping", "10.0.0.1"], stdout=subprocess.PIPE)
        out, _ = proc.communicate()  # want PY602 "proc.communicate() has no timeout"
        with subprocess.Popen(["arping", "10.0.0.1"]) as p:
            p.wait()  # want PY602 "p.wait()"


def build(target):
    subprocess.run(["make", target])  # want PY602 "has no check="


def version():
    out = subprocess.run(["git", "describe"], capture_output=True, text=True).stdout  # want PY602 "no check="
    return out.strip()


# Must NOT trigger: check=False written explicitly together with returncode inspection.
def probe(host):
    r = subprocess.run(["ping", "-c1", host], check=False, timeout=5, capture_output=True)
    return r.returncode == 0


# Must NOT trigger: the returncode is inspected, or the result is returned to the caller.
def try_lint(path):
    result = subprocess.run(["flake8", path], capture_output=True)
    if result.returncode != 0:
        print(result.stdout)
    return subprocess.run(["mypy", path])


# Must NOT trigger: one-shot code (no loop or thread) for the timeout part.
def main():
    subprocess.check_call(["make", "install"])
    proc = subprocess.Popen(["tar", "czf", "out.tgz", "build"])
    proc.wait()


# Must NOT trigger: the timeout is given, positionally where the API allows it.
def careful_loop():
    while True:
        subprocess.run(["true"], timeout=5, check=True)
        proc = subprocess.Popen(["sleep", "1"])
        proc.wait(5)
        proc.communicate(None, 5)


# Must NOT trigger: the keywords may come in **kwargs.
def passthrough(cmd, **kwargs):
    while True:
        subprocess.run(cmd, **kwargs)


# Must NOT trigger: a wait() on something that is not a Popen (an Event).
def waiter(stop):
    while True:
        stop.wait()


# Must NOT trigger: a retry loop that breaks after the first successful wait (a pager), not a service loop.
def pager(text):
    proc = subprocess.Popen(["less"], stdin=subprocess.PIPE)
    proc.stdin.write(text)
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:
            pass


# Must NOT trigger: a pager wait retried on Ctrl-C, leaving through the try's else clause.
def page(cmd):
    c = subprocess.Popen(cmd)
    while True:
        try:
            c.wait()
        except KeyboardInterrupt:
            pass
        else:
            break


# Must NOT trigger: a reloader that restarts a long-running child until it exits for good.
def restart_with_reloader(args):
    while True:
        exit_code = subprocess.call(args)
        if exit_code != 3:
            return exit_code
