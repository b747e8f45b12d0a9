"""LangGraph's `langgraph dev` server (from .venv-peers, `make bench-peers`) serving the trivial
graphs of bench/peers/graph.py, and the calls the peers group makes on its HTTP API.

Our semantics and theirs, matched: a turn is a run on a thread (`POST /threads/{t}/runs/stream`);
a turn's first model event is the run's first `updates` event (the node's answer); our cancel
answers 200 once the turn's terminal state is recorded, which is `POST .../cancel?wait=true`
(`action=interrupt`, the default, keeps the run and records it `interrupted`; `rollback` would
delete it).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.client import STREAM_TIMEOUT
from testkit.processes import free_port
from testkit.sse import aiter_events

REPO = Path(__file__).resolve().parent.parent
PEERS_DIR = REPO / "bench" / "peers"
PEERS_VENV = REPO / ".venv-peers"
LANGGRAPH = PEERS_VENV / "bin" / "langgraph"
ECHO_GRAPH = "echo"
TICKER_GRAPH = "ticker"
# Its default is 10 concurrent runs per worker: below the 20 turns in flight the group compares.
JOBS_PER_WORKER = 32
_READY_SECONDS = 60
_STOP_SECONDS = 10
# No tracing or analytics calls out of a machine that reaches only package registries.
_ENV = {"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false", "LANGGRAPH_CLI_NO_ANALYTICS": "1"}


def available() -> str | None:
    """Why the peer cannot run here, or None."""
    if not LANGGRAPH.exists():
        return f"{LANGGRAPH} is missing: `make bench-peers` installs it (bench/peers/constraints.txt)"
    return None


class LangGraphDev:
    """`langgraph dev --no-browser --no-reload` on a free port, in a temp copy of bench/peers/ (it
    keeps its in-memory state's snapshots in `.langgraph_api/` under its working directory)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="bench-langgraph-"))
        fd, path = tempfile.mkstemp(prefix="bench-langgraph-", suffix=".log")
        os.close(fd)
        self.log = Path(path)
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def start(self) -> None:
        for name in ("graph.py", "langgraph.json"):
            shutil.copy(PEERS_DIR / name, self.directory / name)
        args = [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--port", str(self.port)]
        args += ["--n-jobs-per-worker", str(JOBS_PER_WORKER), "--server-log-level", "warning"]
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                args,
                cwd=self.directory,
                env={**os.environ, **_ENV},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_SECONDS
        async with httpx.AsyncClient(timeout=1) as client:
            while True:
                if self.popen is None or self.popen.poll() is not None:
                    raise RuntimeError(f"langgraph dev exited; log {self.log}:\n{self.log_tail()}")
                try:
                    if (await client.get(f"{self.base_url}/ok")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"langgraph dev not ready after {_READY_SECONDS}s; log {self.log}")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            # Its own session: the signal reaches the server and any worker it started, nothing else.
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(_STOP_SECONDS)
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _input(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


@dataclass
class PeerRun:
    """A streamed run read to its end; times are `time.perf_counter()` readings."""

    sent_at: float = 0.0
    first_event_at: float | None = None
    done_at: float | None = None
    run_id: str | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.done_at is not None


class LangGraphApi:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http = http
        self.base = base_url

    async def create_thread(self) -> str:
        response = await self.http.post(f"{self.base}/threads", json={})
        response.raise_for_status()
        return str(response.json()["thread_id"])

    async def streamed_run(
        self,
        thread_id: str,
        graph: str,
        text: str,
        *,
        mode: str = "updates",
        started: asyncio.Event | None = None,
        run: PeerRun | None = None,
    ) -> PeerRun:
        """`first_event_at`: the first `mode` event (after the `metadata` one naming the run)."""
        run = run or PeerRun()
        body = {"assistant_id": graph, "input": _input(text), "stream_mode": [mode]}
        url = f"{self.base}/threads/{thread_id}/runs/stream"
        run.sent_at = time.perf_counter()
        try:
            async for event in aiter_events(self.http, "POST", url, json=body, timeout=STREAM_TIMEOUT):
                if event.event == "metadata":
                    run.run_id = json.loads(event.data)["run_id"]
                elif event.event.startswith(mode) and run.first_event_at is None:
                    run.first_event_at = time.perf_counter()
                    if started is not None:
                        started.set()
                elif event.event == "error":
                    raise RuntimeError(f"run failed: {event.data[:300]}")
            run.done_at = time.perf_counter()
        except Exception as exc:  # counted by the scenario
            run.error = exc
        finally:
            if started is not None:
                started.set()
        return run

    async def cancel(self, thread_id: str, run_id: str) -> int:
        url = f"{self.base}/threads/{thread_id}/runs/{run_id}/cancel"
        response = await self.http.post(url, params={"wait": "true", "action": "interrupt"})
        return response.status_code
