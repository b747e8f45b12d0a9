"""How the kit grades its checks, the way the A2A and MCP conformance suites do.

Every check has a stable id and a level: a MUST failing fails the run; a SHOULD failing is reported
and does not; a MAY (an optional feature) runs only when the deployment declares it (`--declare`),
and then fails the run like a MUST. A known-failures file (`--known-failures`) lists check ids
expected to fail: they are reported, not counted, and a listed check that passes fails the run, so
a stale baseline is noticed and trimmed instead of hiding a regression later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["MUST", "SHOULD", "MAY"]
Status = Literal["pass", "FAIL", "reported", "known failure", "STALE", "not run"]


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    level: Level
    passed: bool | None  # None: not run (a MAY the deployment did not declare)
    detail: str = ""


def read_known_failures(path: Path) -> frozenset[str]:
    """Check ids, one a line; `#` starts a comment."""
    ids = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return frozenset(i for i in ids if i)


def status(check: Check, known_failures: frozenset[str]) -> Status:
    if check.passed is None:
        return "not run"
    if check.id in known_failures:
        return "STALE" if check.passed else "known failure"
    if check.passed:
        return "pass"
    return "reported" if check.level == "SHOULD" else "FAIL"


FAILING: frozenset[Status] = frozenset({"FAIL", "STALE"})


@dataclass(frozen=True)
class Grades:
    checks: list[Check]
    known_failures: frozenset[str]

    def status(self, check: Check) -> Status:
        return status(check, self.known_failures)

    @property
    def passed(self) -> bool:
        return not any(self.status(c) in FAILING for c in self.checks)

    @property
    def unknown_ids(self) -> list[str]:
        """Listed ids that name no check: a typo, or a check this kit no longer has."""
        return sorted(self.known_failures - {c.id for c in self.checks})

    def summary(self) -> str:
        parts = []
        for level in ("MUST", "SHOULD", "MAY"):
            ran = [c for c in self.checks if c.level == level and c.passed is not None]
            if ran or level != "MAY":
                parts.append(f"{level} {sum(bool(c.passed) for c in ran)}/{len(ran)}")
        known = sum(self.status(c) == "known failure" for c in self.checks)
        stale = sum(self.status(c) == "STALE" for c in self.checks)
        extra = f", {known} known failure(s)" if known else ""
        extra += f", {stale} STALE known failure(s) now passing" if stale else ""
        return f"levels: {', '.join(parts)} passed{extra}"
