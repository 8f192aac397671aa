"""A module global validated in another function counts as checked."""
import os
import time

INTERVAL = float(os.environ["INTERVAL"])
WORKERS = int(os.environ["WORKERS"])


def check_config():
    if INTERVAL <= 0:
        raise SystemExit("INTERVAL must be positive")


def loop(tick):
    # Must NOT trigger: INTERVAL is validated in check_config.
    while True:
        tick()
        time.sleep(INTERVAL)


def pool():
    return [None] * WORKERS  # want PY901 "WORKERS"
