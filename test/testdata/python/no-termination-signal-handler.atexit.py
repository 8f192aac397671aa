"""Must NOT trigger: an atexit function flushes the buffered state."""
import atexit
import time

buffer = []


def flush():
    print(len(buffer))


atexit.register(flush)

while True:
    buffer.append(time.time())
    time.sleep(1)
