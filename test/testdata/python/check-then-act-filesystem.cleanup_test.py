"""Tests clean up their own scratch files."""
import os
import unittest


class SpoolTest(unittest.TestCase):
    # Must NOT trigger: test tear-down owns its scratch file.
    def tearDown(self):
        if os.path.exists("spool.tmp"):
            os.remove("spool.tmp")
