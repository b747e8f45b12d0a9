"""The published TrueFoundry gateway SDK (`truefoundry-gateway-sdk`, unchanged) drives this server:
every session, turn, event and cancel operation of its `private.agents.sessions` client, its pagers,
its SSE parsing, and the high-level `AgentSessionClient` that turns each SSE `id:` into an integer
sequence number. The SDK has no registry, so agents are registered over plain HTTP."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from truefoundry_gateway_sdk import TrueFoundryGateway
from truefoundry_gateway_sdk.agents import AgentSessionClient
from truefoundry_gateway_sdk.core.api_error import ApiError
from truefoundry_gateway_sdk.core.stream import StreamEvent
from truefoundry_gateway_sdk.errors.forbidden_error import ForbiddenError
from truefoundry_gateway_sdk.private.agents.sessions.client import SessionsClient
from truefoundry_gateway_sdk.types.model_message_delta_event import ModelMessageDeltaEvent
from truefoundry_gateway_sdk.types.model_message_event import ModelMessageEvent
from truefoundry_gateway_sdk.types.session import Session
from truefoundry_gateway_sdk.types.turn_created_event import TurnCreatedEvent
from truefoundry_gateway_sdk.types.turn_done_event import TurnDoneEvent
from truefoundry_gateway_sdk.types.turn_state_cancelled import TurnStateCancelled
from truefoundry_gateway_sdk.types.turn_state_done import TurnStateDone
from truefoundry_gateway_sdk.types.turn_state_running import TurnStateRunning
from truefoundry_gateway_sdk.types.user_message import UserMessage

from contract_tests.conftest import make_agent
from contract_tests.spec_support import spec
from testkit.processes import wait_until
from testkit.servers import ServerThread

SESSION_ID = re.compile(spec()["components"]["schemas"]["SessionIdString"]["pattern"])
TURN_ID = re.compile(spec()["components"]["schemas"]["TurnIdString"]["pattern"])
CHUNKS = 4
TEXT = "the quick brown fox jumps"


def gateway_for(server: ServerThread, api_key: Any = "alice") -> TrueFoundryGateway:
    # The SDK retries 408/409/429/5xx by default; a contract test wants each answer as given.
    return TrueFoundryGateway(base_url=server.base_url, api_key=api_key, max_retries=0, timeout=30)


@pytest.fixture(scope="module")
def gateway(server: ServerThread) -> TrueFoundryGateway:
    return gateway_for(server)


@pytest.fixture
def sessions(gateway: TrueFoundryGateway) -> SessionsClient:
    api: SessionsClient = gateway.private.agents.sessions
    return api


@pytest.fixture
def chatty(client: httpx.Client) -> str:
    make_agent(client, "chatty", chunks=CHUNKS)
    return "chatty"


@pytest.fixture
def session_id(sessions: SessionsClient, chatty: str) -> str:
    return sessions.create(agent_name=chatty).data.id


def say(text: str = TEXT) -> list[UserMessage]:
    return [UserMessage(content=text)]


def stream_turn(
    sessions: SessionsClient, session_id: str, text: str = TEXT, **kwargs: Any
) -> list[StreamEvent[Any]]:
    return list(sessions.create_turn_stream(session_id, input=say(text), **kwargs).with_metadata())


def wait_terminal(sessions: SessionsClient, session_id: str, turn_id: str, timeout: float = 10) -> Any:
    def terminal() -> Any:
        state = sessions.get_turn(session_id, turn_id).data.state
        return None if isinstance(state, TurnStateRunning) else state

    return wait_until(terminal, timeout, f"turn {turn_id} is terminal")


def error_body(exc: ApiError) -> dict[str, Any]:
    body = exc.body
    if hasattr(body, "model_dump"):
        body = body.model_dump()
    assert isinstance(body, dict) and set(body["error"]) >= {"message", "type", "code", "param"}, body
    return body["error"]


def assert_well_formed_stream(events: list[StreamEvent[Any]], text: str = TEXT) -> str:
    """turn.created first, then model.message and its deltas, turn.done last; each SSE id the
    event's sequence number (1, 2, 3, ...). Returns the turn id."""
    data = [e.data for e in events]
    assert isinstance(data[0], TurnCreatedEvent)
    assert isinstance(data[-1], TurnDoneEvent)
    # The text in CHUNKS deltas, then one closing delta with the finish reason and usage.
    assert [type(d) for d in data[1:-1]] == [ModelMessageEvent] + [ModelMessageDeltaEvent] * (CHUNKS + 1)
    message = data[1]
    assert all(d.id == message.id for d in data[2:-1])
    assert "".join(d.content or "" for d in data[2:-1]) == text
    assert (data[-2].finish_reason, data[-2].usage.output_tokens) == ("stop", len(text.split()))
    assert [e.event for e in events] == [d.type for d in data]
    sequence = [d.sequence_number for d in data]  # an extra field the SDK's models keep
    assert sequence == list(range(1, len(events) + 1))
    assert [e.id for e in events] == [str(n) for n in sequence]
    turn_id: str = data[0].turn_id
    assert TURN_ID.match(turn_id)
    return turn_id


