"""Root pytest configuration: the tests are hermetic.

Settings read `HARNESS_*` variables, and every server process a test starts inherits the test's
environment; a caller's shell with `HARNESS_JWT_SECRET` (or any other) set would change what the
tests run against. They are removed before any test module imports the server, and each test
configures what it needs explicitly.
"""

from __future__ import annotations

import os

CALLER_HARNESS_VARIABLES = sorted(name for name in os.environ if name.startswith("HARNESS_"))
for _name in CALLER_HARNESS_VARIABLES:
    del os.environ[_name]
