"""server/tenancy.py: `/{tenant}/v1/...` is served as `/v1/...` with the tenant in the request state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.errors import NotFound
from server.tenancy import TenantPrefix, tenant_of


class Recorder:
    """A fake ASGI app that keeps the scope (and channels) it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], Any, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls.append((scope, receive, send))

    @property
    def scope(self) -> dict[str, Any]:
        assert len(self.calls) == 1
        return self.calls[0][0]


async def _through(path: str, **extra: Any) -> dict[str, Any]:
    app = Recorder()
    await TenantPrefix(app)({"type": "http", "path": path, "root_path": "", **extra}, None, None)
    return app.scope


def _routed_path(scope: dict[str, Any]) -> str:
    """The path a router sees: the ASGI path minus root_path."""
    return str(scope["path"][len(scope.get("root_path", "")) :])


async def test_tenant_segment_becomes_the_tenant_and_routing_sees_v1() -> None:
    scope = await _through("/acme/v1/agents/sessions")
    assert tenant_of(scope) == "acme"
    assert scope["root_path"] == "/acme"
    assert _routed_path(scope) == "/v1/agents/sessions"


async def test_full_path_is_kept_as_asgi_requires() -> None:
    scope = await _through("/acme/v1/registry/agents/bot")
    assert scope["path"] == "/acme/v1/registry/agents/bot"


@pytest.mark.parametrize("tenant", ["truefoundry", "a", "team-1", "org.eu_2", "9lives", "a" * 63])
async def test_tenant_names_of_the_allowed_form_are_taken(tenant: str) -> None:
    scope = await _through(f"/{tenant}/v1/agents/sessions")
    assert tenant_of(scope) == tenant
    assert _routed_path(scope) == "/v1/agents/sessions"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs/", "/"])
async def test_paths_outside_the_prefix_pass_through_untouched(path: str) -> None:
    scope = await _through(path)
    assert scope == {"type": "http", "path": path, "root_path": ""}


async def _answered(path: str) -> tuple[Recorder, list[dict[str, Any]]]:
    """What TenantPrefix sends for `path` itself, and the app (which it did not call, if it answered)."""
    app, sent = Recorder(), []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await TenantPrefix(app)({"type": "http", "path": path, "root_path": "", "headers": []}, None, send)
    return app, sent


@pytest.mark.parametrize("path", ["/v1/agents/sessions", "/v1/registry/agents", "/v1", "/v1/"])
async def test_v1_without_a_tenant_is_a_404_envelope_not_routed(path: str) -> None:
    # Routed, it reached a handler with no tenant: `KeyError: 'tenant'`, a 500.
    app, sent = await _answered(path)
    assert not app.calls
    assert sent[0]["status"] == 404
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["error"]["type"] == "not_found_error"
    assert body["error"]["code"] == "not_found"
    assert set(body["error"]) == {"message", "type", "code", "param"}


def test_tenant_of_a_request_without_a_tenant_is_not_found() -> None:
    with pytest.raises(NotFound):
        tenant_of({"type": "http", "path": "/v1/x", "state": {}})
    with pytest.raises(NotFound):
        tenant_of({"type": "http", "path": "/v1/x"})


@pytest.mark.parametrize("tenant", ["Acme", "-acme", ".acme", "ac me", "a" * 64, "ac:me"])
async def test_malformed_tenant_names_are_not_taken(tenant: str) -> None:
    scope = await _through(f"/{tenant}/v1/agents/sessions")
    assert "tenant" not in (scope.get("state") or {})
    assert scope["root_path"] == ""


async def test_only_v1_under_the_tenant_is_prefixed() -> None:
    scope = await _through("/acme/v2/agents/sessions")
    assert "state" not in scope
    assert scope["root_path"] == ""


async def test_an_existing_root_path_is_extended_not_replaced() -> None:
    scope = await _through("/api/acme/v1/agents/sessions", root_path="/api")
    assert scope["root_path"] == "/api/acme"
    assert tenant_of(scope) == "acme"
    assert _routed_path(scope) == "/v1/agents/sessions"


async def test_existing_state_is_kept_and_the_callers_state_is_not_written() -> None:
    shared_state = {"runtime": object()}
    scope = await _through("/acme/v1/agents/sessions", state=shared_state)
    assert scope["state"]["runtime"] is shared_state["runtime"]
    assert tenant_of(scope) == "acme"
    # Lifespan state is shared by all requests: the tenant of one must not leak into it.
    assert "tenant" not in shared_state


async def test_the_incoming_scope_is_not_modified() -> None:
    app = Recorder()
    incoming = {"type": "http", "path": "/acme/v1/agents/sessions", "root_path": ""}
    await TenantPrefix(app)(incoming, None, None)
    assert incoming == {"type": "http", "path": "/acme/v1/agents/sessions", "root_path": ""}


async def test_receive_and_send_are_passed_on() -> None:
    app = Recorder()

    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: dict[str, Any]) -> None:
        return None

    await TenantPrefix(app)({"type": "http", "path": "/acme/v1/x", "root_path": ""}, receive, send)
    assert app.calls[0][1] is receive
    assert app.calls[0][2] is send


@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
async def test_non_http_scopes_pass_through_untouched(kind: str) -> None:
    app = Recorder()
    scope = {"type": kind, "path": "/acme/v1/x", "root_path": ""}
    await TenantPrefix(app)(scope, None, None)
    assert app.scope is scope


async def test_tenant_with_a_trailing_newline_is_not_taken() -> None:
    scope = await _through("/acme\n/v1/agents/sessions")
    assert "tenant" not in (scope.get("state") or {})
