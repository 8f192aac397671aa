"""Must NOT trigger: the script handles SIGTERM (with the signal loop form too)."""
import signal
import threading

stop = threading.Event()


def _on_term(signum, frame):
    stop.set()


for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, _on_term)

while True:
    if stop.wait(1):
        break
