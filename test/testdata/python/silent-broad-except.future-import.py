# Copyright 2010 The Authors. All rights reserved.
# Use of this source code is governed by a BSD-style license.

"""Pretty printers loaded by the debugger: comments precede the docstring and a __future__ import follows it."""

# Known issues: only native strings pretty-print.


from __future__ import print_function


def load_printers(registry):
    try:
        registry.register_all()
    # want PY301 "bare except drops the error"
    except:
        pass
