"""A poller started from the main guard; its thread loops forever."""
import threading
import time


def poll(interval):
    while True:
        time.sleep(interval)


def main():
    worker = threading.Thread(target=poll, args=(5,))  # want PY402 "it starts threads that loop forever"
    worker.start()
    threading.Timer(60, main).start()


if __name__ == "__main__":
    main()
