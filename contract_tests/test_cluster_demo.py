"""The shipped topology, really run: `make cluster-demo`'s Redis, two API replicas and two executors
behind Debian's nginx on deploy/nginx/nginx.conf. Streams, cancels and a resume on the other replica
after one is killed all go through the proxy, which proves its SSE settings (no buffering,
Last-Event-ID passed through, long reads)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.cluster_demo import Topology, nginx_binary
from testkit.api import http_client, tenant_url
from testkit.processes import wait_until
from testkit.sse import BackgroundStream, Frame, read_frames

pytestmark = pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx is not installed: `make deploy-tools` installs Debian's (needs root)",
)
SLOW_TEXT = "one two three four five six seven eight nine ten"
# Like the sample `slow-echo`, quicker: a turn of about 4 s, long enough to cancel or cut.
SLOW_AGENT = {
    "name": "demo-slow",
    "model": {"name": "scripted/echo", "params": {"chunks": 20, "delay_ms": 200}},
}


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    # A short drain keeps teardown quick; everything else is the shipped default.
    with Topology(env={"HARNESS_SHUTDOWN_GRACE_SECONDS": "1"}) as running:
        yield running


@pytest.fixture
def proxy(topology: Topology) -> Iterator[httpx.Client]:
    with http_client(tenant_url(topology.root)) as client:
        yield client


def new_session(client: httpx.Client) -> str:
    registered = client.post("/registry/agents", json=SLOW_AGENT)
    assert registered.status_code in (201, 409), registered.text
    response = client.post("/agents/sessions", json={"agent_name": SLOW_AGENT["name"]})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def stream_turn(client: httpx.Client, session_id: str, text: str = SLOW_TEXT) -> BackgroundStream:
    body = {"input": [{"type": "user.message", "content": text}]}
    return BackgroundStream(client, f"/agents/sessions/{session_id}/turns", body).start()


def assert_invariants(frames: list[Frame]) -> dict[str, Any]:
    """Sequence numbers 1..n with no gap or repeat, each its SSE id; one turn.done, last."""
    assert [f.id for f in frames] == list(range(1, len(frames) + 1)), [f.id for f in frames]
    assert [f.data["sequence_number"] for f in frames] == [f.id for f in frames]
    assert frames[0].event == "turn.created"
    assert [f.event for f in frames].count("turn.done") == 1 and frames[-1].event == "turn.done"
    return dict(frames[-1].data["state"])


def open_streams(root: str) -> float:
    """A replica's `agent_harness_sse_streams_open`, read from the replica itself, not the proxy."""
    text = httpx.get(f"{root}/metrics", timeout=5).text
    found = re.search(r"^agent_harness_sse_streams_open (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_turn_streams_through_the_proxy_event_by_event(proxy: httpx.Client) -> None:
    session_id = new_session(proxy)
    stream = stream_turn(proxy, session_id)
    stream.wait_for(3)  # turn.created, model.message, the first delta
    turn_id = stream.frames[0].data["turn_id"]
    # Events arrive while the turn still runs: nginx holds nothing back (proxy_buffering off).
    assert proxy.get(f"/agents/sessions/{session_id}/turns/{turn_id}").json()["data"]["state"]["status"] == (
        "running"
    )
    state = assert_invariants(stream.join(60))
    assert state["status"] == "done"
    text = "".join(f.data.get("content", "") for f in stream.frames if f.event == "model.message.delta")
    assert text == SLOW_TEXT


def test_cancel_through_the_proxy(proxy: httpx.Client) -> None:
    session_id = new_session(proxy)
    stream = stream_turn(proxy, session_id)
    stream.wait_for(4)
    response = proxy.post(f"/agents/sessions/{session_id}/cancel")
    assert response.status_code == 200, response.text
    state = assert_invariants(stream.join(30))
    assert (state["status"], state.get("reason")) == ("cancelled", "client-cancelled")
    assert proxy.post(f"/agents/sessions/{session_id}/cancel").status_code == 200  # nothing runs: still 200


def test_a_stream_resumes_on_the_other_replica_after_its_replica_is_killed(
    topology: Topology, proxy: httpx.Client
) -> None:
    session_id = new_session(proxy)
    stream = stream_turn(proxy, session_id)
    stream.wait_for(4)
    turn_id = stream.frames[0].data["turn_id"]
    wait_until(
        lambda: sorted(open_streams(api.root) for api in topology.apis) == [0, 1],
        10,
        "one replica holds the stream",
    )
    holder = next(api for api in topology.apis if open_streams(api.root) == 1)
    holder.kill()  # SIGKILL: no clean end of the stream, as when a machine vanishes
    with contextlib.suppress(httpx.HTTPError):  # the cut connection a client sees before it resumes
        stream.join(30)
    seen = list(stream.frames)
    assert seen and seen[-1].event != "turn.done", "the turn should still be running"

    # The client resumes through the same proxy, which can only reach the surviving replica; the
    # Last-Event-ID header has to arrive there for the replay to start after the last event seen.
    rest = read_frames(
        proxy,
        "POST",
        f"/agents/sessions/{session_id}/turns/{turn_id}/subscribe",
        headers={"Last-Event-ID": str(seen[-1].id)},
    )
    assert rest[0].id == seen[-1].id + 1
    state = assert_invariants(seen + rest)
    assert state["status"] == "done"
    text = "".join(f.data.get("content", "") for f in seen + rest if f.event == "model.message.delta")
    assert text == SLOW_TEXT

    # Cancels and new turns keep working through the proxy with one replica gone.
    other = new_session(proxy)
    running = stream_turn(proxy, other)
    running.wait_for(3)
    assert proxy.post(f"/agents/sessions/{other}/cancel").status_code == 200
    assert assert_invariants(running.join(30))["status"] == "cancelled"

    holder.start()  # back for whatever runs after this test
    wait_until(
        lambda: httpx.get(f"{holder.root}/readyz", timeout=2).status_code == 200, 30, "replica is back"
    )
