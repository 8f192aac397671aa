"""A helper that imports nothing yet from os."""
from tempfile import mktemp


def token_file():
    path = mktemp(suffix=".token")  # want PY801 "mktemp()"
    return path