# --- sessions ------------------------------------------------------------------------------------


def test_create_and_get_session_parse_into_the_sdks_models(sessions: SessionsClient, chatty: str) -> None:
    created = sessions.create(agent_name=chatty).data
    assert isinstance(created, Session)
    assert SESSION_ID.match(created.id)
    assert created.agent_name == chatty
    assert created.created_by_subject.subject_id == "alice"
    fetched = sessions.get(created.id).data
    assert fetched.id == created.id
    assert fetched.created_at == created.created_at
    assert fetched.agent_version == 1  # not in the SDK's model: kept as an extra field


def test_the_sdks_api_key_is_the_callers_bearer_identity(server: ServerThread, chatty: str) -> None:
    created = (
        gateway_for(server, api_key=lambda: "carol").private.agents.sessions.create(agent_name=chatty).data
    )
    assert created.created_by_subject.subject_id == "carol"
    with pytest.raises(ForbiddenError) as refused:
        gateway_for(server, api_key="dave").private.agents.sessions.get(created.id)
    assert refused.value.status_code == 403
    assert error_body(refused.value)["param"] == "sessionId"


def test_gateway_agents_and_private_agents_reach_the_same_sessions(
    gateway: TrueFoundryGateway, chatty: str
) -> None:
    created = gateway.agents.sessions.create(agent_name=chatty).data
    assert gateway.private.agents.sessions.get(created.id).data.id == created.id


def test_the_list_sessions_pager_walks_every_page_newest_first(sessions: SessionsClient, chatty: str) -> None:
    ids = [sessions.create(agent_name=chatty).data.id for _ in range(5)]
    pager = sessions.list(agent_name=chatty, limit=2)
    assert [s.id for s in pager] == ids[::-1]
    assert [len(page.items or []) for page in pager.iter_pages()] == [2, 2, 1]
    assert pager.response.pagination.limit == 2
    assert pager.response.pagination.next_page_token
    ascending = sessions.list(agent_name=chatty, limit=2, order="asc")
    assert [s.id for s in ascending] == ids


def test_list_sessions_honours_a_page_token_and_timestamp_bounds(
    sessions: SessionsClient, chatty: str
) -> None:
    created = [sessions.create(agent_name=chatty).data for _ in range(3)]
    first_page = sessions.list(agent_name=chatty, limit=1, order="asc")
    token = first_page.response.pagination.next_page_token
    assert token is not None
    rest = sessions.list(agent_name=chatty, limit=10, order="asc", page_token=token)
    assert [s.id for s in rest] == [s.id for s in created[1:]]
    everything = sessions.list(
        agent_name=chatty, start_timestamp="2000-01-01T00:00:00Z", end_timestamp="2999-01-01T00:00:00Z"
    )
    assert {s.id for s in everything} == {s.id for s in created}
    assert list(sessions.list(agent_name=chatty, end_timestamp="2000-01-01T00:00:00Z")) == []


