"""server/domain/pagination.py: the session-events page token `<turn id>:<sequence number>`.

Its form is fixed by the spec (`SessionEventPageToken`), so a malformed token is refused by request
validation with the project's 400 envelope naming `page_token`, before the cursor is read.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain.pagination import session_event_cursor, session_event_token
from server.openapi31 import FieldProblem, NamedParameterValidator
from tests._support import SESSION_ID, TURN_ID, StubApp, deref

EVENTS = f"/v1/agents/sessions/{SESSION_ID}/events"


def _page_token_param(spec: dict[str, Any]) -> dict[str, Any]:
    param: dict[str, Any] = deref(spec, {"$ref": "#/components/parameters/SessionEventPageToken"})
    return param


def test_token_round_trips_to_the_turn_and_sequence_number() -> None:
    token = session_event_token(TURN_ID, 42)
    assert session_event_cursor(token) == (TURN_ID, 42)


def test_token_has_the_form_the_spec_fixes(spec: dict[str, Any]) -> None:
    token = session_event_token(TURN_ID, 7)
    assert token == f"{TURN_ID}:7"
    NamedParameterValidator.validate_parameter("query", token, _page_token_param(spec))


def test_the_spec_page_token_parameter_is_the_one_list_session_events_takes(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/v1/agents/sessions/{sessionId}/events"]["get"]
    params = [deref(spec, p) for p in operation["parameters"]]
    assert _page_token_param(spec) in params


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_token_the_spec_accepts_can_be_read(spec: dict[str, Any], data: st.DataObject) -> None:
    param = _page_token_param(spec)
    token = data.draw(st.from_regex(param["schema"]["pattern"], fullmatch=True), label="token")
    if len(token) > param["schema"]["maxLength"]:
        return
    NamedParameterValidator.validate_parameter("query", token, param)
    turn_id, sequence_number = session_event_cursor(token)
    assert f"{turn_id}:{token.rsplit(':', 1)[1]}" == token
    assert sequence_number == int(token.rsplit(":", 1)[1])
    assert session_event_cursor(session_event_token(turn_id, sequence_number)) == (turn_id, sequence_number)


@pytest.mark.parametrize(
    "malformed",
    [
        "abc",
        TURN_ID,
        f"{TURN_ID}:",
        f"{TURN_ID}:-1",
        f"{TURN_ID}:x",
        f"{SESSION_ID}:3",
        f"{TURN_ID.upper()}:3",
        f"{TURN_ID}:3 ",
        f"{TURN_ID}:{'9' * 19}",
    ],
)
def test_malformed_token_is_refused_naming_page_token(spec: dict[str, Any], malformed: str) -> None:
    with pytest.raises(FieldProblem) as raised:
        NamedParameterValidator.validate_parameter("query", malformed, _page_token_param(spec))
    assert raised.value.status_code == 400
    assert raised.value.param == "page_token"


@pytest.fixture(scope="module")
def stub(spec: dict[str, Any]) -> StubApp:
    return StubApp(spec)


async def test_malformed_token_answers_the_projects_400_envelope(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.get(EVENTS, params={"page_token": "not-a-token"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "page_token"
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_request"


async def test_well_formed_token_reaches_the_handler(stub: StubApp) -> None:
    token = session_event_token(TURN_ID, 3)
    async with stub.client() as client:
        response = await client.get(EVENTS, params={"page_token": token})
    assert response.status_code == 200
    operation_id, arguments = stub.calls[-1]
    assert operation_id == "listSessionEvents"
    assert arguments["page_token"] == token
