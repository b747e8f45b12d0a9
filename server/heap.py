"""Keeping full garbage collections short in the long-running processes (`serve`, `executor`).

What is alive once a process has started (modules, the parsed spec, connexion's validators, the
model and MCP SDKs) lives as long as the process, yet CPython's full (generation 2) collection
re-scans all of it each time: a stop-the-world pause of about 120 ms in `serve`, which landed inside
whatever request or cancel was in flight. Frozen objects are left out of every later collection;
garbage made afterwards is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    gc.collect()  # what startup already dropped should not be frozen with the rest
    gc.freeze()
