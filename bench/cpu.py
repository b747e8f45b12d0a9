"""CPU time used by each process during a scenario, to tell which one a slow figure waited on."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
SELF = "bench"
OTHERS = "other processes"
_MACHINE = "machine"


def _machine_busy_seconds() -> float | None:
    """CPU time the whole machine spent busy (not idle or waiting on I/O), all cores."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    ticks = [int(f) for f in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    # guest time is already counted in user and nice.
    return (sum(ticks[:8]) - idle) / _TICKS


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class CpuMeter:
    """`{name: pid}` of the processes to watch; the bench process itself is always included."""

    pids: dict[str, int]
    _start: dict[str, float] = field(default_factory=dict)
    _wall: float = 0.0

    def _snapshot(self) -> dict[str, float]:
        now = {SELF: _own_cpu_seconds()}
        busy = _machine_busy_seconds()
        if busy is not None:
            now[_MACHINE] = busy
        for name, pid in self.pids.items():
            seconds = _cpu_seconds(pid)
            if seconds is not None:
                now[name] = seconds
        return now

    def start(self) -> None:
        self._start = self._snapshot()
        self._wall = time.perf_counter()

    def percent(self) -> dict[str, float]:
        """CPU use since `start()`, in percent of one core; `other processes` is the rest of the
        machine's busy time (other people's work on a shared machine: noise in the figures)."""
        wall = time.perf_counter() - self._wall
        end = self._snapshot()
        if wall <= 0:
            return {}
        used = {name: 100 * (end[name] - self._start[name]) / wall for name in self._start if name in end}
        machine = used.pop(_MACHINE, None)
        if machine is not None:
            used[OTHERS] = max(0.0, machine - sum(used.values()))
        return used


def cpu_text(percent: dict[str, float]) -> str:
    """`CpuMeter.percent()` as one line, the other processes last."""
    ordered = sorted(percent.items(), key=lambda item: (item[0] == OTHERS, item[0]))
    return "CPU (% of one core): " + ", ".join(f"{name} {value:.0f}%" for name, value in ordered)


def _descendants(pid: int) -> list[int]:
    """`pid` and every live process below it (from each process's parent in /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children.get(current, [])
    return found


def tree_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes and all their live descendants (a server that runs its
    work in child processes is charged for them)."""
    return sum(_cpu_seconds(p) or 0.0 for pid in pids for p in _descendants(pid))
