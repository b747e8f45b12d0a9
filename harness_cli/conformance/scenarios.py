"""Behavioural scenarios over HTTP, through the generated client: what a turn's stream, its resume,
its events and cancelling it must do, beyond what each response's schema says."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from generated.client import AuthenticatedClient, Client
from generated.client.api.agent_harness import (
    cancel_session,
    create_session,
    create_turn,
    get_turn,
    list_session_events,
    list_turn_events,
)
from generated.client.api.agent_registry import create_agent, delete_agent, get_agent, replace_agent
from generated.client.models import (
    AgentManifest,
    AgentModel,
    CancelSessionResponse,
    CreateSessionRequest,
    CreateTurnRequest,
    GetAgentResponse,
    GetSessionResponse,
    GetTurnResponse,
    ListEventsResponse,
    ListSessionEventsResponse,
    ModelMessageDeltaEvent,
    ModelMessageEvent,
    RequestErrorResponse,
    TurnStateCancelled,
    TurnStateDone,
    UserMessage,
)
from harness_cli.api import ApiError, expect
from harness_cli.conformance.schema import event_schema_errors
from harness_cli.streaming import Frame, StreamRequest, frames, subscribe_request, turn_stream_request

ApiClient = AuthenticatedClient | Client
STREAM_SECONDS = 60.0  # a quick agent's whole turn, or a slow one's wait for its cancelled turn.done


class ScenarioFailed(AssertionError):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise ScenarioFailed(message)


@dataclass
class Outcome:
    id: str  # stable: what --known-failures lists
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Streamed:
    """A turn's stream as read: its frames, in order."""

    frames: list[Frame] = field(default_factory=list)

    @property
    def turn_id(self) -> str:
        return str(self.frames[0].data["turn_id"])

    def texts(self) -> dict[str, str]:
        """Each streamed message's text: the `model.message` base with its deltas merged in."""
        merged: dict[str, str] = {}
        for frame in self.frames:
            event = frame.model
            if isinstance(event, ModelMessageEvent):
                merged[event.id] = event.content if isinstance(event.content, str) else ""
            elif isinstance(event, ModelMessageDeltaEvent) and isinstance(event.content, str):
                merged[event.id] = merged.get(event.id, "") + event.content
        return merged


async def read_stream(client: ApiClient, request: StreamRequest, into: Streamed | None = None) -> Streamed:
    streamed = into if into is not None else Streamed()
    async with asyncio.timeout(STREAM_SECONDS):
        async for frame in frames(client, request):
            streamed.frames.append(frame)
    return streamed


def check_well_formed(streamed: Streamed, *, first: int = 1) -> None:
    """Sequence numbers `first..n` with none missing, equal to each SSE `id:`; every event valid
    against the spec's `TurnStreamingEvent` schema; exactly one `turn.done`, last."""
    ids = [frame.id for frame in streamed.frames]
    check(ids, "the stream carried no events")
    check(ids == list(range(first, first + len(ids))), f"sequence numbers are not {first}..n in order: {ids}")
    for frame in streamed.frames:
        check(
            frame.data.get("sequence_number") == frame.id, f"event {frame.id}: data.sequence_number differs"
        )
        check(
            frame.data.get("type") == frame.event, f"event {frame.id}: `event:` {frame.event!r} != data.type"
        )
        problems = event_schema_errors(frame.data)
        check(
            not problems, f"event {frame.id} ({frame.event}) does not match its schema: {'; '.join(problems)}"
        )
    kinds = [frame.event for frame in streamed.frames]
    check(kinds[-1] == "turn.done", f"the stream ended with {kinds[-1]}, not turn.done")
    check(kinds.count("turn.done") == 1, "more than one turn.done")
    if first == 1:
        check(kinds[0] == "turn.created", f"the stream began with {kinds[0]}, not turn.created")


def final_state(streamed: Streamed) -> Any:
    return streamed.frames[-1].model.state  # type: ignore[union-attr]


