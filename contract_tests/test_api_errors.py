"""Every error leaves the server as the spec's envelope `{"error": {message, type, code, param}}`
with a status the addressed operation documents, over plain HTTP against live servers: auth,
routing, bodies, ids, deleted sessions, ownership, admins, tenants, the agent registry, and the
keyset pagination of session lists."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import httpx
import jwt
import pytest

import server.timestamps as server_clock
from contract_tests.conftest import make_agent, settings_for
from contract_tests.spec_support import assert_error, operations, spec, spec_methods
from testkit.api import TENANT, mint_token
from testkit.api import bearer as auth_header
from testkit.processes import wait_until
from testkit.servers import ServerThread

JWT_SECRET = "api-errors-contract-secret-of-at-least-32-bytes"
SMALL_BODY_LIMIT = 512
# Well-formed ids that name nothing (the spec's own examples).
UNKNOWN_SESSION = "01arz3ndektsv4rrffq69g5fav.g"
UNKNOWN_TURN = "01arz3ndektsv4rrffq69g5fav.g.ab12cd"
USER_MESSAGE = {"type": "user.message", "content": "hello there"}

V1_OPERATIONS = [(m, t) for m, t, _ in operations() if t.startswith("/v1/")]
SESSION_OPERATIONS = [(m, t) for m, t in V1_OPERATIONS if "{sessionId}" in t]
TURN_OPERATIONS = [(m, t) for m, t in SESSION_OPERATIONS if "{turnId}" in t]
BODY_OPERATIONS = [(m, t) for m, t, op in operations() if "requestBody" in op]


def _ids(operations_: list[tuple[str, str]]) -> list[str]:
    return [f"{m} {t}" for m, t in operations_]


def fill(template: str, session_id: str = UNKNOWN_SESSION, turn_id: str = UNKNOWN_TURN) -> str:
    """A template's path relative to a client whose base URL ends in `/{tenant}/v1`."""
    path = template.replace("{sessionId}", session_id).replace("{turnId}", turn_id)
    path = path.replace("{agentName}", "echo")
    return path.removeprefix("/v1")


def request_kwargs(method: str, template: str) -> dict[str, Any]:
    """A request for the operation that passes its validation (so only the aspect under test fails)."""
    operation = spec()["paths"][template][method.lower()]
    kwargs: dict[str, Any] = {}
    if template == "/v1/agents/sessions" and method == "GET":
        kwargs["params"] = {"agent_name": "echo"}
    if "requestBody" in operation:
        if template == "/v1/agents/sessions":
            kwargs["json"] = {"agent_name": "echo"}
        elif template.startswith("/v1/registry/agents"):
            kwargs["json"] = {"name": "echo", "model": {"name": "scripted/echo"}}
        elif template.endswith("/turns"):
            kwargs["json"] = {"input": [USER_MESSAGE], "stream": False}
        else:
            kwargs["json"] = {}
    return kwargs


def call(
    client: httpx.Client,
    method: str,
    template: str,
    session_id: str = UNKNOWN_SESSION,
    turn_id: str = UNKNOWN_TURN,
    **overrides: Any,
) -> httpx.Response:
    kwargs = {**request_kwargs(method, template), **overrides}
    return client.request(method, fill(template, session_id, turn_id), **kwargs)


def token(sub: str, **claims: Any) -> str:
    return mint_token(JWT_SECRET, sub, **claims)


def bearer_client(base_url: str, bearer: str | None) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=auth_header(bearer), timeout=30)


def turn_status(client: httpx.Client, session_id: str, turn_id: str) -> str:
    response = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["data"]["state"]["status"]
    return status


def finished_turn(client: httpx.Client, session_id: str, text: str = "hello there") -> str:
    """Start a turn (JSON, not streamed) and wait for it to be terminal; its id."""
    response = client.post(
        f"/agents/sessions/{session_id}/turns",
        json={"input": [{"type": "user.message", "content": text}], "stream": False},
    )
    assert response.status_code == 200, response.text
    turn_id: str = response.json()["data"]["id"]
    wait_until(lambda: turn_status(client, session_id, turn_id) != "running", 10, "the turn is terminal")
    return turn_id


