"""Windows line endings."""
import socket

import requests


def beacon(host, port):
    sock = socket.socket()  # want PY601 "sock"
    sock.connect((host, port))
    return sock.recv(16)


def fetch(url):
    return requests.get(  # want PY601
        url,
        headers={"Accept": "text/plain"},
    )
