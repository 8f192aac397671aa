"""Polling upstream services and relaying packets to peers."""
import ftplib
import http.client
import smtplib
import socket
import threading
import urllib.request
from urllib.request import urlopen as fetch_url

import httpx
import requests

API = "https://api.example.net/v1"


def poll_status():
    resp = requests.get(API + "/status")  # want PY601 "requests.get() has no timeout"
    return resp.json()


def push(payload):
    return requests.post(  # want PY601
        API + "/push",
        json=payload,
    )


def push_lines(payload):
    return requests.post(  # want PY601 "blocks forever"
        API + "/push",
        json=payload,
        headers={"X-Source": "relay"},
    )


def delete_entry(key):
    requests.request("DELETE", f"{API}/entries/{key}", timeout=None)  # want PY601 "disables the timeout"


class Uploader:
    def __init__(self):
        self.session = requests.Session()

    def upload(self, blob):
        with requests.Session() as s:
            s.headers["Authorization"] = "Bearer x"
            return s.put(API + "/blob", data=blob)  # want PY601 "s.put()"

    def ping(self):
        return requests.Session().head(API)  # want PY601


def fetch_feed(url):
    with urllib.request.urlopen(url) as f:  # want PY601 "uses the socket default"
        return f.read()


def fetch_alias(url):
    return fetch_url(url).read()  # want PY601 "fetch_url()"


def open_link(host, port):
    return socket.create_connection((host, port))  # want PY601 "socket.create_connection()"


def mail(host, msg):
    server = smtplib.SMTP(host, 25)  # want PY601 "smtplib.SMTP()"
    server.send_message(msg)
    server.quit()


def upload_ftp(host, user, pw):
    ftp = ftplib.FTP(host, user, pw)  # want PY601
    ftp.quit()


def api_health(host):
    conn = http.client.HTTPSConnection(host)  # want PY601 "HTTPSConnection"
    conn.request("GET", "/health")
    return conn.getresponse().status


def streaming_client():
    return httpx.Client(timeout=None)  # want PY601 "httpx.Client(…, timeout=None)"


def beacon(host, port, payload):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # want PY601 "socket sock is used for connect()/sendall()/recv()"
    sock.connect((host, port))
    sock.sendall(payload)
    return sock.recv(1024)


def beacon_with(host, port, payload):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # want PY601 "connect()"
        s.connect((host, port))
        s.sendall(payload)


# Must NOT trigger: explicit timeouts, keyword or positional.
def careful(url, host, port):
    requests.get(url, timeout=(3.05, 27))
    urllib.request.urlopen(url, None, 10)
    socket.create_connection((host, port), 5)
    smtplib.SMTP(host, 25, None, 30)
    http.client.HTTPConnection(host, 80, 10)
    return httpx.get(url)  # httpx applies a 5-second default timeout.


# Must NOT trigger: the timeout may come in **kwargs.
def forward(url, **kwargs):
    return requests.get(url, **kwargs)


# Must NOT trigger: an FTP or SMTP object constructed without a host does not connect yet.
def lazy_clients():
    return ftplib.FTP(), smtplib.SMTP()


# Must NOT trigger: the socket gets a timeout, or is made non-blocking.
def probe(host, port):
    s = socket.socket()
    s.settimeout(3)
    s.connect((host, port))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setblocking(False)
    u.connect((host, port))


class Link:
    def open(self, host, port):
        self.sock = socket.socket()
        self.sock.connect((host, port))

    def configure(self):
        # Must NOT trigger (above): the attribute socket gets its timeout in another method.
        self.sock.settimeout(5)


# Must NOT trigger: a server socket that only accepts (the accepted connection is not this socket).
def serve(port):
    srv = socket.socket()
    srv.bind(("", port))
    srv.listen(5)
    return srv.accept()


# Must NOT trigger: UDP recvfrom in a dedicated receiver thread's forever loop.
def receiver(sock_addr, handle):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(sock_addr)
    u.connect(sock_addr)
    while True:
        data = u.recv(2048)
        handle(data)


threading.Thread(target=receiver, args=(("", 9000), print), daemon=True).start()


# Must NOT trigger: calls inside async def belong to Ruff ASYNC210.
async def fetch_async(url):
    return requests.get(url)


# Must NOT trigger: a method of another object named get.
def cache_get(cache, key):
    return cache.get(key)


# Must NOT trigger: a Unix-domain socket talks to a local process.
def notify_systemd(path, msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(path)
    s.sendall(msg)


# Must NOT trigger: a function taking a timeout from its caller leaves "no timeout" to the caller.
def open_connection(host, port, timeout=None):
    if timeout is not None:
        return socket.create_connection((host, port), timeout)
    return socket.create_connection((host, port))


# Must NOT trigger: a name that is a property of every JavaScript object is not a known connection function.
def constructor(obj):
    return obj


def build(obj):
    return constructor(obj)


def dial(host, port):
    conn = socket.socket()  # want PY601 "until the kernel gives up"
    conn.connect((host, port))
    return conn


# Must NOT trigger: connect() on a UDP socket returns at once (finding the local address).
def local_ip():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("10.255.255.255", 1))
    return s.getsockname()[0]


def udp_query(server, payload):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # want PY601 "recv()"
    u.connect(server)
    u.sendall(payload)
    return u.recv(512)
