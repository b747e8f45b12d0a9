"""Ctrl-C on `make run` drains like SIGTERM. The terminal sends SIGINT to the whole foreground process
group; the embedded redis-server must not be part of it, or it dies first and every running turn loses
its `turn.done` (and the log fills with tracebacks of a store that vanished)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import httpx
import redis

from server.store import keys
from testkit.api import TENANT, http_client, tenant_url
from testkit.processes import free_port, wait_until
from testkit.sse import BackgroundStream


def _event_log(url: str, turn_key: str, seen: list[dict[str, Any]], failed: list[BaseException]) -> None:
    """Follow the turn's event stream straight from the embedded Redis until `turn.done`."""
    client = redis.Redis.from_url(url, decode_responses=True)
    last = "0-0"
    try:
        while not any(e["type"] == "turn.done" for e in seen):
            for _, entries in client.xread({turn_key: last}, block=1000) or []:
                for entry_id, fields in entries:
                    last = entry_id
                    seen.append(json.loads(fields["e"]))
    except BaseException as exc:  # reported by the test
        failed.append(exc)
    finally:
        client.close()


def test_sigint_to_the_process_group_drains_the_turns_and_exits_0(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HARNESS_SHUTDOWN_GRACE_SECONDS": "2", "HARNESS_HEARTBEAT_SECONDS": "0.25"}
    env.pop("HARNESS_REDIS_URL", None)  # the embedded redis-server, as `make run` starts
    log = Path(tempfile.mkstemp(prefix="agent-harness-sigint-", suffix=".log", dir=tmp_path)[1])
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--log-format", "text"]
    with log.open("ab") as out:
        # A process group of its own, as a terminal gives `make run`.
        serve = subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True)
    try:

        def ready() -> bool:
            assert serve.poll() is None, log.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 30, "serve is ready")
        found = re.search(r"listening on (unix://\S+)", log.read_text())
        assert found, log.read_text()
        redis_url = found[1]

        with http_client(tenant_url(f"http://127.0.0.1:{port}")) as client:
            manifest = {
                "name": "slow",
                "model": {"name": "scripted/echo", "params": {"chunks": 100, "delay_ms": 100}},
            }
            assert client.post("/registry/agents", json=manifest).status_code == 201
            session = client.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
            text = " ".join(f"w{i}" for i in range(100))
            body = {"input": [{"type": "user.message", "content": text}]}
            stream = BackgroundStream(client, f"/agents/sessions/{session}/turns", body).start()
            stream.wait_for(4)
            seen: list[dict[str, Any]] = []
            failed: list[BaseException] = []
            follower = threading.Thread(
                target=_event_log,
                args=(redis_url, keys.turn_events(TENANT, session, stream.turn_id), seen, failed),
            )
            follower.start()
            wait_until(lambda: len(seen) >= 4, 10, "the event log is followed")

            os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C does

            frames = stream.join(timeout=10)  # ends cleanly at the signal (raises if it broke)
            follower.join(20)
            exit_code = serve.wait(20)
        output = log.read_text()
        assert not failed, f"the embedded Redis went away before the turn ended: {failed}\n{output[-3000:]}"
        done = [e for e in seen if e["type"] == "turn.done"]
        assert len(done) == 1, seen
        assert done[0]["state"]["status"] == "cancelled" and done[0]["state"]["reason"] == "abandoned"
        assert [e["sequence_number"] for e in seen] == list(range(1, len(seen) + 1))
        assert frames and frames[0].event == "turn.created"
        assert exit_code == 0, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        assert not Path(redis_url.removeprefix("unix://")).exists(), "the embedded Redis was not stopped"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(10)
