"""server/sse.py's response: a stream ends between two frames when the process stops or the client
goes, never inside one, and its source is closed either way; one ping timer serves every stream,
and an idle stream costs one task of its own (its disconnect listener), not one per concern."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from starlette.types import Message

from server import sse
from server.streams import PingWheel, Slot, StreamCaps
from server.streams.wheel import Wake


def event(n: int, kind: str = "model.message.delta") -> dict[str, Any]:
    return {"type": kind, "sequence_number": n, "delta": "x"}


class Source:
    """`ready` events, then an idle wait (an XREAD BLOCK) that answers None to each wake-up."""

    def __init__(self, ready: int) -> None:
        self.ready = ready
        self.closed = False

    async def events(self, wake: Wake) -> AsyncGenerator[dict[str, Any] | None, None]:
        try:
            for i in range(1, self.ready + 1):
                yield event(i)
            while True:
                await wake.wait()
                wake.clear()
                yield None
        finally:
            self.closed = True


class Client:
    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.gone = asyncio.Event()

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")

    @property
    def complete(self) -> bool:
        return bool(self.sent) and self.sent[-1] == {
            "type": "http.response.body",
            "body": b"",
            "more_body": False,
        }


def stream(
    source: Source, wheel: PingWheel, stop: asyncio.Event, caps: StreamCaps, requested_at: float | None = None
) -> sse.EventStream:
    slot = caps.acquire("t", "caller")
    assert isinstance(slot, Slot)

    async def feed(wake: Wake) -> sse.Feed:
        return source.events(wake)

    return sse.response(feed, slot, wheel, stop, requested_at=requested_at)


def serve(response: sse.EventStream, client: Client) -> asyncio.Task[None]:
    return asyncio.create_task(response({"type": "http"}, client.receive, client.send))


async def test_frames_are_the_spec_wire_format() -> None:
    assert sse.frame(event(7)) == (
        b'id: 7\r\nevent: model.message.delta\r\ndata: {"type":"model.message.delta",'
        b'"sequence_number":7,"delta":"x"}\r\n\r\n'
    )


async def test_ends_between_frames_when_the_process_stops_while_idle() -> None:
    source, stop, client, caps = Source(ready=2), asyncio.Event(), Client(), StreamCaps(10, 10)
    wheel = PingWheel(3600)
    task = serve(stream(source, wheel, stop, caps), client)
    await asyncio.sleep(0.05)
    assert client.body.count(b"\r\n\r\n") == 2 and not task.done()
    stop.set()
    wheel.wake_all()
    await asyncio.wait_for(task, 1)
    assert source.closed and client.complete and len(wheel) == 0
    assert caps.acquire("t", "caller") is not None  # the slot came back
    await wheel.close()


async def test_stop_already_set_sends_nothing_unless_the_first_event_is_kept() -> None:
    stop, caps, wheel = asyncio.Event(), StreamCaps(10, 10), PingWheel(3600)
    stop.set()
    plain, client = Source(ready=3), Client()
    await asyncio.wait_for(serve(stream(plain, wheel, stop, caps), client), 1)
    assert client.body == b"" and client.complete  # its source never started: nothing to close
    kept, client = Source(ready=3), Client()
    await asyncio.wait_for(serve(stream(kept, wheel, stop, caps, requested_at=0.0), client), 1)
    assert client.body == sse.frame(event(1)) and client.complete and kept.closed
    await wheel.close()


async def test_a_client_that_goes_ends_its_stream_and_closes_the_source() -> None:
    source, client, caps, wheel = Source(ready=1), Client(), StreamCaps(10, 10), PingWheel(3600)
    task = serve(stream(source, wheel, asyncio.Event(), caps), client)
    await asyncio.sleep(0.05)
    client.gone.set()
    await asyncio.wait_for(task, 1)
    assert source.closed and not client.complete  # nobody to tell
    await wheel.close()


async def test_one_ping_timer_serves_every_stream_and_each_stream_has_one_task() -> None:
    streams = 200
    stop, caps, wheel = asyncio.Event(), StreamCaps(streams, streams), PingWheel(0.2)
    before = len(asyncio.all_tasks())
    clients = [Client() for _ in range(streams)]
    tasks = [serve(stream(Source(ready=1), wheel, stop, caps), c) for c in clients]
    # Every stream pinged at least once: a tick is 0.2 s, but a busy machine may take several.
    deadline = asyncio.get_running_loop().time() + 10
    while not all(b": ping\r\n\r\n" in c.body for c in clients):
        assert asyncio.get_running_loop().time() < deadline, "not every stream was pinged in 10 s"
        await asyncio.sleep(0.05)
    # Each stream's own request task (here `serve`'s) and its disconnect listener; one wheel for all.
    assert len(asyncio.all_tasks()) - before <= 2 * streams + 1
    stop.set()
    wheel.wake_all()
    await asyncio.wait_for(asyncio.gather(*tasks), 2)
    assert all(c.complete for c in clients)
    await asyncio.sleep(0.3)
    assert len(asyncio.all_tasks()) == before  # the wheel stops once nothing is open
