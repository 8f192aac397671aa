"""A tool that sets a process-wide socket timeout at start-up."""
import socket
import urllib.request

import requests

socket.setdefaulttimeout(20)


# Must NOT trigger: socket.setdefaulttimeout covers urllib and raw sockets.
def fetch(url):
    return urllib.request.urlopen(url).read()


def talk(host, port):
    s = socket.socket()
    s.connect((host, port))
    return s.recv(10)


def get(url):
    # requests passes its own timeout (None) to every socket, so the default does not apply.
    return requests.get(url)  # want PY601
