"""The turn state names and the terminal-once rule, for the Python code and the Lua scripts alike.

    running ──▶ done | cancelled | error        (no transition leaves a terminal state)

A turn leaves `running` once: FINISH_TURN (store/lua.py) moves it only while its status is
`running`, so the first writer wins and appends the single `turn.done`. Every script reads the
status names from `LUA_CONSTANTS` below (tests/test_store_scripts.py checks that no script spells
one), so a state renamed here is renamed everywhere.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RUNNING = "running"
    """Executing on the executor named in the turn id."""
    DONE = "done"
    """The agent finished (a turn paused for human input is `done` with `required_actions`)."""
    CANCELLED = "cancelled"
    """Stopped before finishing; `reason` says by whom."""
    ERROR = "error"
    """The turn failed; `message` says why."""


TERMINAL = frozenset({Status.DONE, Status.CANCELLED, Status.ERROR})
"""Every state but `running`: a turn in one of them never changes again."""


def is_terminal(status: str) -> bool:
    return Status(status) in TERMINAL


LUA_CONSTANTS = "".join(f"local {s.name} = '{s.value}'\n" for s in Status)
"""Prepended to every script: `RUNNING` etc. are the only way a script names a state."""
