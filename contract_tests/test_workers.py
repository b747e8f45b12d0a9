"""`agent-harness serve --workers 2`: two worker processes on one port, each serving requests with
its own in-process executor, every guarantee of one process kept: turns, streams, cancels across the
workers, merged metrics, and one signal that drains them all (server/workers.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from contract_tests.test_executors import assert_one_terminal_and_no_gaps
from contract_tests.test_sigint import _event_log
from server.store import keys
from testkit.api import TENANT, http_client, tenant_url
from testkit.processes import ApiProcess, free_port, wait_until
from testkit.sse import BackgroundStream, read_frames

ENV = {"HARNESS_HEARTBEAT_SECONDS": "0.25", "HARNESS_SHUTDOWN_GRACE_SECONDS": "2"}


def _worker_pids(parent: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing's resource tracker is a child too)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            pids.append(int(entry.name))
    return sorted(pids)


def _established_on(pid: int, port: int) -> int:
    """TCP connections to `port` that process `pid` holds open (/proc, no extra package)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:  # 01: ESTABLISHED
                count += 1
    return count


def _metric(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} missing from /metrics"
    return float(found[1])


def test_two_workers_share_the_port_run_turns_streams_and_cancels_and_drain_on_sigterm(
    redis_url: str, flush_redis: redis.Redis
) -> None:
    env = {**ENV, "HARNESS_REDIS_URL": redis_url, "HARNESS_EXECUTOR_ID": "wk"}
    serve = ApiProcess(env, with_executor=True, workers=2, log_level="info").start()
    clients: list[httpx.Client] = []
    try:
        assert serve.popen is not None
        wait_until(
            lambda: {"wk", "wkw1"} <= set(flush_redis.zrange(keys.executors(), 0, -1)),
            30,
            "both workers' executors registered",
        )
        pids = _worker_pids(serve.popen.pid)
        assert len(pids) == 2, pids

        # Each connection is a client of whichever worker the kernel gave it to (SO_REUSEPORT).
        clients = [http_client(serve.base_url) for _ in range(12)]
        quick = {"name": "quick", "model": {"name": "scripted/echo", "params": {"chunks": 3}}}
        slow = {"name": "slow", "model": {"name": "scripted/echo", "params": {"chunks": 200, "delay_ms": 50}}}
        assert clients[0].post("/registry/agents", json=quick).status_code == 201
        assert clients[0].post("/registry/agents", json=slow).status_code == 201
        executors_used = set()
        for client in clients:
            session = client.post("/agents/sessions", json={"agent_name": "quick"}).json()["data"]["id"]
            body = {"input": [{"type": "user.message", "content": "a b c"}]}
            frames = read_frames(client, "POST", f"/agents/sessions/{session}/turns", json=body)
            state = assert_one_terminal_and_no_gaps(frames)
            assert state["status"] == "done"
            executors_used.add(frames[0].data["turn_id"].rsplit(".", 1)[1])
        # Both pids hold connections they answered, and each ran turns on its own executor.
        held = {pid: _established_on(pid, serve.port) for pid in pids}
        assert all(held.values()), held
        assert executors_used == {"wk", "wkw1"}, executors_used

        # A cancel on any connection stops a turn whichever worker's executor runs it.
        cancelled = []
        for maker, canceller in zip(clients[:6], reversed(clients[6:]), strict=True):
            session = maker.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
            turn = maker.post(
                f"/agents/sessions/{session}/turns",
                json={"input": [{"type": "user.message", "content": "x"}], "stream": False},
            ).json()["data"]
            answer = canceller.post(f"/agents/sessions/{session}/cancel", json={})
            assert answer.status_code == 200, answer.text
            state = maker.get(f"/agents/sessions/{session}/turns/{turn['id']}").json()["data"]["state"]
            assert state == {**state, "status": "cancelled", "reason": "client-cancelled"}, state
            cancelled.append(turn["id"])

        # /metrics merges the workers' series, whichever worker answers the scrape.
        for client in clients[:4]:
            text = client.get(f"{serve.root}/metrics").text
            assert _metric(text, "agent_harness_turns_started_total") == len(clients) + len(cancelled)
            finished = 'agent_harness_turns_finished_total{reason="client-cancelled",status="cancelled"}'
            assert _metric(text, re.escape(finished)) == len(cancelled)

        # One SIGTERM to the parent drains both workers: a running turn ends, nothing is left behind.
        session = clients[0].post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
        stream = BackgroundStream(
            clients[0],
            f"/agents/sessions/{session}/turns",
            {"input": [{"type": "user.message", "content": "y"}]},
        ).start()
        stream.wait_for(3)
        serve.terminate()
        signalled = time.monotonic()
        frames = stream.join(timeout=10)  # ends cleanly at the signal (raises if it broke)
        exit_code = serve.wait_exit(15)
        assert time.monotonic() - signalled < 8
        assert exit_code == 0, serve.log_tail()
        assert frames[0].event == "turn.created"
        assert not any(Path(f"/proc/{pid}").exists() for pid in pids), "a worker outlived the parent"
        assert flush_redis.hget(keys.turn(TENANT, session, stream.turn_id), "status") not in (None, "running")
        assert not any(flush_redis.zcard(keys.lease_index(shard)) for shard in range(keys.LEASE_SHARDS)), (
            "a turn was left running"
        )
        assert flush_redis.zcard(keys.executors()) == 0, "an executor stayed registered"
        assert not [line for line in serve.log_lines() if "Traceback" in line], serve.log_tail()
    finally:
        for client in clients:
            client.close()
        serve.stop()


