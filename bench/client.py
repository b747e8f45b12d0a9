"""The harness's HTTP API as the bench uses it, and a turn's event stream read in a task."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.config import TOKEN
from testkit.api import bearer
from testkit.sse import aiter_events

# Streams go quiet between events (and a cancelled turn's stream only ends with turn.done).
STREAM_TIMEOUT = httpx.Timeout(30.0, read=None)
REQUEST_TIMEOUT = httpx.Timeout(30.0)
DELTA = "model.message.delta"
DONE = "turn.done"


def new_http_client(max_connections: int = 500) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers=bearer(TOKEN),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        timeout=REQUEST_TIMEOUT,
        # Plain HTTP to servers on 127.0.0.1; skipping the CA bundle makes a client cost 1 ms, not 25.
        verify=False,
    )


def turn_body(text: str, *, stream: bool) -> dict[str, Any]:
    return {"input": [{"type": "user.message", "content": text}], "stream": stream}


def _data(response: httpx.Response) -> dict[str, Any]:
    if response.is_error:
        request = response.request
        raise RuntimeError(f"{request.method} {request.url} -> {response.status_code}: {response.text[:500]}")
    return dict(response.json()["data"])


class HarnessApi:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url
        self.base = base_url.rstrip("/") + "/v1"

    def turns_url(self, session_id: str) -> str:
        return f"{self.base}/agents/sessions/{session_id}/turns"

    def subscribe_url(self, session_id: str, turn_id: str) -> str:
        return f"{self.base}/agents/sessions/{session_id}/turns/{turn_id}/subscribe"

    async def register_agent(self, name: str, chunks: int, delay_ms: int) -> None:
        body = {
            "name": name,
            "model": {"name": "scripted/echo", "params": {"chunks": chunks, "delay_ms": delay_ms}},
        }
        _data(await self.http.post(f"{self.base}/registry/agents", json=body))

    async def create_session(self, agent: str) -> str:
        session = _data(await self.http.post(f"{self.base}/agents/sessions", json={"agent_name": agent}))
        return str(session["id"])

    async def start_turn(self, session_id: str, text: str) -> str:
        body = turn_body(text, stream=False)
        return str(_data(await self.http.post(self.turns_url(session_id), json=body))["id"])

    async def cancel(self, session_id: str) -> int:
        """POST cancel; the status code (200 once the terminal state is recorded)."""
        return (await self.http.post(f"{self.base}/agents/sessions/{session_id}/cancel", json={})).status_code

    def subscribe(self, session_id: str, turn_id: str) -> Subscription:
        return Subscription(session_id, turn_id).start(self.http, self.subscribe_url(session_id, turn_id))


@dataclass
class Subscription:
    """A turn's SSE stream consumed in a task; `done_at` is when `turn.done` reached this process."""

    session_id: str
    turn_id: str
    deltas: int = 0
    done_at: float | None = None
    final_state: str | None = None
    error: BaseException | None = None
    first_delta: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def start(self, http: httpx.AsyncClient, url: str) -> Subscription:
        self.task = asyncio.create_task(self._consume(http, url), name=f"sse-{self.turn_id}")
        return self

    async def _consume(self, http: httpx.AsyncClient, url: str) -> None:
        try:
            # Read on to the server's end of stream, so the connection goes back to the pool.
            async for event in aiter_events(http, "POST", url, json={}, timeout=STREAM_TIMEOUT):
                if event.event == DELTA:
                    self.deltas += 1
                    self.first_delta.set()
                elif event.event == DONE:
                    self.done_at = time.perf_counter()
                    state = json.loads(event.data)["state"]
                    self.final_state = f"{state['status']}/{state.get('reason', '-')}"
        except Exception as exc:  # reported by the waiter
            self.error = exc
        finally:
            self.first_delta.set()
            self.ended.set()

    async def wait_first_delta(self) -> None:
        await self.first_delta.wait()
        if self.deltas == 0:
            raise RuntimeError(f"stream of turn {self.turn_id} ended before any delta: {self.error!r}")

    async def wait_ended(self) -> None:
        await self.ended.wait()

    async def close(self) -> None:
        if self.task and not self.task.done():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


class ClientPool:
    """Connections spread over several httpx clients of at most `per_client` each: httpcore's pool
    bookkeeping is quadratic in its connection count (encode/httpcore#1035; at 32 connections it
    was already a third of the load generator's CPU), which would make the bench, not the server,
    the bottleneck."""

    def __init__(self, connections: int, per_client: int = 8) -> None:
        count = max(1, -(-connections // per_client))
        self.clients = [new_http_client(per_client) for _ in range(count)]

    def api(self, index: int, base_urls: list[str]) -> HarnessApi:
        """The API for the `index`th request or stream: clients and API replicas taken in turn."""
        return HarnessApi(self.clients[index % len(self.clients)], base_urls[index % len(base_urls)])

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