def delta_count(client: httpx.Client, session_id: str) -> int:
    """Run a turn to its end over SSE; how many text-carrying `model.message.delta` frames it streamed."""
    body = {"input": [USER_MESSAGE]}
    with client.stream("POST", f"/agents/sessions/{session_id}/turns", json=body) as response:
        assert response.status_code == 200
        frames = [
            json.loads(line.removeprefix("data: "))
            for line in response.iter_lines()
            if line.startswith("data:")
        ]
    assert frames[-1]["type"] == "turn.done"
    return sum(1 for f in frames if f["type"] == "model.message.delta" and f.get("content"))


# --- servers and clients -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_server(redis_url: str) -> Iterator[ServerThread]:
    with ServerThread(
        settings_for(redis_url, max_body_bytes=SMALL_BODY_LIMIT), with_executor=False
    ) as running:
        yield running


@pytest.fixture(scope="module")
def jwt_server(redis_url: str) -> Iterator[ServerThread]:
    with ServerThread(settings_for(redis_url, jwt_secret=JWT_SECRET, cancel_timeout_seconds=5)) as running:
        yield running


@pytest.fixture
def anonymous(server: ServerThread) -> Iterator[httpx.Client]:
    with bearer_client(f"{server.base_url}/v1", None) as c:
        yield c


@pytest.fixture
def bob(server: ServerThread) -> Iterator[httpx.Client]:
    with bearer_client(f"{server.base_url}/v1", "bob") as c:
        yield c


@pytest.fixture
def session_id(client: httpx.Client, echo_agent: str) -> str:
    response = client.post("/agents/sessions", json={"agent_name": echo_agent})
    assert response.status_code == 201, response.text
    sid: str = response.json()["data"]["id"]
    return sid


@pytest.fixture
def turn_id(client: httpx.Client, session_id: str) -> str:
    return finished_turn(client, session_id)


# --- 401 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), V1_OPERATIONS, ids=_ids(V1_OPERATIONS))
def test_every_operation_without_a_token_is_401(anonymous: httpx.Client, method: str, template: str) -> None:
    assert_error(call(anonymous, method, template), 401)


@pytest.mark.parametrize("authorization", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "alice", "Token alice"])
def test_a_malformed_authorization_header_is_401(anonymous: httpx.Client, authorization: str) -> None:
    response = anonymous.get(
        "/agents/sessions", params={"agent_name": "echo"}, headers={"Authorization": authorization}
    )
    assert_error(response, 401)


@pytest.mark.parametrize(
    "bad_token",
    [
        pytest.param("not-a-jwt", id="not-a-jwt"),
        pytest.param(jwt.encode({"sub": "alice", "exp": int(time.time()) + 600}, "x" * 40), id="wrong-key"),
        pytest.param(jwt.encode({"sub": "alice", "exp": int(time.time()) - 60}, JWT_SECRET), id="expired"),
        pytest.param(jwt.encode({"sub": "alice"}, JWT_SECRET), id="no-exp"),
        pytest.param(jwt.encode({"exp": int(time.time()) + 600}, JWT_SECRET), id="no-sub"),
    ],
)
def test_a_jwt_server_refuses_unverifiable_tokens_with_401(jwt_server: ServerThread, bad_token: str) -> None:
    with bearer_client(f"{jwt_server.base_url}/v1", bad_token) as c:
        assert_error(c.get("/registry/agents"), 401)


def test_a_jwt_server_accepts_a_valid_token(jwt_server: ServerThread) -> None:
    with bearer_client(f"{jwt_server.base_url}/v1", token("alice")) as c:
        assert c.get("/registry/agents").status_code == 200


# --- 404 / 405 routing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/{TENANT}/v1/nope",
        f"/{TENANT}/v2/agents/sessions",
        "/nope",
        f"/{TENANT}/v1/agents/sessions/a/b/c/d/e",
    ],
)
def test_an_unknown_route_is_404(server: ServerThread, path: str) -> None:
    response = httpx.get(server.root + path, headers={"Authorization": "Bearer alice"})
    assert_error(response, 404)


WRONG_METHODS = [
    (template, method)
    for template in spec()["paths"]
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH")
    if method not in spec_methods(template)
]


