"""Log rotation and spool handling shared by the worker threads."""
import os
import shutil
import threading
from pathlib import Path

LOCK = threading.Lock()
handle = None


def printlog(path, line):
    global handle
    if not os.path.isfile(path):
        handle.close()
        handle = open(path, "x")  # want PY701 "raises FileExistsError"
    handle.write(line)


def ensure_spool(spool):
    if not os.path.exists(spool):
        os.makedirs(spool)  # want PY701 "os.makedirs() then raises FileExistsError"


def ensure_dir(d):
    if not os.path.isdir(d):
        os.mkdir(d, 0o750)  # want PY701 "os.mkdir()"


def write_pid(pidfile, pid):
    if not os.path.exists(pidfile):
        with open(pidfile, "w") as f:  # want PY701 "truncates"
            f.write(str(pid))


def add_header(csv_path, header):
    if not os.path.exists(csv_path):
        with open(csv_path, "a") as f:  # want PY701 "append"
            f.write(header)


def drop_stale(lockfile):
    if os.path.exists(lockfile):
        os.remove(lockfile)  # want PY701 "FileNotFoundError"


def drop_stale_unlink(lockfile):
    if os.path.exists(lockfile):  # the pid check in between does not help
        print("removing", lockfile)
        os.unlink(lockfile)  # want PY701 "os.unlink()"


def publish(tmp, final):
    if not os.path.exists(final):
        os.rename(tmp, final)  # want PY701 "silently replaces"
    else:
        shutil.move(tmp, final + ".new")


def clean(cache_dir):
    if os.path.isdir(cache_dir):
        shutil.rmtree(cache_dir)  # want PY701 "shutil.rmtree()"


def prepare(root):
    out = Path(root) / "out"
    if not out.exists():
        out.mkdir(parents=True)  # want PY701 "mkdir()"
    if Path(root).exists():
        Path(root).unlink()  # want PY701 "unlink()"


def archive(path):
    if os.path.exists(path):
        return
    else:
        os.makedirs(path)  # want PY701 "os.makedirs()"


def workers(n):
    for _ in range(n):
        threading.Thread(target=rotate, args=("/var/log/app.log",)).start()


def rotate(path):
    if not os.path.exists(path + ".1"):
        os.rename(path, path + ".1")  # want PY701 "silently replaces"


# Must NOT trigger: exist_ok=True already handles the race.
def ensure_ok(d):
    if not os.path.exists(d):
        os.makedirs(d, exist_ok=True)


# Must NOT trigger: code already wrapped in `with LOCK:`.
def locked_rotate(path):
    with LOCK:
        if not os.path.isfile(path):
            open(path, "x").close()


# Must NOT trigger: the act is inside a try that handles the lost race.
def tolerant(d, f):
    if not os.path.exists(d):
        try:
            os.mkdir(d)
        except FileExistsError:
            pass
    if os.path.exists(f):
        try:
            os.remove(f)
        except OSError:
            pass


# Must NOT trigger: the EAFP form.
def eafp(path):
    try:
        new = open(path, "x")
    except FileExistsError:
        new = open(path, "a")
    return new


# Must NOT trigger: a different path, a read-only open, or a remove after a "missing" check.
def unrelated(a, b):
    if not os.path.exists(a):
        os.makedirs(b)
    if os.path.exists(a):
        with open(a) as f:
            return f.read()
    if not os.path.exists(a):
        os.remove(a + ".bak")
