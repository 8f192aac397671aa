"""A one-shot setup script: no threads, so the race is only with other processes (info)."""
import os

OUT = "build"

if not os.path.exists(OUT):
    os.mkdir(OUT)  # want PY701 "os.mkdir()"

if os.path.exists(OUT + "/stale.lock"):
    os.remove(OUT + "/stale.lock")  # want PY701 "os.remove()"
