"""A manifest says what is wrong with it: every unknown field named in one 400 (TrueFoundry fields
this server does not support yet said so, retired ones pointing at what replaced them), and a turn
whose MCP server or model provider cannot be reached ends `error` naming it, its URL and the cause
in plain words, instead of `ExceptionGroup: unhandled errors in a TaskGroup`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from testkit.processes import ApiProcess, free_port
from testkit.servers import AppThread, ServerThread
from testkit.sse import read_frames

ECHO = {"name": "scripted/echo"}
SUPPORT_YET = "is a TrueFoundry manifest field this server does not support yet"


def refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["type"] == "invalid_request_error", error
    return error


def turn_state(client: httpx.Client, manifest: dict[str, Any]) -> dict[str, Any]:
    created = client.post("/registry/agents", json=manifest)
    assert created.status_code == 201, created.text
    session = client.post("/agents/sessions", json={"agent_name": manifest["name"]})
    assert session.status_code == 201, session.text
    frames = read_frames(
        client,
        "POST",
        f"/agents/sessions/{session.json()['data']['id']}/turns",
        json={"input": [{"type": "user.message", "content": "hi"}]},
    )
    assert frames[-1].event == "turn.done", [f.event for f in frames]
    return dict(frames[-1].data["state"])


# --- registration ---------------------------------------------------------------------------------


def test_each_unknown_field_is_named_in_one_400_and_nothing_is_stored(client: httpx.Client) -> None:
    manifest = {
        "name": "typos",
        "model": {"name": "scripted/echo", "bse_url": "https://api.example.com/v1"},
        "instructons": "be brief",
        "mcp_servers": [{"name": "t", "url": "https://mcp.example.com/mcp", "enable_tool": ["x"]}],
    }
    error = refused(client.post("/registry/agents", json=manifest))
    # Shallowest first: the body's own fields, then the nested ones in the body's order.
    assert error["param"] == "instructons" and error["code"] == "unknown_field"
    assert error["message"] == (
        "`instructons` is not a known field (did you mean `instructions`?); "
        "`model.bse_url` is not a known field (did you mean `model.base_url`?); "
        "`mcp_servers[0].enable_tool` is not a known field (did you mean `mcp_servers[0].enable_tools`?)"
    )
    assert client.get("/registry/agents/typos").status_code == 404


def test_a_replace_with_an_unknown_field_is_refused_and_keeps_the_version(client: httpx.Client) -> None:
    assert client.post("/registry/agents", json={"name": "kept", "model": ECHO}).status_code == 201
    response = client.put(
        "/registry/agents/kept", json={"name": "kept", "model": ECHO, "config": {"timeout": 5}}
    )
    error = refused(response)
    assert error["param"] == "config.timeout" and error["code"] == "unknown_field"
    assert "did you mean `config.timeout_seconds`?" in error["message"]
    assert client.get("/registry/agents/kept").json()["data"]["version"] == 1


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"skills": [{"name": "pdf"}]}, "skills"),
        ({"messages": [{"type": "user.message", "content": "hi"}]}, "messages"),
        ({"response_format": {"type": "text"}}, "response_format"),
        ({"collaborators": []}, "collaborators"),
        ({"config": {"sandbox": {"enabled": True}}}, "config.sandbox"),
        ({"config": {"dynamic_sub_agents": {"enabled": True}}}, "config.dynamic_sub_agents"),
        ({"config": {"context_management": {}}}, "config.context_management"),
        (
            {"mcp_servers": [{"name": "t", "url": "https://mcp.example.com/mcp", "preload": True}]},
            "mcp_servers[0].preload",
        ),
    ],
)
def test_a_truefoundry_field_not_supported_yet_is_refused_saying_so(
    client: httpx.Client, fields: dict[str, Any], param: str
) -> None:
    error = refused(client.post("/registry/agents", json={"name": "tfy", "model": ECHO, **fields}))
    assert error == {
        "message": f"`{param}` {SUPPORT_YET}",
        "type": "invalid_request_error",
        "code": "unsupported_field",
        "param": param,
    }


def test_unsupported_retired_and_unknown_fields_are_all_named_together(client: httpx.Client) -> None:
    manifest = {
        "name": "mixed",
        "model": {"name": "scripted/echo", "api_key_env": "OPENAI_API_KEY"},
        "skills": [{"name": "pdf"}],
        "config": {"iteration_limt": 3, "sandbox": {"enabled": True}},
    }
    error = refused(client.post("/registry/agents", json=manifest))
    assert error["param"] == "skills" and error["code"] == "unsupported_field"
    assert error["message"].split("; ") == [
        f"`skills` {SUPPORT_YET}",
        "`model.api_key_env` is no longer accepted: name a secret the deployment declares with "
        "`api_key_secret` (SECURITY.md)",
        "`config.iteration_limt` is not a known field (did you mean `config.iteration_limit`?)",
        f"`config.sandbox` {SUPPORT_YET}",
    ]


def test_a_retired_field_keeps_its_code(client: httpx.Client) -> None:
    servers = [{"name": "t", "url": "https://mcp.example.com/mcp", "bearer_token_env": "TOKEN"}]
    error = refused(
        client.post("/registry/agents", json={"name": "old", "model": ECHO, "mcp_servers": servers})
    )
    assert error["code"] == "field_retired" and error["param"] == "mcp_servers[0].bearer_token_env"
    assert "`bearer_token_secret`" in error["message"]


def test_model_params_still_pass_extra_keys_through(client: httpx.Client) -> None:
    model = {"name": "scripted/echo", "params": {"presence_penalty": 0.5, "seed": 7}}
    response = client.post("/registry/agents", json={"name": "params", "model": model})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["manifest"]["model"]["params"]["seed"] == 7


def test_agents_apply_sends_the_file_as_written_so_a_typo_is_named(
    server: ServerThread, tmp_path: Path
) -> None:
    # The generated client's model leaves out fields the spec does not list: the CLI must not.
    manifest = tmp_path / "agent.yaml"
    manifest.write_text("name: applied\nmodel:\n  name: scripted/echo\ninstructons: be brief\n")
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "agents", "apply", "-f", str(manifest)],
        env={"AGENT_HARNESS_URL": server.root, "AGENT_HARNESS_TOKEN": "alice", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result
    assert "[unknown_field]" in result.stderr and "did you mean `instructions`?" in result.stderr


def test_serve_refuses_to_start_with_an_agent_file_holding_an_unknown_field(
    redis_url: str, tmp_path: Path
) -> None:
    (tmp_path / "typo.yaml").write_text("name: typo\nmodel:\n  name: scripted/echo\ninstructons: hi\n")
    api = ApiProcess({"HARNESS_REDIS_URL": redis_url}, with_executor=True, agents=tmp_path)
    try:
        with pytest.raises(RuntimeError, match="API replica exited") as raised:
            api.start()
    finally:
        api.stop()
    assert "agent manifest 'typo': `instructons` is not a known field (did you mean `instructions`?)" in str(
        raised.value
    )


# --- connection failures in the turn's error ----------------------------------------------------------


@pytest.fixture(scope="module")
def unauthorised() -> Iterator[AppThread]:
    """An MCP endpoint that refuses every request with 401."""

    async def refuse(_: Request) -> JSONResponse:
        return JSONResponse({"detail": "missing token"}, status_code=401)

    with AppThread(Starlette(routes=[Route("/mcp", refuse, methods=["GET", "POST", "DELETE"])])) as running:
        yield running


def scripted() -> dict[str, Any]:
    return {"name": "scripted/script", "params": {"script": [{"content": "hi"}]}}


def test_an_mcp_server_on_a_closed_port_ends_the_turn_saying_connection_refused(client: httpx.Client) -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"  # bound and released: nothing listens there
    state = turn_state(
        client, {"name": "closed", "model": scripted(), "mcp_servers": [{"name": "tools", "url": url}]}
    )
    assert state["status"] == "error", state
    assert state["message"] == f"MCP server 'tools' at {url}: connection refused"


def test_an_mcp_server_answering_401_ends_the_turn_saying_so(
    client: httpx.Client, unauthorised: AppThread
) -> None:
    url = f"{unauthorised.root}/mcp"
    state = turn_state(
        client, {"name": "locked", "model": scripted(), "mcp_servers": [{"name": "tools", "url": url}]}
    )
    assert state["status"] == "error", state
    assert state["message"] == f"MCP server 'tools' at {url}: HTTP 401 Unauthorized"


def test_an_unresolvable_mcp_host_ends_the_turn_saying_so(client: httpx.Client) -> None:
    url = "http://no-such-host.invalid/mcp"  # RFC 6761: .invalid never resolves
    state = turn_state(
        client, {"name": "nxdomain", "model": scripted(), "mcp_servers": [{"name": "tools", "url": url}]}
    )
    assert state["status"] == "error", state
    assert state["message"] == f"MCP server 'tools' at {url}: name not resolved"


def test_a_model_provider_on_a_closed_port_ends_the_turn_saying_connection_refused(
    client: httpx.Client,
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    model = {"name": "openai-compatible/gpt-test", "base_url": base_url}
    state = turn_state(client, {"name": "no-model", "model": model})
    assert state["status"] == "error", state
    assert state["message"] == f"model provider at {base_url}: connection refused"
