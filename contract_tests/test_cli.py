"""The operator CLI (`agent-harness agents|sessions|turn|subscribe|cancel`) as a real subprocess
against a live server: what it prints, its exit codes, and what it did to the API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from contract_tests.conftest import make_agent
from testkit.fakes import mcp_server
from testkit.processes import wait_until
from testkit.servers import AppThread, ServerThread


@pytest.fixture(scope="module")
def tools_server() -> Iterator[AppThread]:
    with AppThread(mcp_server.build().streamable_http_app()) as running:
        yield running


def env_for(server: ServerThread, token: str | None = "alice") -> dict[str, str]:
    env = {**os.environ, "AGENT_HARNESS_URL": server.root, "AGENT_HARNESS_TENANT": "truefoundry"}
    env.pop("AGENT_HARNESS_TOKEN", None)
    if token is not None:
        env["AGENT_HARNESS_TOKEN"] = token
    return env


def cli(server: ServerThread, *args: str, token: str | None = "alice") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env_for(server, token),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_agents_apply_creates_then_replaces_and_list_shows_them(
    server: ServerThread, client: httpx.Client, tmp_path: Path
) -> None:
    manifest = tmp_path / "agents.yaml"
    manifest.write_text(
        "name: first\nmodel:\n  name: scripted/echo\n---\n"
        "name: second\nmodel:\n  name: scripted/echo\n  params: {chunks: 2}\n"
    )

    created = cli(server, "agents", "apply", "-f", str(manifest))
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines() == [
        "agent first created (version 1)",
        "agent second created (version 1)",
    ]

    replaced = cli(server, "agents", "apply", "-f", str(manifest))
    assert replaced.returncode == 0, replaced.stderr
    assert "agent second replaced (version 2)" in replaced.stdout
    assert client.get("/registry/agents/second").json()["data"]["version"] == 2

    listed = cli(server, "agents", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[0][:3] == ["NAME", "VERSION", "MODEL"]
    assert [row[:3] for row in rows[1:]] == [
        ["first", "2", "scripted/echo"],
        ["second", "2", "scripted/echo"],
    ]

    as_json = cli(server, "agents", "list", "--json", "--limit", "1")
    page = json.loads(as_json.stdout)
    assert [agent["name"] for agent in page["data"]] == ["first"]
    assert page["pagination"]["next_page_token"] == "first"
    second_page = cli(server, "agents", "list", "--limit", "1", "--page-token", "first")
    assert [line.split()[0] for line in second_page.stdout.splitlines()] == ["NAME", "second"]
    assert cli(server, "agents", "list", "--limit", "1").stderr == "(more: --page-token first)\n"


def test_sessions_create_list_and_get(server: ServerThread, client: httpx.Client) -> None:
    make_agent(client, "echo")

    created = cli(server, "sessions", "create", "--agent", "echo")
    assert created.returncode == 0, created.stderr
    session_id = created.stdout.strip()
    assert client.get(f"/agents/sessions/{session_id}").json()["data"]["agent_name"] == "echo"

    listed = cli(server, "sessions", "list", "--agent", "echo")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [session_id]

    shown = cli(server, "sessions", "get", session_id)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["data"]["id"] == session_id

    # Another caller's sessions are not listed for alice's token.
    other = cli(server, "sessions", "list", "--agent", "echo", "--json", token="bob")
    assert json.loads(other.stdout)["data"] == []


def test_turn_streams_text_then_the_done_state_and_subscribe_resumes(
    server: ServerThread, client: httpx.Client
) -> None:
    make_agent(client, "echo", chunks=4)
    session_id = client.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]

    turn = cli(server, "turn", session_id, "hello streaming world")
    assert turn.returncode == 0, turn.stderr
    lines = turn.stdout.splitlines()
    assert lines[0].startswith("[turn.created] turn ")
    assert lines[1] == "hello streaming world"
    assert lines[2].startswith("[turn.done] done finish_reason=stop tokens in=")
    turn_id = lines[0].split()[-1]
    assert (
        client.get(f"/agents/sessions/{session_id}/turns/{turn_id}").json()["data"]["state"]["status"]
        == "done"
    )

    # Events 1 (turn.created) and 2 (the empty model.message) skipped: the deltas and turn.done remain.
    resumed = cli(server, "subscribe", session_id, turn_id, "--after", "2", "--json")
    assert resumed.returncode == 0, resumed.stderr
    frames = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert [frame["id"] for frame in frames] == list(range(3, 3 + len(frames)))
    assert {frame["event"] for frame in frames[:-1]} == {"model.message.delta"}
    assert frames[-1]["event"] == "turn.done"
    assert "".join(frame["data"].get("content", "") for frame in frames[:-1]) == "hello streaming world"

    # After its last event there is nothing to replay: the command says how the turn ended.
    at_end = cli(server, "subscribe", session_id, turn_id, "--after", str(frames[-1]["id"]))
    assert at_end.returncode == 0, at_end.stderr
    assert "resuming" not in at_end.stderr
    assert (
        at_end.stdout.splitlines()[0] == f"(no events after {frames[-1]['id']}: the turn had already ended)"
    )
    assert at_end.stdout.splitlines()[1].startswith("[turn.done] done")


def test_bad_manifest_files_are_refused_with_a_message(server: ServerThread, tmp_path: Path) -> None:
    broken, empty, binary = tmp_path / "broken.yaml", tmp_path / "empty.yaml", tmp_path / "binary.yaml"
    broken.write_text("name: [unclosed\n")
    empty.write_text("")
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for path, says in [(broken, "not valid YAML"), (empty, "no agent manifest"), (binary, "cannot read it")]:
        result = cli(server, "agents", "apply", "-f", str(path))
        assert result.returncode == 1, (path, result.stderr)
        assert result.stderr.startswith("error: ") and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_an_answer_that_is_not_the_error_envelope_is_reported_not_a_traceback() -> None:
    async def proxy_error(request: Request) -> Response:
        if request.url.path.endswith("/registry/agents"):
            return HTMLResponse("<html>502 Bad Gateway</html>", status_code=500)
        return Response(status_code=520)

    app = Starlette(routes=[Route("/{path:path}", proxy_error, methods=["GET", "POST"])])
    cases = [
        (["agents", "list"], "error: HTTP 500: undocumented response: <html>502 Bad Gateway</html>"),
        (["sessions", "get", "01arz3ndektsv4rrffq69g5fav.g"], "error: HTTP 520: undocumented response"),
    ]
    with AppThread(app) as proxy:
        for args, says in cases:
            result = subprocess.run(
                [sys.executable, "-m", "server.cli", *args, "--base-url", proxy.root, "--token", "a"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 1, result.stderr
            assert result.stderr.startswith(says), result.stderr
            assert "Traceback" not in result.stderr


def test_api_errors_print_the_envelope_and_exit_non_zero(server: ServerThread) -> None:
    missing = cli(server, "sessions", "create", "--agent", "no-such-agent")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.startswith("error: HTTP 404 [agent_not_found]: ")
    assert "no-such-agent" in missing.stderr

    malformed = cli(server, "sessions", "get", "not-a-session-id")
    assert malformed.returncode == 1
    assert malformed.stderr.startswith("error: HTTP 400 [")

    anonymous = cli(server, "agents", "list", token=None)
    assert anonymous.returncode == 1
    assert anonymous.stderr.startswith("error: HTTP 401 [invalid_token]: ")

    unreachable = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "agents",
            "list",
            "--base-url",
            "http://127.0.0.1:9",
            "--token",
            "a",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("error: request failed: cannot reach http://127.0.0.1:9/")


def test_ctrl_c_during_a_turn_cancels_it_and_shows_the_cancelled_state(
    server: ServerThread, client: httpx.Client, tmp_path: Path
) -> None:
    make_agent(client, "slow", chunks=50, delay_ms=100)
    session_id = client.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    message = "abcdefghijklmnopqrstuvwxyz" * 4
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "turn", session_id, message],
            env=env_for(server),
            stdout=stdout,
            stderr=stderr,
        )
    try:
        # Text has streamed: the turn is running and the CLI is reading it.
        wait_until(lambda: "abcd" in out.read_text(), 20, "the turn's first deltas are printed")
        interrupted_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        returncode = process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()

    printed = out.read_text()
    assert returncode == 130, (printed, err.read_text())
    assert "[turn.done] cancelled reason=client-cancelled" in printed
    assert message not in printed  # stopped part-way
    assert "cancelling the turn" in err.read_text()
    assert time.monotonic() - interrupted_at < 10
    turn_id = printed.splitlines()[0].split()[-1]
    state = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}").json()["data"]["state"]
    assert (state["status"], state["reason"]) == ("cancelled", "client-cancelled")


def test_cancel_command_cancels_the_running_turn(server: ServerThread, client: httpx.Client) -> None:
    make_agent(client, "slow", chunks=50, delay_ms=100)
    session_id = client.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
    body = {"input": [{"type": "user.message", "content": "x" * 100}], "stream": False}
    turn_id = client.post(f"/agents/sessions/{session_id}/turns", json=body).json()["data"]["id"]

    cancelled = cli(server, "cancel", session_id)
    assert cancelled.returncode == 0, cancelled.stderr
    state = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}").json()["data"]["state"]
    assert (state["status"], state["reason"]) == ("cancelled", "client-cancelled")

    # Nothing running any more: still 200.
    assert cli(server, "cancel", session_id).returncode == 0


def test_a_tool_call_waiting_for_approval_is_shown_then_approved(
    server: ServerThread, client: httpx.Client, tools_server: AppThread
) -> None:
    manifest = {
        "name": "careful",
        "model": {
            "name": "scripted/script",
            "params": {
                "script": [
                    {
                        "content": "on it",
                        "tool_calls": [{"name": "dangerous", "arguments": {"target": "prod"}}],
                    },
                    {"content": "after approval: {last}"},
                ]
            },
        },
        "mcp_servers": [
            {"name": "tools", "url": f"{tools_server.root}/mcp", "require_approval_for_tools": ["dangerous"]}
        ],
    }
    assert client.post("/registry/agents", json=manifest).status_code == 201
    session_id = cli(server, "sessions", "create", "--agent", "careful").stdout.strip()

    paused = cli(server, "turn", session_id, "clean up prod")
    assert paused.returncode == 0, paused.stderr
    lines = paused.stdout.splitlines()
    call_id = lines[-1].split()[-1]
    assert call_id.startswith("call_")
    assert lines[1:] == [
        "[mcp.initialize]",
        "on it",
        f'[tool call] dangerous({{"target": "prod"}}) id={call_id}',
        f"[tool.approval_required] tool calls: {call_id}",
        lines[-2],
        f"  required action: tool.approval_required {call_id}",
    ]
    assert lines[-2].startswith("[turn.done] done tokens")

    refused = cli(server, "turn", session_id, "hello?")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: HTTP 409 [actions_pending]: ")

    approved = cli(server, "turn", session_id, "--approve", call_id)
    assert approved.returncode == 0, approved.stderr
    assert f"[tool.response] {call_id}: dropped prod" in approved.stdout.splitlines()
    assert "after approval: dropped prod" in approved.stdout


def test_a_base_url_that_already_holds_the_tenant_is_pointed_out(server: ServerThread) -> None:
    result = cli(server, "agents", "list", "--base-url", server.base_url)  # .../truefoundry
    assert f"--base-url {server.base_url} already contains the tenant 'truefoundry'" in result.stderr
    assert f"(--base-url {server.root})" in result.stderr
    fine = cli(server, "agents", "list", "--base-url", server.root)
    assert fine.returncode == 0, fine.stderr
    assert "warning" not in fine.stderr