class Scenarios:
    def __init__(self, client: ApiClient, *, agent: str, slow_agent: str) -> None:
        self.client = client
        self.agent = agent
        self.slow_agent = slow_agent
        self.outcomes: list[Outcome] = []
        self.session_ids: list[str] = []

    async def _step(self, step: tuple[str, str], body: Callable[[], Awaitable[None]]) -> bool:
        check_id, name = step
        try:
            await body()
        except (ScenarioFailed, ApiError) as exc:
            self.outcomes.append(Outcome(check_id, name, False, str(exc)))
            return False
        except TimeoutError:
            self.outcomes.append(Outcome(check_id, name, False, "timed out"))
            return False
        except Exception as exc:  # a transport error or a body the generated client cannot read
            self.outcomes.append(Outcome(check_id, name, False, f"{type(exc).__name__}: {exc}"))
            return False
        self.outcomes.append(Outcome(check_id, name, True))
        return True

    def _not_run(self, steps: list[tuple[str, str]], why: str) -> None:
        self.outcomes.extend(Outcome(i, name, False, f"not run: {why}") for i, name in steps)

    async def _session(self, agent: str) -> str:
        body = CreateSessionRequest(agent_name=agent)
        session = expect(
            await create_session.asyncio_detailed(client=self.client, body=body), GetSessionResponse
        )
        self.session_ids.append(session.data.id)
        return session.data.id

    async def run(self) -> list[Outcome]:
        await self._registry()
        await self._quick_turn()
        await self._slow_turn()
        return self.outcomes

    # --- the agent registry: a scratch agent of the kit's own, created, replaced, deleted ---

    async def _registry(self) -> None:
        name = f"conformance-registry-{secrets.token_hex(3)}"
        manifest = AgentManifest(name=name, model=AgentModel(name="scripted/echo"), description="v1")
        created = False

        async def create_replace_delete() -> None:
            nonlocal created
            first = expect(
                await create_agent.asyncio_detailed(client=self.client, body=manifest), GetAgentResponse
            )
            created = True
            check(first.data.version == 1, f"a new agent has version {first.data.version}, not 1")
            manifest.description = "v2"
            second = expect(
                await replace_agent.asyncio_detailed(name, client=self.client, body=manifest),
                GetAgentResponse,
            )
            check(second.data.version == 2, f"a replaced agent has version {second.data.version}, not 2")
            check(second.data.manifest.description == "v2", "the replacement's manifest was not stored")
            deleted = await delete_agent.asyncio_detailed(name, client=self.client)
            check(deleted.status_code == 204, f"delete agent answered {deleted.status_code}, not 204")
            created = False
            gone = await get_agent.asyncio_detailed(name, client=self.client)
            check(gone.status_code == 404, f"a deleted agent answered {gone.status_code}, not 404")

        try:
            await self._step(
                ("registry.create-replace-delete", "an agent is created, replaced and deleted"),
                create_replace_delete,
            )
        finally:
            if created:
                await delete_agent.asyncio_detailed(name, client=self.client)

    # --- a turn that runs to the end ---

    async def _quick_turn(self) -> None:
        session_id = ""
        streamed = Streamed()

        async def stream_to_done() -> None:
            nonlocal session_id
            session_id = await self._session(self.agent)
            await read_stream(
                self.client, turn_stream_request(session_id, "conformance: hello there"), streamed
            )
            check_well_formed(streamed)
            state = final_state(streamed)
            check(isinstance(state, TurnStateDone), f"the turn ended {state.status}, not done")

        later = [
            ("turn.resume-last-event-id", "subscribe resumes after Last-Event-ID"),
            ("turn.resume-after-sequence-number", "subscribe resumes after after_sequence_number"),
            ("turn.events-listed", "events listed after the turn"),
        ]
        first = ("turn.streams-to-done", f"turn streams to turn.done (agent {self.agent})")
        if not await self._step(first, stream_to_done):
            self._not_run(later, "no finished turn")
            return
        turn_id = streamed.turn_id
        count = len(streamed.frames)

        async def resume_with_header() -> None:
            after = max(1, count // 2)
            request = subscribe_request(session_id, turn_id, last_event_id=after)
            resumed = await read_stream(self.client, request)
            check_well_formed(resumed, first=after + 1)
            check(
                resumed.frames == streamed.frames[after:], f"events after {after} differ from the live stream"
            )

        async def resume_with_body() -> None:
            resumed = await read_stream(self.client, subscribe_request(session_id, turn_id, after=1))
            check_well_formed(resumed, first=2)
            check(resumed.frames == streamed.frames[1:], "events after 1 differ from the live stream")

        async def list_events() -> None:
            page = expect(
                await list_turn_events.asyncio_detailed(session_id, turn_id, client=self.client),
                ListEventsResponse,
            )
            listed = [event.to_dict() for event in page.data]
            kinds = {event["type"] for event in listed}
            check(listed, "listTurnEvents returned no events for a finished turn")
            check(not kinds & {"turn.created", "turn.done", "model.message.delta"}, f"listed kinds {kinds}")
            texts = streamed.texts()
            for event in listed:
                if event["type"] == "model.message" and event["id"] in texts:
                    check(
                        event.get("content") == texts[event["id"]],
                        f"model.message {event['id']}: listed content differs from its merged deltas",
                    )
            session_page = expect(
                await list_session_events.asyncio_detailed(session_id, client=self.client),
                ListSessionEventsResponse,
            )
            ours = [item.event.type_ for item in session_page.data if item.turn_id == turn_id]
            check("turn.created" in ours and "turn.done" in ours, f"listSessionEvents gave {ours}")

        await self._step(later[0], resume_with_header)
        await self._step(later[1], resume_with_body)
        await self._step(later[2], list_events)

    # --- a turn cancelled while it runs ---

    async def _slow_turn(self) -> None:
        names = [
            ("cancel.second-turn-409", "second turn while one runs -> 409"),
            ("cancel.running-200", "cancel a running turn -> 200"),
            ("cancel.stream-ends-cancelled", "its stream ends cancelled/client-cancelled"),
            ("cancel.again-200", "cancel again -> 200"),
        ]
        streamed = Streamed()
        session_id = ""
        reader: asyncio.Task[Streamed] | None = None

        async def start() -> None:
            nonlocal session_id, reader
            session_id = await self._session(self.slow_agent)
            request = turn_stream_request(session_id, "conformance: " + " ".join(["slowly"] * 40))
            reader = asyncio.ensure_future(read_stream(self.client, request, streamed))
            deadline = time.monotonic() + 20
            # Running for sure: past `turn.created`, the model has begun to answer.
            while len(streamed.frames) < 3:
                check(not reader.done(), f"the stream ended after {len(streamed.frames)} events")
                check(time.monotonic() < deadline, "the slow turn sent fewer than 3 events in 20 s")
                await asyncio.sleep(0.02)

        try:
            first = ("cancel.slow-turn-starts", f"a slow turn starts (agent {self.slow_agent})")
            if not await self._step(first, start):
                self._not_run(names, "no running turn")
                return
            assert reader is not None
            running = reader

            async def second_turn() -> None:
                body = CreateTurnRequest(
                    input_=[UserMessage(type_="user.message", content="a second turn")], stream=False
                )
                response = await create_turn.asyncio_detailed(session_id, client=self.client, body=body)
                check(not running.done(), "the slow turn finished first: the agent is not slow enough")
                check(response.status_code == 409, f"got HTTP {response.status_code}, not 409")
                check(isinstance(response.parsed, RequestErrorResponse), "the 409 is not the error envelope")

            async def cancel() -> None:
                check(not running.done(), "the slow turn finished before the cancel")
                expect(
                    await cancel_session.asyncio_detailed(session_id, client=self.client),
                    CancelSessionResponse,
                )

            async def ends_cancelled() -> None:
                await asyncio.wait_for(asyncio.shield(running), STREAM_SECONDS)
                check_well_formed(streamed)
                state = final_state(streamed)
                check(isinstance(state, TurnStateCancelled), f"the turn ended {state.status}, not cancelled")
                check(state.reason == "client-cancelled", f"cancelled with reason {state.reason}")
                turn = expect(
                    await get_turn.asyncio_detailed(session_id, streamed.turn_id, client=self.client),
                    GetTurnResponse,
                )
                check(isinstance(turn.data.state, TurnStateCancelled), "getTurn does not say cancelled")

            async def cancel_again() -> None:
                expect(
                    await cancel_session.asyncio_detailed(session_id, client=self.client),
                    CancelSessionResponse,
                )

            await self._step(names[0], second_turn)
            await self._step(names[1], cancel)
            await self._step(names[2], ends_cancelled)
            await self._step(names[3], cancel_again)
        finally:
            if reader is not None and not reader.done():
                reader.cancel()
                await cancel_session.asyncio_detailed(session_id, client=self.client)


def zone_of(session_id: str) -> str:
    return session_id.rsplit(".", 1)[-1]
