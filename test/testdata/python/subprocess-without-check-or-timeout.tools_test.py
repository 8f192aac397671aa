"""Tests of the build helpers."""
import subprocess
import unittest
from unittest import mock


class BuildTest(unittest.TestCase):
    # Must NOT trigger: mock.patch is not a request handler, and tests may omit check=.
    @mock.patch("subprocess._fork_exec")
    def test_fork(self, fork_exec):
        out = subprocess.run(["make", "-n"], capture_output=True).stdout
        self.assertIn(b"cc", out)

    def test_loop(self):
        while True:
            subprocess.run(["true"])  # want PY602 "has no timeout"
