"""`python -m bench` end to end at toy sizes: every scenario runs against real servers and reports
every figure with no errors. No figure's value is checked: timing belongs in the bench."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.load import SCENARIOS

REPO = Path(__file__).resolve().parent.parent
# Smaller than --quick: the point is that the code runs, in a few seconds.
TOY_SIZES = {
    "BENCH_SESSIONS": "20",
    "BENCH_LATENCY_TURNS": "5",
    "BENCH_TURNS": "10",
    "BENCH_TURN_CONCURRENCY": "4",
    "BENCH_HELD_STREAMS": "10",
    "BENCH_HOLD_SECONDS": "0.5",
    "BENCH_MEMORY_SESSIONS": "20",
    "BENCH_MEMORY_SHORT_TURNS": "5",
    "BENCH_MEMORY_TURNS": "2",
    "BENCH_MEMORY_CHUNKS": "20",
    "BENCH_FANOUT_CHUNKS": "20",
    "BENCH_ITERATIONS": "3",
    "BENCH_WARMUP": "1",
    "BENCH_BACKGROUND": "3",
    "BENCH_RTT_SAMPLES": "10",
}


def test_bench_runs_every_scenario(redis_url: str) -> None:
    env = {**os.environ, **TOY_SIZES, "BENCH_REDIS_URL": redis_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "load",
            "cancel",
            "agent",
            "--quick",
            "--executors",
            "1",
            "--markdown",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = done.stdout
    rows = {line.split(" | ")[0].removeprefix("| ").strip(): line for line in report.splitlines()}
    for label in ("sessions created / s", "SSE events / s delivered", "streaming sessions held at once"):
        assert any(key.startswith(label) for key in rows), f"no {label!r} row in:\n{report}"
    error_rows = [line for key, line in rows.items() if "errors" in key or "missing events" in key]
    assert len(error_rows) == 5, report
    for line in error_rows:
        assert line.rstrip(" |").endswith("| 0"), f"errors reported: {line}"
    assert "| executor in the API process |" in report
    assert "| slow model stream (openai-compatible) | 3 |" in report
    assert "| slow MCP tool call (streamable HTTP) | 3 |" in report
    details = [line for line in report.splitlines() if line.startswith("- **API + 1 executor, ")]
    assert len(details) == len(SCENARIOS), report
