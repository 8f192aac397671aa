import logging

log = logging.getLogger("reflector")


def send(sock, data):
    try:
        sock.send(data)
    except: pass  # want PY301 "bare except"


class Worker:
    def step(self, job):
        try:
            job.run()
        except Exception:  # want PY301
            ...