def test_sigint_to_two_workers_on_the_embedded_redis_drains_them_and_exits_0(tmp_path: Path) -> None:
    """As `make run` with --workers 2: one embedded redis-server, started by the parent for both."""
    port = free_port()
    env = {**os.environ, **ENV}
    env.pop("HARNESS_REDIS_URL", None)
    log = Path(tempfile.mkstemp(prefix="agent-harness-workers-", suffix=".log", dir=tmp_path)[1])
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"]
    with log.open("ab") as out:
        serve = subprocess.Popen(
            [*command, "--log-format", "text"], env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:

        def ready() -> bool:
            assert serve.poll() is None, log.read_text()
            return log.read_text().count("Application startup complete") == 2

        wait_until(ready, 40, "both workers are ready")
        started = re.findall(r"listening on (unix://\S+)", log.read_text())
        assert len(started) == 1, log.read_text()  # one embedded Redis, however many workers
        redis_url = started[0]
        with http_client(tenant_url(f"http://127.0.0.1:{port}")) as client:
            manifest = {
                "name": "slow",
                "model": {"name": "scripted/echo", "params": {"chunks": 100, "delay_ms": 100}},
            }
            assert client.post("/registry/agents", json=manifest).status_code == 201
            session = client.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
            body = {"input": [{"type": "user.message", "content": " ".join(f"w{i}" for i in range(100))}]}
            stream = BackgroundStream(client, f"/agents/sessions/{session}/turns", body).start()
            stream.wait_for(4)
            seen: list[dict[str, Any]] = []
            failed: list[BaseException] = []
            log_key = keys.turn_events(TENANT, session, stream.turn_id)
            follower = threading.Thread(target=_event_log, args=(redis_url, log_key, seen, failed))
            follower.start()
            wait_until(lambda: len(seen) >= 4, 10, "the event log is followed")

            os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C does

            stream.join(timeout=10)
            follower.join(20)
            exit_code = serve.wait(20)
        output = log.read_text()
        assert not failed, f"the embedded Redis went away before the turn ended: {failed}\n{output[-3000:]}"
        done = [e for e in seen if e["type"] == "turn.done"]
        assert len(done) == 1, seen
        assert done[0]["state"]["status"] == "cancelled" and done[0]["state"]["reason"] == "abandoned"
        assert exit_code == 0, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        assert not Path(redis_url.removeprefix("unix://")).exists(), "the embedded Redis was not stopped"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(10)
