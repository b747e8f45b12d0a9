"""CPU time used by each process during a scenario, to tell which one a slow figure waited on."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
SELF = "bench"


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
        for name, pid in self.pids.items():
            seconds = _cpu_seconds(pid)
            if seconds is not None:
                now[name] = seconds
        return now

    def start(self) -> None:
        self._start = self._snapshot()
        self._wall = time.perf_counter()

    def percent(self) -> dict[str, float]:
        """CPU use since `start()`, in percent of one core."""
        wall = time.perf_counter() - self._wall
        end = self._snapshot()
        return {
            name: 100 * (end[name] - self._start[name]) / wall
            for name in self._start
            if name in end and wall > 0
        }
