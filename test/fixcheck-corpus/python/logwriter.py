"""A line-oriented log file shared by the relay's threads."""

import threading
import time


class LogWriter:
    """Appends timestamped lines to a file; safe to call from several threads."""

    def __init__(self, path):
        self._fh = open(path, "a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, line):
        """Appends one line. Logging must never take the relay down."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self._lock:
            try:
                self._fh.write(f"{stamp} {line}\n")
            except Exception:
                pass

    def close(self):
        """Flushes and closes the file."""
        with self._lock:
            self._fh.close()
