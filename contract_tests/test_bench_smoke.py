"""`python -m bench` end to end at toy sizes: every scenario runs against real servers and reports
every figure with no errors. No figure's value is checked: timing belongs in the bench.

The bench runs in a subprocess, as `make bench` runs it; what the checks need to know of it (its
scenarios and operations) is asked of it in one too, so the contract tests never import bench/
(tests/test_import_layers.py). Its parts are tested in tests/test_bench.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
# Smaller than --quick: the point is that the code runs, in a few seconds.
TOY_SIZES = {
    "BENCH_SESSIONS": "20",
    "BENCH_LATENCY_TURNS": "5",
    "BENCH_TURNS": "10",
    "BENCH_TURN_CONCURRENCY": "4",
    "BENCH_HELD_STREAMS": "10",
    "BENCH_IDLE_STREAMS": "10",
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
    "BENCH_COST_OPS": "3",
    "BENCH_PEER_CANCELS": "2",
    "BENCH_PEER_FIRST_EVENTS": "2",
    "BENCH_PEER_TURNS": "10",
    "BENCH_PEER_CONCURRENCY": "4",
    "BENCH_PEER_WARMUP": "1",
}


def _bench(redis_url: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **TOY_SIZES, "BENCH_REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _bench_facts() -> dict[str, Any]:
    """What the bench itself says it runs: its load scenarios, cost operations, and why its peer
    (langgraph dev) cannot run here (None: it can)."""
    script = (
        "import json; from bench import langgraph_dev; from bench.load import SCENARIOS;"
        " from bench.redis_cost import OPERATIONS;"
        " print(json.dumps({'scenarios': list(SCENARIOS), 'operations': list(OPERATIONS),"
        " 'peers_unavailable': langgraph_dev.available()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    return dict(json.loads(done.stdout))


BENCH = _bench_facts()
SCENARIOS: list[str] = BENCH["scenarios"]
OPERATIONS: list[str] = BENCH["operations"]


def _rows(report: str) -> dict[str, list[str]]:
    """Markdown table rows by their first cell."""
    return {
        cells[0]: cells[1:]
        for line in report.splitlines()
        if line.startswith("| ") and (cells := [c.strip() for c in line.strip(" |").split(" | ")])
    }


# About 70 s on the shared 2-core machine (the cost group's windows are about 10 s of it).
@pytest.mark.timeout(200)
def test_bench_runs_every_scenario(redis_url: str, tmp_path: Path) -> None:
    args = ["cost", "load", "cancel", "agent", "--quick", "--executors", "1", "--markdown"]
    done = _bench(redis_url, *args, "--figures", str(tmp_path), timeout=180)
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
    cost = {name: cells for name, cells in _rows(report).items() if name in OPERATIONS}
    assert len(cost) == len(OPERATIONS), report
    for name, (count, commands, sent, *trips) in cost.items():
        # Every operation costs Redis work and at least one API round trip, counted on the wire.
        assert count == "3" and float(commands) > 0 and float(sent) > 0 and float(trips[0]) >= 1, name
    pictures = {p.name for p in tmp_path.glob("*.png")}
    assert {
        "cancel.png",
        "load-create-turn-first-model-event.png",
        "load-create-turn-turn-done.png",
    } <= pictures


@pytest.mark.skipif(BENCH["peers_unavailable"] is not None, reason=str(BENCH["peers_unavailable"]))
def test_bench_peers_runs_against_langgraph_dev(redis_url: str, tmp_path: Path) -> None:
    done = _bench(redis_url, "peers", "--quick", "--markdown", "--figures", str(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = _rows(done.stdout)
    assert rows["errors"][:2] == ["0", "0"], done.stdout
    for figure in ("cancel → 200 p50 (ms)", "turns / s, 4 in flight (median round)"):
        ours, theirs, ratio = rows[figure]
        assert float(ours) > 0 and float(theirs) > 0 and float(ratio) > 0, rows[figure]
    assert {p.name for p in tmp_path.glob("peers-*.png")} == {
        "peers-cancel.png",
        "peers-first-event.png",
        "peers-turn-under-load.png",
    }
