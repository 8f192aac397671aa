"""Loading rules, talking to peers and storing packets."""
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import urllib.request
import zipfile

import aprslib
from tinydb import TinyDB

rules = []
logfile = open("/var/log/reflector.log", "a")  # Must NOT trigger: a long-lived module-level handle.


def parse(row):
    return row.strip().split(",")


def load_rules(path):
    f = open(path, encoding="utf-8")  # want PY201 "leaks the file handle"
    for row in f:
        rules.append(parse(row))
    f.close()


def send_beacon(host, port, payload):
    s = socket.create_connection((host, port), timeout=5)  # want PY201 "leaks the socket"
    s.sendall(payload)
    reply = s.recv(1024)
    s.close()
    return reply


def store(db_path, packet):
    conn = sqlite3.connect(db_path)  # want PY201 "database connection"
    conn.execute("INSERT INTO packets VALUES (?)", (packet,))
    conn.commit()
    conn.close()


def fetch(url):
    if url:
        resp = urllib.request.urlopen(url, timeout=10)  # want PY201 "HTTP connection"
        data = resp.read()
        resp.close()
        return data
    return b""


def archive(names, dest):
    zf = zipfile.ZipFile(dest, "w")  # want PY201 "archive handle"
    for name in names:
        zf.write(name)
    zf.close()


def igate(callsign, lines):
    ais = aprslib.IS(callsign)  # want PY201 "leaks the resource"
    ais.connect()
    for line in lines:
        ais.sendall(line)
    ais.close()


def record(path, packet):
    db = TinyDB(path)  # want PY201 "resource"
    db.insert(packet)
    db.close()


def scratch(data):
    tmp = tempfile.NamedTemporaryFile(delete=False)  # want PY201 "temporary file"
    tmp.write(data)
    tmp.close()
    return tmp.name


# Never closed: assisted fix only.
def first_line(path):
    f = open(path)  # want PY201 "is never closed"
    line = f.readline()
    return line.strip()


def probe(host):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # want PY201 "never closed"
    sock.sendto(b"ping", (host, 7))


def launch(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)  # want PY201 "pipe descriptors"
    for line in proc.stdout:
        print(line)


def load_json(path):
    import json
    f = open(path)  # want PY201 "never closed"
    return json.load(f)


# Must NOT trigger: attributes of self own the resource.
class Client:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))

    def reopen(self, path):
        f = open(path)
        self.log = f


# Must NOT trigger: returned or yielded values.
def open_log(path):
    f = open(path, "a")
    f.write("started\n")
    return f


def lines(path):
    f = open(path)
    yield f


# Must NOT trigger: acquisition inside with, and contextlib.closing.
def read_all(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def count(db_path):
    import contextlib
    conn = sqlite3.connect(db_path)
    with contextlib.closing(conn):
        return conn.execute("SELECT count(*) FROM packets").fetchone()


# Must NOT trigger: closed in finally.
def read_safely(path):
    f = open(path)
    try:
        return f.read()
    finally:
        f.close()


# Must NOT trigger: every call in between is inside a try that catches everything.
def read_or_empty(path):
    f = open(path)
    try:
        data = f.read()
    except Exception:
        data = ""
    f.close()
    return data


# Must NOT trigger: nothing in between can raise.
def touch(path):
    f = open(path, "a")
    f.close()


# Must NOT trigger: the process is waited for; the handle is handed to a thread or a container.
def run(cmd):
    proc = subprocess.Popen(cmd)
    return_code = proc.wait()
    return return_code


def serve(listener, handlers, pool):
    conn = socket.socket()
    handlers.append(conn)
    other = socket.socket()
    pool.submit(other)


# Must NOT trigger: handed to a setter, a wrapper or a function of this file that owns it, or closed by a helper.
class Channel:
    def create_socket(self, family, kind):
        sock = socket.socket(family, kind)
        sock.setblocking(False)
        self.set_socket(sock)

    def set_socket(self, sock):
        self.socket = sock


class ProxyFile:
    def __init__(self, f):
        self._file = f


def get_file(path):
    f = open(path, "rb")
    return ProxyFile(f)


def sync_close(f):
    f.flush()
    f.close()


def rewrite(path, data):
    f = open(path, "rb+")
    f.write(data)
    sync_close(f)


def trace_to(err, tracer):
    err = open(err.fileno(), "w", buffering=1)
    tracer.setwriter(err.write)


def iter_members(archive):
    yield from archive.getmembers()


def unpack(path):
    tarobj = tarfile.open(path)
    for member in iter_members(tarobj):
        print(member)


# Must NOT trigger: close() on a class that holds no resource finishes a computation.
def detect(data, UniversalDetector):
    detector = UniversalDetector()
    detector.feed(data)
    detector.close()
    return detector.result


# Must NOT trigger: in-memory buffers hold no descriptor; a process without pipes holds none of ours.
def render(parts):
    import io
    buf = io.StringIO()
    for p in parts:
        buf.write(p)
    text = buf.getvalue()
    buf.close()
    return text


def open_browser(cmdline):
    p = subprocess.Popen(cmdline, start_new_session=True)
    return p.poll() is None


# Must NOT trigger: a global declared in the function is long-lived.
def reopen_log(path):
    global logfile
    logfile = open(path, "a")
    logfile.write("reopened\n")
