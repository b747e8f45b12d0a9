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

# The suite's own settings, the same for every test: each response the tests' servers send is checked
# against the spec (off by default in production; server/config.py `validate_responses`). Set here,
# after the clean-up above, so servers a test starts in processes of their own inherit it too.
SUITE_HARNESS_VARIABLES = {"HARNESS_VALIDATE_RESPONSES": "true"}
os.environ.update(SUITE_HARNESS_VARIABLES)
