"""A small APRS reflector: receive, log, forward."""
import socket
import threading
import time

logfile = open("/tmp/reflector.log", "a")
connected = False


def printlog(msg):
    logfile.write(time.strftime("%H:%M:%S ") + msg + "\n")


def write_line(line):
    try:
        logfile.write(line + "\n")
    # want PY301 "bare except drops the error"
    except:
        pass


def forward(sock, data, peers):
    for addr in peers:
        try:
            sock.sendto(data, addr)
        except Exception:  # want PY301 "except Exception drops the error"
            continue


def parse_position(packet):
    try:
        lat, lon = packet.split(",")
        return float(lat), float(lon)
    except (ValueError, Exception):  # want PY301 "except (ValueError, Exception)"
        printlog("bad position")


def recv_loop(sock):
    while True:
        try:
            data, addr = sock.recvfrom(2048)
            printlog("from %s" % (addr,))
        except:  # want PY301 "this thread can neither be stopped"
            printlog("Error in RecvData")


def poll(sock):
    while 1:
        try:
            sock.send(b"ping")
        except:  # want PY301 "this loop can neither be stopped"
            count = 0


def keepalive(sock):
    try:
        sock.send(b"ka")
    except BaseException:  # want PY301 "except BaseException"
        print("keepalive failed", sock)


threading.Thread(target=recv_loop, args=(socket.socket(),), daemon=True).start()


# Must NOT trigger: the default-value idiom.
def port_from(text):
    try:
        port = int(text)
    except:
        port = 14580
    return port


def code_of(value):
    code = None
    try:
        code = value.__code__
    except Exception:
        pass
    return code


def has_ipv6(host):
    sock = None
    supported = False
    try:
        sock = socket.socket(socket.AF_INET6)
        sock.bind((host, 0))
        supported = True
    except Exception:
        pass
    if sock:
        sock.close()
    return supported


def preferred_encoding(locale):
    enc = None
    if locale:
        try:
            enc = locale.getpreferredencoding()
        except Exception:
            pass
    return enc or "utf-8"


# Must NOT trigger: probes whose outcome the code branches on.
def encodable(codec):
    ok = []
    for i in range(256):
        try:
            chr(i).encode(codec)
        except Exception:
            pass
        else:
            ok.append(i)
    return ok


def has_cython(name):
    try:
        __import__(name).build_ext
        return True
    except Exception:
        pass
    return False


# Must NOT trigger: best-effort deletion.
def forget(namespace, keys):
    for key in keys:
        try:
            del namespace[key]
        except:
            pass


# Must NOT trigger: the handler calls a method that raises its own error (it is not a log call).
class Bytes:
    def validate(self, obj, value):
        try:
            return bytes(value)
        except Exception:
            self.error(obj, value)

    def error(self, obj, value):
        raise TypeError(f"{obj!r}: {value!r} is not bytes")


# Must NOT trigger: optional-import fallbacks, by type or by a try holding only imports.
try:
    import ujson as json
except ImportError:
    import json

try:
    import readline
except Exception:
    readline = None


# Must NOT trigger: handlers that re-raise, use the exception, or log it.
def strict(sock):
    try:
        sock.connect(("localhost", 14580))
    except Exception:
        printlog("connect failed")
        raise


def verbose(sock):
    try:
        sock.connect(("localhost", 14580))
    except Exception as e:
        printlog("connect failed: %r" % e)


def traced(sock):
    import logging
    import traceback
    try:
        sock.connect(("localhost", 14580))
    except Exception:
        traceback.print_exc()
    try:
        sock.connect(("localhost", 14581))
    except Exception:
        logging.getLogger(__name__).exception("connect failed")
    try:
        sock.connect(("localhost", 14582))
    except Exception:
        logging.warning("connect failed", exc_info=True)


# Must NOT trigger: an error flag that is read later.
def connect(sock):
    global connected
    ok = True
    try:
        sock.connect(("localhost", 14580))
    except Exception:
        ok = False
    if not ok:
        printlog("offline")


class Link:
    def __init__(self, sock):
        self.sock = sock
        self.failed = False

    def send(self, data):
        try:
            self.sock.send(data)
        except Exception:
            self.failed = True

    def healthy(self):
        return not self.failed


# Must NOT trigger: best-effort cleanup and handlers that do more than drop the error.
def shutdown(sock):
    try:
        sock.close()
    except Exception:
        pass


def retry(sock):
    try:
        sock.connect(("localhost", 14580))
    except Exception:
        time.sleep(5)
        return False
    return True


# Must NOT trigger: a specific exception type.
def narrow(sock):
    try:
        sock.connect(("localhost", 14580))
    except OSError:
        pass