# --- turns ---------------------------------------------------------------------------------------


def test_create_turn_stream_yields_turn_created_then_the_message_and_its_deltas_then_turn_done(
    sessions: SessionsClient, session_id: str
) -> None:
    events = stream_turn(sessions, session_id)
    turn_id = assert_well_formed_stream(events)
    created, done = events[0].data, events[-1].data
    assert created.previous_turn_id is None
    assert isinstance(created.state, TurnStateRunning)
    assert created.input[0].content == TEXT
    assert isinstance(done.state, TurnStateDone)
    assert done.state.output.content == TEXT
    assert done.state.required_actions == []
    # The next turn chains to this one by default (`previous_turn_id: auto`).
    second = stream_turn(sessions, session_id, "again and again and again")
    assert second[0].data.previous_turn_id == turn_id


def test_the_high_level_client_parses_each_sse_id_as_the_integer_sequence_number(
    server: ServerThread, session_id: str
) -> None:
    agent_session = AgentSessionClient(base_url=server.base_url, api_key="alice", max_retries=0).get_session(
        session_id
    )
    prepared = agent_session.prepare_turn(input=say())
    streamed = list(prepared.execute())
    numbers = [item.sequence_number for item in streamed]
    assert all(type(n) is int for n in numbers)
    assert numbers == list(range(1, len(streamed) + 1))
    assert numbers == [item.event.sequence_number for item in streamed]
    assert isinstance(streamed[0].event, TurnCreatedEvent)
    assert isinstance(streamed[-1].event, TurnDoneEvent)
    assert isinstance(prepared.state, TurnStateDone)  # adopted from turn.done

    resumed = list(prepared.stream(after_sequence_number=2))
    assert [item.sequence_number for item in resumed] == numbers[2:]
    turns = list(agent_session.list_turns())
    assert [t.id for t in turns] == [prepared.id]


def test_create_turn_without_streaming_returns_the_running_turn(
    sessions: SessionsClient, session_id: str
) -> None:
    first = sessions.create_turn(session_id, input=say()).data
    assert TURN_ID.match(first.id)
    assert first.session_id == session_id
    assert isinstance(first.state, TurnStateRunning)
    assert first.previous_turn_id is None
    assert first.input[0].content == TEXT
    assert first.created_by_subject.subject_id == "alice"
    wait_terminal(sessions, session_id, first.id)

    chained = sessions.create_turn(session_id, input=say("second")).data
    assert chained.previous_turn_id == first.id
    wait_terminal(sessions, session_id, chained.id)
    root = sessions.create_turn(session_id, input=say("third"), previous_turn_id="none").data
    assert root.previous_turn_id is None
    wait_terminal(sessions, session_id, root.id)
    explicit = sessions.create_turn(session_id, input=say("fourth"), previous_turn_id=first.id).data
    assert explicit.previous_turn_id == first.id
    wait_terminal(sessions, session_id, explicit.id)


def test_get_turn_returns_the_terminal_state_with_output_and_metrics(
    sessions: SessionsClient, session_id: str
) -> None:
    turn_id = assert_well_formed_stream(stream_turn(sessions, session_id))
    turn = sessions.get_turn(session_id, turn_id).data
    assert turn.id == turn_id and turn.session_id == session_id
    assert isinstance(turn.state, TurnStateDone)
    assert turn.state.output.content == TEXT
    assert turn.state.metrics is not None and turn.state.metrics.total_tokens > 0