@pytest.mark.parametrize(("template", "method"), WRONG_METHODS, ids=[f"{m} {t}" for t, m in WRONG_METHODS])
def test_a_wrong_method_is_405_with_allow_naming_the_spec_methods(
    server: ServerThread, template: str, method: str
) -> None:
    prefix = f"/{TENANT}/v1" if template.startswith("/v1/") else ""
    url = server.root + prefix + fill(template)
    response = httpx.request(method, url, headers={"Authorization": "Bearer alice"})
    assert_error(response, 405)
    allowed = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert allowed == spec_methods(template)


# --- bodies: 413, 415, 400 -----------------------------------------------------------------------


def oversized(method: str, template: str) -> dict[str, Any]:
    body = request_kwargs(method, template).get("json") or {}
    return {**body, "description": "x" * (SMALL_BODY_LIMIT * 2)}


@pytest.mark.parametrize(("method", "template"), BODY_OPERATIONS, ids=_ids(BODY_OPERATIONS))
def test_a_body_over_the_limit_with_content_length_is_413(
    small_server: ServerThread, method: str, template: str
) -> None:
    with bearer_client(f"{small_server.base_url}/v1", "alice") as c:
        response = call(c, method, template, json=oversized(method, template))
    assert int(response.request.headers["content-length"]) > SMALL_BODY_LIMIT
    assert_error(response, 413)


def test_a_body_within_the_limit_is_accepted_by_the_same_server(small_server: ServerThread) -> None:
    with bearer_client(f"{small_server.base_url}/v1", "alice") as c:
        response = c.post("/registry/agents", json={"name": "small", "model": {"name": "scripted/echo"}})
    assert response.status_code == 201, response.text


def chunked(data: bytes, size: int = 100) -> Iterator[bytes]:
    # A generator body has no known length: httpx sends it with `Transfer-Encoding: chunked`.
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_body_over_the_limit_is_413(small_server: ServerThread) -> None:
    body = b'{"name": "chunky", "model": {"name": "scripted/echo"}, "description": "'
    body += b"x" * (SMALL_BODY_LIMIT * 2) + b'"}'
    with bearer_client(f"{small_server.base_url}/v1", "alice") as c:
        response = c.post(
            "/registry/agents", content=chunked(body), headers={"Content-Type": "application/json"}
        )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_error(response, 413)


def test_a_chunked_body_within_the_limit_is_accepted(small_server: ServerThread) -> None:
    body = b'{"name": "chunked-ok", "model": {"name": "scripted/echo"}}'
    with bearer_client(f"{small_server.base_url}/v1", "alice") as c:
        response = c.post(
            "/registry/agents", content=chunked(body, 16), headers={"Content-Type": "application/json"}
        )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
@pytest.mark.parametrize(("method", "template"), BODY_OPERATIONS, ids=_ids(BODY_OPERATIONS))
def test_a_body_that_is_not_json_is_415(
    client: httpx.Client, method: str, template: str, content_type: str
) -> None:
    response = call(
        client,
        method,
        template,
        json=None,
        content=b"agent_name=echo",
        headers={"Content-Type": content_type},
    )
    assert_error(response, 415)


NO_CONTENT_TYPE_OPERATIONS = [
    ("POST", "/v1/agents/sessions"),
    ("POST", "/v1/agents/sessions/{sessionId}/turns"),
    ("POST", "/v1/registry/agents"),
    ("PUT", "/v1/registry/agents/{agentName}"),
]


