"""SSE streams at scale and under faults: a stream past the end of its turn ends with the turn; many
streams share one Redis read (200 subscribers on a Redis allowing 40 clients all get every event);
the per-caller and per-replica caps answer 429; a lost Redis (killed, or hung by SIGSTOP) ends every
stream after a complete event, within a bound, and Last-Event-ID resumes it without gap or duplicate."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis
from httpx_sse import aconnect_sse

from contract_tests.conftest import make_agent, settings_for
from contract_tests.spec_support import assert_error
from testkit.api import http_client
from testkit.processes import wait_until
from testkit.redis_clients import turn_key
from testkit.redis_server import RedisServer
from testkit.servers import ServerThread
from testkit.sse import Frame

TENANT = "truefoundry"
USER_MESSAGE = {"type": "user.message", "content": "one two three"}
# Held turns: long enough to outlast what a test does while they run (they are cancelled after).
HELD = {"chunks": 600, "delay_ms": 100}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path) as server:
        yield server


def api_client(server: ServerThread, token: str = "alice") -> httpx.Client:
    return http_client(server.base_url, token, limits=httpx.Limits(max_connections=64))


def parse(raw: bytes) -> tuple[list[Frame], str]:
    """The frames of an SSE body, and what follows its last frame separator ("" when it ended at a
    frame boundary)."""
    blocks = raw.decode().replace("\r\n", "\n").split("\n\n")
    tail = blocks.pop()
    frames = []
    for block in blocks:
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            if name:  # ":" starts a comment (the pings)
                fields[name] = value.removeprefix(" ")
        if "data" in fields:
            frames.append(Frame(int(fields["id"]), fields["event"], json.loads(fields["data"])))
    return frames, tail


class RawStream:
    """A stream read on a thread as raw bytes, so a test can see exactly how it ended."""

    def __init__(self, client: httpx.Client, url: str, *, last_event_id: int | None = None) -> None:
        self.client, self.url = client, url
        self.headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        self.chunks: list[bytes] = []
        self.status: int | None = None
        self.error: BaseException | None = None
        self.ended_at: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.client.stream("POST", self.url, json={}, headers=self.headers) as response:
                self.status = response.status_code
                for chunk in response.iter_bytes():
                    self.chunks.append(chunk)
        except BaseException as exc:  # reported by join()
            self.error = exc
        finally:
            self.ended_at = time.monotonic()

    def start(self) -> RawStream:
        self._thread.start()
        return self

    @property
    def frames(self) -> list[Frame]:
        return parse(b"".join(self.chunks))[0]

    def wait_for(self, count: int, timeout: float = 30) -> None:
        wait_until(lambda: len(self.frames) >= count or self.ended_at is not None, timeout, f"{count} frames")
        assert len(self.frames) >= count, (self.status, self.error, self.frames)

    def join(self, timeout: float = 30) -> tuple[list[Frame], str]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"stream still open after {timeout}s ({len(self.frames)} frames)"
        assert self.error is None, f"the stream broke instead of ending: {self.error!r}"
        assert self.status == 200
        return parse(b"".join(self.chunks))


def new_session(client: httpx.Client, agent: str) -> str:
    response = client.post("/agents/sessions", json={"agent_name": agent})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def start_turn(client: httpx.Client, session_id: str) -> str:
    response = client.post(
        f"/agents/sessions/{session_id}/turns", json={"input": [USER_MESSAGE], "stream": False}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def status_of(client: httpx.Client, session_id: str, turn_id: str) -> str | None:
    response = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}")
    return str(response.json()["data"]["state"]["status"]) if response.status_code == 200 else None


def subscribe_url(session_id: str, turn_id: str) -> str:
    return f"/agents/sessions/{session_id}/turns/{turn_id}/subscribe"


def logged_ids(store: redis.Redis, turn_id: str) -> list[int]:
    return [
        int(entry_id.split("-")[1])
        for entry_id, _ in store.xrange(turn_key(store, TENANT, turn_id, events=True))
    ]


def assert_whole(frames: list[Frame], ids: list[int]) -> None:
    got = [f.id for f in frames]
    assert got == ids, f"got ids {got[:5]}..{got[-5:]} ({len(got)}), the log has {len(ids)}"
    assert frames[-1].event == "turn.done"


# --- A stream ends with its turn, whatever position it starts from ---


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with api_client(server) as c:
        yield c


def test_a_subscribe_past_the_end_of_a_running_turn_ends_when_the_turn_ends(client: httpx.Client) -> None:
    make_agent(client, "slow", chunks=20, delay_ms=100)
    session_id = new_session(client, "slow")
    turn_id = start_turn(client, session_id)
    url = subscribe_url(session_id, turn_id)
    by_header = RawStream(client, url, last_event_id=1000).start()
    by_body = threading.Thread(
        target=lambda: client.post(url, json={"after_sequence_number": 1000}).raise_for_status(), daemon=True
    )
    by_body.start()
    wait_until(lambda: status_of(client, session_id, turn_id) == "done", 30, "the turn is done")
    frames, tail = by_header.join(10)
    by_body.join(10)
    assert not by_body.is_alive(), "the after_sequence_number stream outlived its turn"
    assert frames == [] and tail == ""


def test_a_resume_past_the_end_of_a_finished_turn_ends_at_once(client: httpx.Client) -> None:
    make_agent(client, "echo")
    session_id = new_session(client, "echo")
    turn_id = start_turn(client, session_id)
    wait_until(lambda: status_of(client, session_id, turn_id) == "done", 30, "the turn is done")
    last = parse(client.post(subscribe_url(session_id, turn_id), json={}).content)[0][-1].id
    for after in (last, last + 1, 10**6):
        started = time.monotonic()
        response = client.post(subscribe_url(session_id, turn_id), json={"after_sequence_number": after})
        assert response.status_code == 200 and "event:" not in response.text
        assert time.monotonic() - started < 5


# --- Caps ---


@pytest.fixture
def capped(redis_url: str) -> Iterator[ServerThread]:
    settings = settings_for(redis_url, cancel_timeout_seconds=5, max_streams_per_caller=2, max_streams=3)
    with ServerThread(settings) as running:
        yield running


def assert_too_many_streams(response: httpx.Response, words: str) -> None:
    assert_error(response, 429, code="too_many_streams")
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert int(response.headers["Retry-After"]) > 0
    assert words in response.json()["error"]["message"]


def test_the_stream_caps_answer_429_per_caller_and_per_replica_and_others_still_work(
    capped: ServerThread,
) -> None:
    with api_client(capped) as alice, api_client(capped, "bob") as bob, ExitStack() as held:
        make_agent(alice, "held", **HELD)
        make_agent(alice, "echo")
        session_id = new_session(alice, "held")
        turn_id = start_turn(alice, session_id)
        url = subscribe_url(session_id, turn_id)

        def hold(client: httpx.Client, url: str) -> httpx.Response:
            response = held.enter_context(client.stream("POST", url, json={}))
            assert response.status_code == 200
            return response

        first = hold(alice, url)
        hold(alice, url)
        # Alice holds her two: a third stream of hers is refused, and so is a streaming turn, which
        # then is not created at all.
        assert_too_many_streams(alice.post(url, json={}), "this caller")
        other = new_session(alice, "echo")
        refused = alice.post(f"/agents/sessions/{other}/turns", json={"input": [USER_MESSAGE]})
        assert_too_many_streams(refused, "this caller")
        assert alice.get(f"/agents/sessions/{other}/turns").json()["data"] == []
        # What opens no stream still works for her, and for everyone else.
        finished = subscribe_url(other, start_turn(alice, other))
        bob_session = new_session(bob, "held")
        bob_turn = start_turn(bob, bob_session)
        assert bob.post(f"/agents/sessions/{bob_session}/cancel", json={}).status_code == 200
        assert status_of(bob, bob_session, bob_turn) == "cancelled"

        # Bob's stream is the replica's third: the next anyone opens is over the replica's cap.
        bobs = subscribe_url(bob_session, start_turn(bob, bob_session))
        hold(bob, bobs)
        assert_too_many_streams(bob.post(bobs, json={}), "this server")

        # A closed stream gives its place back.
        first.close()
        wait_until(
            lambda: alice.post(finished, json={}).status_code == 200,
            10,
            "a place is free again",
        )
        for client, session in ((alice, session_id), (bob, bob_session)):
            assert client.post(f"/agents/sessions/{session}/cancel", json={}).status_code == 200


# --- Fan-out: one Redis read for many streams ---


def test_200_subscribers_share_a_redis_of_40_clients_and_each_gets_every_event(tmp_path: Path) -> None:
    small = RedisServer(tmp_path, "--maxclients", "40")
    small.start()
    settings = settings_for(small.url, cancel_timeout_seconds=5, max_streams_per_caller=500)
    try:
        with ServerThread(settings) as server, api_client(server) as alice, api_client(server, "bob") as bob:
            make_agent(alice, "fan", chunks=80, delay_ms=100)
            make_agent(alice, "held", **HELD)
            session_id = new_session(alice, "fan")
            turn_id = start_turn(alice, session_id)
            frames = asyncio.run(_subscribers(server, session_id, turn_id, 200, bob))
            store = redis.Redis.from_url(small.url, decode_responses=True)
            ids = logged_ids(store, turn_id)
            store.close()
            for got in frames:
                assert_whole(got, ids)
    finally:
        small.stop()


async def _subscribers(
    server: ServerThread, session_id: str, turn_id: str, count: int, bob: httpx.Client
) -> list[list[Frame]]:
    url = f"{server.base_url}/v1{subscribe_url(session_id, turn_id)}"
    opening = asyncio.Semaphore(10)  # opened a few at a time, as clients arrive; then all held
    opened = 0
    everyone_open = asyncio.Event()

    async def read(http: httpx.AsyncClient) -> list[Frame]:
        nonlocal opened
        got: list[Frame] = []
        await opening.acquire()
        try:
            async with aconnect_sse(http, "POST", url, json={}) as source:
                source.response.raise_for_status()
                async for sse in source.aiter_sse():
                    if not got:
                        opening.release()
                        opened += 1
                        if opened == count:
                            everyone_open.set()
                    got.append(Frame(int(sse.id), sse.event, json.loads(sse.data)))
        finally:
            if not got:
                opening.release()
                everyone_open.set()  # it failed: the gather below reports it
        return got

    limits = httpx.Limits(max_connections=count + 10)
    headers = {"Authorization": "Bearer alice"}
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=httpx.Timeout(60)) as http:
        readers = [asyncio.create_task(read(http)) for _ in range(count)]
        await asyncio.wait_for(everyone_open.wait(), 120)

        # While alice holds 200 streams, bob's turn and its cancel go through.
        def bobs_turn() -> None:
            bob_session = new_session(bob, "held")
            start_turn(bob, bob_session)
            assert bob.post(f"/agents/sessions/{bob_session}/cancel", json={}).status_code == 200

        await asyncio.to_thread(bobs_turn)
        return await asyncio.wait_for(asyncio.gather(*readers), 120)


# --- A lost Redis ends streams after a complete frame ---


@pytest.fixture
def faulty(private_redis: RedisServer) -> Iterator[ServerThread]:
    settings = settings_for(
        private_redis.url,
        cancel_timeout_seconds=5,
        heartbeat_seconds=0.2,
        executor_ttl_seconds=1.0,
        sse_ping_seconds=1,
        stream_block_seconds=1,
        stream_read_grace_seconds=1,
    )
    with ServerThread(settings) as server:
        yield server
        private_redis.signal(signal.SIGCONT)  # a hung Redis must not hang the server's shutdown


def _held_streams(client: httpx.Client, count: int) -> tuple[str, str, list[RawStream]]:
    make_agent(client, "held", **HELD)
    session_id = new_session(client, "held")
    turn_id = start_turn(client, session_id)
    streams = [RawStream(client, subscribe_url(session_id, turn_id)).start() for _ in range(count)]
    for stream in streams:
        stream.wait_for(3)
    return session_id, turn_id, streams


def _assert_ended_at_a_frame(stream: RawStream) -> list[Frame]:
    frames, tail = stream.join(20)
    assert tail == "", f"the stream ended inside a frame: {tail!r}"
    ids = [f.id for f in frames]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) >= 3
    return frames


def test_streams_end_at_a_frame_boundary_when_redis_dies_and_resume_without_gap(
    private_redis: RedisServer, faulty: ServerThread
) -> None:
    with api_client(faulty) as client:
        session_id, turn_id, streams = _held_streams(client, 5)
        private_redis.kill()
        before = [_assert_ended_at_a_frame(stream) for stream in streams]

        private_redis.start()
        wait_until(lambda: client.get(f"/agents/sessions/{session_id}").status_code == 200, 20, "it recovers")
        resumed = [
            RawStream(client, subscribe_url(session_id, turn_id), last_event_id=frames[-1].id).start()
            for frames in before
        ]
        for stream in resumed:
            stream.wait_for(1)
        # Whether it ran on or failed while Redis was away, the turn ends with this cancel.
        assert client.post(f"/agents/sessions/{session_id}/cancel", json={}).status_code == 200
        finished = [stream.join(60) for stream in resumed]
        store = redis.Redis.from_url(private_redis.url, decode_responses=True)
        ids = logged_ids(store, turn_id)
        store.close()
        for first, (rest, tail) in zip(before, finished, strict=True):
            assert tail == ""
            assert_whole(first + rest, ids)


def test_a_stream_whose_redis_hangs_ends_within_the_read_bound(
    private_redis: RedisServer, faulty: ServerThread
) -> None:
    bound = 1 + 1  # stream_block_seconds + stream_read_grace_seconds
    with api_client(faulty) as client:
        _, _, streams = _held_streams(client, 3)
        private_redis.signal(signal.SIGSTOP)
        hung_at = time.monotonic()
        try:
            for stream in streams:
                _assert_ended_at_a_frame(stream)
                assert stream.ended_at is not None
                # Pings every second would have kept a stalled stream open forever.
                assert stream.ended_at - hung_at < bound + 8, f"ended {stream.ended_at - hung_at:.1f}s after"
        finally:
            private_redis.signal(signal.SIGCONT)