def test_a_second_turn_while_one_runs_is_refused_with_409(
    sessions: SessionsClient, client: httpx.Client
) -> None:
    make_agent(client, "slowpoke", chunks=50, delay_ms=100)
    session = sessions.create(agent_name="slowpoke").data.id
    sessions.create_turn(session, input=say())
    with pytest.raises(ApiError) as refused:
        sessions.create_turn(session, input=say())
    assert refused.value.status_code == 409
    assert error_body(refused.value)["code"] == "turn_running"
    with pytest.raises(ApiError) as refused_stream:
        list(sessions.create_turn_stream(session, input=say()))
    assert refused_stream.value.status_code == 409
    sessions.cancel(session)


def test_the_list_turns_pager_is_newest_first_along_the_chain(
    sessions: SessionsClient, session_id: str
) -> None:
    ids = [assert_well_formed_stream(stream_turn(sessions, session_id)) for _ in range(3)]
    pager = sessions.list_turns(session_id, limit=2)
    assert [t.id for t in pager] == ids[::-1]
    assert [len(page.items or []) for page in pager.iter_pages()] == [2, 1]
    assert all(isinstance(t.state, TurnStateDone) for t in pager)


# --- events --------------------------------------------------------------------------------------


def test_list_turn_events_holds_the_persisted_content_events_only(
    sessions: SessionsClient, session_id: str
) -> None:
    events = stream_turn(sessions, session_id)
    turn_id = assert_well_formed_stream(events)
    listed = list(sessions.list_turn_events(session_id, turn_id))
    assert [type(e) for e in listed] == [ModelMessageEvent]
    assert listed[0].id == events[1].data.id
    assert listed[0].content == TEXT
    assert list(sessions.list_turn_events(session_id, turn_id, order="desc", limit=1)) == listed


def test_list_turn_events_of_a_running_turn_is_409(sessions: SessionsClient, client: httpx.Client) -> None:
    make_agent(client, "slowpoke", chunks=50, delay_ms=100)
    session = sessions.create(agent_name="slowpoke").data.id
    turn = sessions.create_turn(session, input=say()).data
    with pytest.raises(ApiError) as refused:
        sessions.list_turn_events(session, turn.id)
    assert refused.value.status_code == 409
    sessions.cancel(session)


def test_the_session_events_pager_is_newest_first_with_lifecycle_events(
    sessions: SessionsClient, session_id: str
) -> None:
    first = assert_well_formed_stream(stream_turn(sessions, session_id))
    second = assert_well_formed_stream(stream_turn(sessions, session_id))
    expected = [
        (second, "turn.done"),
        (second, "model.message"),
        (second, "turn.created"),
        (first, "turn.done"),
        (first, "model.message"),
        (first, "turn.created"),
    ]
    pager = sessions.list_events(session_id, limit=4)
    assert [(item.turn_id, item.event.type) for item in pager] == expected
    assert [len(page.items or []) for page in pager.iter_pages()] == [4, 2]
    anchored = sessions.list_events(session_id, last_turn_id=first)
    assert [(item.turn_id, item.event.type) for item in anchored] == expected[3:]


# --- subscribe -----------------------------------------------------------------------------------


def test_subscribing_to_a_finished_turn_replays_every_event(
    sessions: SessionsClient, session_id: str
) -> None:
    original = stream_turn(sessions, session_id)
    turn_id = assert_well_formed_stream(original)
    replayed = list(sessions.subscribe_to_turn(session_id, turn_id).with_metadata())
    assert_well_formed_stream(replayed)
    assert [(e.id, e.event, e.data.id) for e in replayed] == [(e.id, e.event, e.data.id) for e in original]


def test_subscribing_after_a_sequence_number_resumes_just_after_it(
    sessions: SessionsClient, session_id: str
) -> None:
    original = stream_turn(sessions, session_id)
    turn_id = assert_well_formed_stream(original)
    for after in range(len(original) - 1):
        resumed = list(
            sessions.subscribe_to_turn(session_id, turn_id, after_sequence_number=after).with_metadata()
        )
        assert [e.id for e in resumed] == [e.id for e in original[after:]]
        assert isinstance(resumed[-1].data, TurnDoneEvent)