@pytest.mark.parametrize(
    ("method", "template"), NO_CONTENT_TYPE_OPERATIONS, ids=_ids(NO_CONTENT_TYPE_OPERATIONS)
)
def test_a_json_body_without_a_content_type_is_415(
    client: httpx.Client, session_id: str, method: str, template: str
) -> None:
    """Without a Content-Type the body is not declared `application/json` (RFC 9110 lets the server
    assume octet-stream), so it is the spec's 415, never a 500."""
    body = json.dumps(request_kwargs(method, template)["json"]).encode()
    response = call(client, method, template, session_id=session_id, json=None, content=body)
    assert "content-type" not in response.request.headers
    assert_error(response, 415)


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("POST", "/v1/agents/sessions"),
        ("POST", "/v1/registry/agents"),
        ("PUT", "/v1/registry/agents/{agentName}"),
    ],
    ids=["createSession", "createAgent", "replaceAgent"],
)
@pytest.mark.parametrize(
    "content",
    [b'{"agent_name":', b"{'agent_name': 'echo'}", b'{"agent_name": "\xff\xfe"}'],
    ids=["truncated", "quotes", "not-utf8"],
)
def test_a_body_that_is_not_valid_json_is_400(
    client: httpx.Client, echo_agent: str, method: str, template: str, content: bytes
) -> None:
    response = call(
        client, method, template, json=None, content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


def test_a_turn_body_that_is_not_utf8_is_400(client: httpx.Client, session_id: str) -> None:
    content = b'{"input": [{"type": "user.message", "content": "caf\xe9"}]}'
    response = client.post(
        f"/agents/sessions/{session_id}/turns", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


# --- ids: 400, 404 -------------------------------------------------------------------------------

MALFORMED_SESSION_IDS = [
    "NOT-AN-ID",
    "01ARZ3NDEKTSV4RRFFQ69G5FAV.g",  # upper case
    "01arz3ndektsv4rrffq69g5fav",  # no zone
    "81arz3ndektsv4rrffq69g5fav.g",  # beyond the ULID range
    "01arz3ndektsv4rrffq69g5fau.g",  # `u` is not Crockford base32
]


@pytest.mark.parametrize("bad_id", MALFORMED_SESSION_IDS)
@pytest.mark.parametrize(("method", "template"), SESSION_OPERATIONS, ids=_ids(SESSION_OPERATIONS))
def test_a_malformed_session_id_is_400_naming_session_id(
    client: httpx.Client, method: str, template: str, bad_id: str
) -> None:
    assert_error(call(client, method, template, session_id=bad_id), 400, param="sessionId")


@pytest.mark.parametrize("bad_id", ["bad", "01arz3ndektsv4rrffq69g5fav.g", "01arz3ndektsv4rrffq69g5fav.g.AB"])
@pytest.mark.parametrize(("method", "template"), TURN_OPERATIONS, ids=_ids(TURN_OPERATIONS))
def test_a_malformed_turn_id_is_400_naming_turn_id(
    client: httpx.Client, session_id: str, method: str, template: str, bad_id: str
) -> None:
    assert_error(call(client, method, template, session_id=session_id, turn_id=bad_id), 400, param="turnId")


@pytest.mark.parametrize(("method", "template"), SESSION_OPERATIONS, ids=_ids(SESSION_OPERATIONS))
def test_an_unknown_session_is_404(client: httpx.Client, method: str, template: str) -> None:
    assert_error(call(client, method, template), 404)


@pytest.mark.parametrize(("method", "template"), TURN_OPERATIONS, ids=_ids(TURN_OPERATIONS))
def test_an_unknown_turn_of_a_known_session_is_404(
    client: httpx.Client, session_id: str, method: str, template: str
) -> None:
    assert_error(call(client, method, template, session_id=session_id), 404)


def test_a_turn_of_another_session_is_404_in_this_one(
    client: httpx.Client, session_id: str, turn_id: str
) -> None:
    other = client.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
    assert_error(client.get(f"/agents/sessions/{other}/turns/{turn_id}"), 404)


# --- 412: deleted sessions -----------------------------------------------------------------------


@pytest.fixture
def deleted_session(client: httpx.Client, session_id: str, turn_id: str) -> tuple[str, str]:
    response = client.delete(f"/agents/sessions/{session_id}")
    assert response.status_code == 204, response.text
    return session_id, turn_id


@pytest.mark.parametrize(("method", "template"), SESSION_OPERATIONS, ids=_ids(SESSION_OPERATIONS))
def test_every_operation_on_a_deleted_session_is_412(
    client: httpx.Client, deleted_session: tuple[str, str], method: str, template: str
) -> None:
    session, turn = deleted_session
    assert_error(call(client, method, template, session_id=session, turn_id=turn), 412)


def test_deleting_a_deleted_session_again_and_cancelling_it_stay_412(
    client: httpx.Client, deleted_session: tuple[str, str]
) -> None:
    session, _ = deleted_session
    for _ in range(2):
        assert_error(client.delete(f"/agents/sessions/{session}"), 412)
        assert_error(client.post(f"/agents/sessions/{session}/cancel", json={}), 412)
        assert_error(client.post(f"/agents/sessions/{session}/cancel"), 412)


# --- 403: other callers, admins, tenants ---------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), SESSION_OPERATIONS, ids=_ids(SESSION_OPERATIONS))
def test_another_callers_session_is_403(
    bob: httpx.Client, session_id: str, turn_id: str, method: str, template: str
) -> None:
    assert_error(call(bob, method, template, session_id=session_id, turn_id=turn_id), 403)


def test_another_caller_lists_none_of_my_sessions(
    client: httpx.Client, bob: httpx.Client, session_id: str
) -> None:
    mine = client.get("/agents/sessions", params={"agent_name": "echo"}).json()["data"]
    assert [s["id"] for s in mine] == [session_id]
    assert bob.get("/agents/sessions", params={"agent_name": "echo"}).json()["data"] == []


def test_only_the_agents_creator_may_replace_or_delete_it(bob: httpx.Client, echo_agent: str) -> None:
    assert_error(
        bob.put(
            f"/registry/agents/{echo_agent}", json={"name": echo_agent, "model": {"name": "scripted/echo"}}
        ),
        403,
    )
    assert_error(bob.delete(f"/registry/agents/{echo_agent}"), 403)
    assert bob.get(f"/registry/agents/{echo_agent}").status_code == 200


def test_an_admin_sees_and_acts_on_every_callers_sessions(jwt_server: ServerThread) -> None:
    base = f"{jwt_server.base_url}/v1"
    with (
        bearer_client(base, token("alice", roles=["agent-admin"])) as alice,  # may register agents
        bearer_client(base, token("bob")) as bob_jwt,
        bearer_client(base, token("root", roles=["admin"])) as admin,
    ):
        make_agent(alice, "shared")
        alice_session = alice.post("/agents/sessions", json={"agent_name": "shared"}).json()["data"]["id"]
        bob_session = bob_jwt.post("/agents/sessions", json={"agent_name": "shared"}).json()["data"]["id"]

        assert_error(bob_jwt.get(f"/agents/sessions/{alice_session}"), 403)
        assert admin.get(f"/agents/sessions/{alice_session}").status_code == 200
        assert admin.get(f"/agents/sessions/{alice_session}/turns").status_code == 200
        assert admin.post(f"/agents/sessions/{alice_session}/cancel", json={}).status_code == 200

        listed = admin.get("/agents/sessions", params={"agent_name": "shared"}).json()["data"]
        assert {s["id"] for s in listed} == {alice_session, bob_session}
        own = bob_jwt.get("/agents/sessions", params={"agent_name": "shared"}).json()["data"]
        assert [s["id"] for s in own] == [bob_session]
        # An admin may change an agent it did not create.
        replaced = admin.put(
            "/registry/agents/shared", json={"name": "shared", "model": {"name": "scripted/echo"}}
        )
        assert replaced.status_code == 200 and replaced.json()["data"]["version"] == 2


def test_a_session_of_one_tenant_is_404_under_another(
    server: ServerThread, client: httpx.Client, session_id: str
) -> None:
    with bearer_client(f"{server.root}/other/v1", "alice") as other:
        assert_error(other.get(f"/agents/sessions/{session_id}"), 404)
        assert_error(other.post(f"/agents/sessions/{session_id}/cancel", json={}), 404)
        assert_error(other.delete(f"/agents/sessions/{session_id}"), 404)
        assert_error(other.get("/registry/agents/echo"), 404)
        assert_error(other.post("/agents/sessions", json={"agent_name": "echo"}), 404)
    assert client.get(f"/agents/sessions/{session_id}").status_code == 200


def test_a_token_for_one_tenant_is_403_on_another(jwt_server: ServerThread) -> None:
    tenant_a = token("alice", tenant="a", roles=["agent-admin"])
    with (
        bearer_client(f"{jwt_server.root}/a/v1", tenant_a) as on_a,
        bearer_client(f"{jwt_server.root}/b/v1", tenant_a) as on_b,
    ):
        assert (
            on_a.post("/registry/agents", json={"name": "ta", "model": {"name": "scripted/echo"}}).status_code
            == 201
        )
        assert on_a.post("/agents/sessions", json={"agent_name": "ta"}).status_code == 201
        assert_error(on_b.get("/registry/agents"), 403)
        assert_error(on_b.post("/agents/sessions", json={"agent_name": "ta"}), 403)
        assert_error(on_b.get("/agents/sessions", params={"agent_name": "ta"}), 403)
        assert_error(on_b.get(f"/agents/sessions/{UNKNOWN_SESSION}"), 403)


# --- agent registry ------------------------------------------------------------------------------


def test_registering_an_existing_agent_name_is_409(client: httpx.Client, echo_agent: str) -> None:
    response = client.post("/registry/agents", json={"name": echo_agent, "model": {"name": "scripted/echo"}})
    assert_error(response, 409)
    assert client.get(f"/registry/agents/{echo_agent}").json()["data"]["version"] == 1


def test_replacing_an_agent_with_a_differently_named_manifest_is_409(
    client: httpx.Client, echo_agent: str
) -> None:
    response = client.put(
        f"/registry/agents/{echo_agent}", json={"name": "other", "model": {"name": "scripted/echo"}}
    )
    assert_error(response, 409)
    assert client.get(f"/registry/agents/{echo_agent}").json()["data"]["version"] == 1
    assert_error(client.get("/registry/agents/other"), 404)


def test_an_unknown_agent_is_404(client: httpx.Client) -> None:
    assert_error(client.get("/registry/agents/nobody"), 404)
    assert_error(
        client.put("/registry/agents/nobody", json={"name": "nobody", "model": {"name": "scripted/echo"}}),
        404,
    )
    assert_error(client.delete("/registry/agents/nobody"), 404)
    assert_error(client.post("/agents/sessions", json={"agent_name": "nobody"}), 404, param="agent_name")
    assert_error(client.get("/agents/sessions", params={"agent_name": "nobody"}), 404)


def test_a_session_keeps_its_agent_version_after_the_agent_is_replaced_or_deleted(
    client: httpx.Client,
) -> None:
    assert make_agent(client, "versioned", chunks=1)["version"] == 1
    before = client.post("/agents/sessions", json={"agent_name": "versioned"}).json()["data"]
    assert before["agent_version"] == 1

    manifest = {"name": "versioned", "model": {"name": "scripted/echo", "params": {"chunks": 3}}}
    replaced = client.put("/registry/agents/versioned", json=manifest)
    assert replaced.status_code == 200 and replaced.json()["data"]["version"] == 2
    after = client.post("/agents/sessions", json={"agent_name": "versioned"}).json()["data"]
    assert after["agent_version"] == 2

    assert client.get(f"/agents/sessions/{before['id']}").json()["data"]["agent_version"] == 1
    # Each session runs the manifest it started with: 1 chunk versus 3.
    assert delta_count(client, before["id"]) == 1
    assert delta_count(client, after["id"]) == 3

    assert client.delete("/registry/agents/versioned").status_code == 204
    assert client.get(f"/agents/sessions/{before['id']}").json()["data"]["agent_version"] == 1
    assert delta_count(client, before["id"]) == 1


# --- list sessions: keyset pagination ------------------------------------------------------------


@pytest.fixture
def seven_sessions(client: httpx.Client, bob: httpx.Client, echo_agent: str) -> list[dict[str, Any]]:
    """Seven sessions of alice's, oldest first (and one of bob's, which alice never sees)."""
    created = [
        client.post("/agents/sessions", json={"agent_name": echo_agent}).json()["data"] for _ in range(7)
    ]
    assert bob.post("/agents/sessions", json={"agent_name": echo_agent}).status_code == 201
    return created


def walk(client: httpx.Client, **params: Any) -> list[list[str]]:
    """Follow `next_page_token` from the first page to the last; the ids of each page."""
    pages: list[list[str]] = []
    token_: str | None = None
    while True:
        query = {"agent_name": "echo", **params, **({"page_token": token_} if token_ else {})}
        response = client.get("/agents/sessions", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pagination"]["limit"] == params.get("limit", 10)
        pages.append([s["id"] for s in body["data"]])
        token_ = body["pagination"].get("next_page_token")
        if not token_:
            return pages
        assert len(pages) < 20, "pagination does not end"


def test_list_sessions_is_newest_first_by_default(
    client: httpx.Client, seven_sessions: list[dict[str, Any]]
) -> None:
    assert walk(client) == [[s["id"] for s in reversed(seven_sessions)]]


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_page_tokens_walk_every_session_once_in_order(
    client: httpx.Client, seven_sessions: list[dict[str, Any]], order: str
) -> None:
    pages = walk(client, limit=3, order=order)
    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [sid for page in pages for sid in page]
    expected = [s["id"] for s in seven_sessions]
    assert flat == (expected if order == "asc" else expected[::-1])
    assert len(set(flat)) == len(flat)


def test_a_page_that_ends_exactly_at_the_last_session_has_no_next_token(
    client: httpx.Client, seven_sessions: list[dict[str, Any]]
) -> None:
    assert [len(p) for p in walk(client, limit=7)] == [7]
    assert [len(p) for p in walk(client, limit=100)] == [7]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now_ms() -> int:
    return int(time.time() * 1000)


def test_timestamp_bounds_select_the_sessions_created_between_them(
    client: httpx.Client, echo_agent: str
) -> None:
    """Three groups of sessions with a bound strictly between consecutive groups."""

    def group() -> list[str]:
        return [
            client.post("/agents/sessions", json={"agent_name": echo_agent}).json()["data"]["id"]
            for _ in range(2)
        ]

    def gap() -> int:
        # A millisecond after everything created so far and before anything created next.
        bound = _now_ms() + 1
        wait_until(lambda: _now_ms() > bound, 1, "the clock passes the bound")
        return bound

    first = group()
    gap_1 = gap()
    middle = group()
    gap_2 = gap()
    last = group()

    def listed(**bounds: str) -> list[str]:
        response = client.get("/agents/sessions", params={"agent_name": echo_agent, "order": "asc", **bounds})
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["data"]]

    assert listed(start_timestamp=_iso(gap_1)) == middle + last
    assert listed(end_timestamp=_iso(gap_2)) == first + middle
    assert listed(start_timestamp=_iso(gap_1), end_timestamp=_iso(gap_2)) == middle
    assert listed(start_timestamp=_iso(gap_2), end_timestamp=_iso(gap_1)) == []


def test_timestamp_bounds_are_inclusive(client: httpx.Client, seven_sessions: list[dict[str, Any]]) -> None:
    for session in seven_sessions:
        bound = session["created_at"]
        response = client.get(
            "/agents/sessions",
            params={"agent_name": "echo", "start_timestamp": bound, "end_timestamp": bound},
        )
        assert session["id"] in [s["id"] for s in response.json()["data"]]


def test_timestamp_bounds_include_a_session_created_across_a_millisecond_tick(
    client: httpx.Client, echo_agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounds apply to the id's time, so it must be created_at's: one clock reading for both (two
    readings excluded ~0.3% of sessions from a bound equal to their created_at)."""

    class ClockAMillisecondOn(datetime):
        """The server's timestamps read a millisecond after `time.time()` (which bare ULIDs read):
        the clock ticking between two reads, made certain."""

        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + timedelta(milliseconds=1)

    monkeypatch.setattr(server_clock, "datetime", ClockAMillisecondOn)
    session = client.post("/agents/sessions", json={"agent_name": echo_agent}).json()["data"]
    monkeypatch.undo()
    bound = session["created_at"]
    response = client.get(
        "/agents/sessions",
        params={"agent_name": echo_agent, "start_timestamp": bound, "end_timestamp": bound},
    )
    assert session["id"] in [s["id"] for s in response.json()["data"]]


def test_list_sessions_rejects_limits_outside_the_spec(client: httpx.Client, echo_agent: str) -> None:
    for limit in (0, 101):
        assert_error(
            client.get("/agents/sessions", params={"agent_name": echo_agent, "limit": limit}),
            400,
            param="limit",
        )