def test_subscribing_after_the_last_event_of_a_finished_turn_ends_at_once(
    sessions: SessionsClient, session_id: str
) -> None:
    original = stream_turn(sessions, session_id)
    turn_id = assert_well_formed_stream(original)
    last = original[-1].data.sequence_number
    started = time.monotonic()
    resumed = sessions.subscribe_to_turn(
        session_id, turn_id, after_sequence_number=last, request_options={"timeout_in_seconds": 3}
    )
    assert list(resumed) == []
    assert time.monotonic() - started < 3


def test_subscribing_to_a_running_turn_streams_it_live_to_the_end(
    sessions: SessionsClient, client: httpx.Client
) -> None:
    make_agent(client, "steady", chunks=CHUNKS, delay_ms=100)
    session = sessions.create(agent_name="steady").data.id
    turn = sessions.create_turn(session, input=say()).data
    live: list[StreamEvent[Any]] = []
    for event in sessions.subscribe_to_turn(session, turn.id).with_metadata():
        if not live:
            # Subscribed while the turn runs: the rest of the stream arrives live.
            assert isinstance(sessions.get_turn(session, turn.id).data.state, TurnStateRunning)
        live.append(event)
    assert_well_formed_stream(live)
    assert live[0].data.turn_id == turn.id


# --- cancel --------------------------------------------------------------------------------------


def test_cancelling_a_running_turn_ends_it_cancelled_by_the_client(
    sessions: SessionsClient, slow_agent: str
) -> None:
    session = sessions.create(agent_name=slow_agent).data.id
    turn = sessions.create_turn(session, input=say("one two three four five six seven eight nine ten")).data
    stream = sessions.subscribe_to_turn(session, turn.id).with_metadata()
    seen: list[StreamEvent[Any]] = []
    for event in stream:
        seen.append(event)
        if isinstance(event.data, ModelMessageDeltaEvent):
            break  # the executor is running it now
    started = time.monotonic()
    assert sessions.cancel(session) is not None  # CancelSessionResponse: the 200
    assert time.monotonic() - started < 3  # well before the turn's natural end (5 s)
    state = sessions.get_turn(session, turn.id).data.state
    assert isinstance(state, TurnStateCancelled)
    assert state.reason == "client-cancelled"
    rest = list(stream)
    assert isinstance(rest[-1].data, TurnDoneEvent)
    assert isinstance(rest[-1].data.state, TurnStateCancelled)
    assert rest[-1].data.state.reason == "client-cancelled"
    numbers = [int(e.id) for e in seen + rest]
    assert numbers == list(range(1, len(numbers) + 1))
    # The session takes a new turn at once.
    assert isinstance(sessions.create_turn(session, input=say()).data.state, TurnStateRunning)
    sessions.cancel(session)


def test_cancel_with_nothing_running_answers_200_and_changes_nothing(
    sessions: SessionsClient, session_id: str
) -> None:
    assert sessions.cancel(session_id) is not None
    turn_id = assert_well_formed_stream(stream_turn(sessions, session_id))
    assert sessions.cancel(session_id) is not None
    assert isinstance(sessions.get_turn(session_id, turn_id).data.state, TurnStateDone)


def test_sdk_errors_carry_the_error_envelope(sessions: SessionsClient) -> None:
    with pytest.raises(ApiError) as missing:
        sessions.get("01arz3ndektsv4rrffq69g5fav.g")
    assert missing.value.status_code == 404
    assert error_body(missing.value)["param"] == "sessionId"
    with pytest.raises(ApiError) as malformed:
        sessions.cancel("not-a-session")
    assert malformed.value.status_code == 400
    assert error_body(malformed.value)["param"] == "sessionId"
