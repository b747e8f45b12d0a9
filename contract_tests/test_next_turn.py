"""The next-turn choice (`if_running`): a new turn while one runs is refused (the default) or
interrupts it, across two API replicas and executors in processes of their own."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from contract_tests.test_executors import Cluster, assert_one_terminal_and_no_gaps, running_turns
from server.store import keys
from testkit.processes import ExecutorProcess, wait_until
from testkit.sse import BackgroundStream, read_frames

ACROSS_DEPLOYMENTS = True
NEXT_TURN = {"status": "cancelled", "reason": "cancelled-for-next-turn"}


class NextTurnCluster(Cluster):
    """The executors' cluster with executor ids of its own: cancel channels are Redis pub/sub, which
    is server-wide, not per logical DB, so an `exa` of another test run on the same Redis would
    hear a cancel meant for a killed `exa` of ours."""

    def __init__(self, redis_url: str) -> None:
        super().__init__(redis_url)
        run = secrets.token_hex(4)
        self.executors = {f"nt{run}{n}": ExecutorProcess(f"nt{run}{n}", self.env) for n in "ab"}


@pytest.fixture(scope="module")
def cluster(redis_url: str) -> Iterator[Cluster]:
    running = NextTurnCluster(redis_url).start()
    yield running
    running.stop()


@pytest.fixture
def clients(cluster: Cluster, flush_redis: redis.Redis) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    cluster.ensure_executors()
    wait_until(
        lambda: set(flush_redis.zrange(keys.executors(), 0, -1)) == set(cluster.executors),
        10,
        "both executors are registered again",
    )
    a, b = cluster.client(0), cluster.client(1)
    yield a, b
    a.close()
    b.close()


def new_session(
    client: httpx.Client,
    name: str = "slow",
    *,
    config: dict[str, Any] | None = None,
    chunks: int = 40,
    delay_ms: int = 100,
    **params: int,
) -> str:
    manifest: dict[str, Any] = {
        "name": name,
        "model": {"name": "scripted/echo", "params": {"chunks": chunks, "delay_ms": delay_ms, **params}},
    }
    if config is not None:
        manifest["config"] = config
    created = client.post("/registry/agents", json=manifest)
    assert created.status_code == 201, created.text
    response = client.post("/agents/sessions", json={"agent_name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def turn_body(text: str, **fields: Any) -> dict[str, Any]:
    return {"input": [{"type": "user.message", "content": text}], **fields}


def stream_turn(client: httpx.Client, session_id: str, **fields: Any) -> BackgroundStream:
    body = turn_body("a b c d e f g h i j k l m n o p", **fields)
    return BackgroundStream(client, f"/agents/sessions/{session_id}/turns", body).start()


def create_json(client: httpx.Client, session_id: str, text: str, **fields: Any) -> httpx.Response:
    return client.post(f"/agents/sessions/{session_id}/turns", json=turn_body(text, stream=False, **fields))


def turn_of(client: httpx.Client, session_id: str, turn_id: str) -> dict[str, Any]:
    response = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def replay(client: httpx.Client, session_id: str, turn_id: str) -> dict[str, Any]:
    """The turn's whole log from any replica: one `turn.done`, no gaps; its final state."""
    frames = read_frames(client, "POST", f"/agents/sessions/{session_id}/turns/{turn_id}/subscribe", json={})
    return assert_one_terminal_and_no_gaps(frames)


def turn_ids(client: httpx.Client, session_id: str) -> list[str]:
    listing = client.get(f"/agents/sessions/{session_id}/turns", params={"limit": 25})
    assert listing.status_code == 200, listing.text
    return [turn["id"] for turn in listing.json()["data"]]


def test_interrupt_through_another_replica_cancels_for_the_next_turn_which_chains_from_it(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(b)
    first = stream_turn(b, session_id)
    first.wait_for(4)  # turn.created, model.message, two deltas

    response = create_json(a, session_id, "never mind, this instead", if_running="interrupt")

    assert response.status_code == 200, response.text
    second = response.json()["data"]
    # The interrupted turn's terminal state was recorded before the new turn existed.
    assert second["previous_turn_id"] == first.turn_id
    state = assert_one_terminal_and_no_gaps(first.join())
    assert state == {**state, **NEXT_TURN}
    assert any(f.event == "model.message.delta" for f in first.frames)  # its partial answer stays
    assert turn_of(b, session_id, first.turn_id)["state"] == state
    assert replay(b, session_id, first.turn_id) == state
    assert replay(a, session_id, second["id"])["status"] == "done"
    assert turn_ids(b, session_id) == [second["id"], first.turn_id]


def test_without_the_field_a_new_turn_is_still_refused_with_409(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(b)
    running = stream_turn(b, session_id)
    running.wait_for(2)

    response = create_json(a, session_id, "hello?")

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "turn_running"
    assert "if_running" in response.json()["error"]["message"]
    rejected = create_json(a, session_id, "hello?", if_running="reject")
    assert rejected.status_code == 409 and rejected.json()["error"]["code"] == "turn_running"
    assert a.post(f"/agents/sessions/{session_id}/cancel").status_code == 200
    assert assert_one_terminal_and_no_gaps(running.join())["reason"] == "client-cancelled"
    assert turn_ids(a, session_id) == [running.turn_id]


def test_the_agent_default_interrupt_applies_and_the_request_reject_overrides_it(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(a, "eager", config={"if_running": "interrupt"})
    agent = a.get("/registry/agents/eager").json()["data"]
    assert agent["manifest"]["config"]["if_running"] == "interrupt"
    first = stream_turn(a, session_id)
    first.wait_for(3)

    second = create_json(b, session_id, "supersede by the agent's default")

    assert second.status_code == 200, second.text
    state = assert_one_terminal_and_no_gaps(first.join())
    assert state == {**state, **NEXT_TURN}
    second_id = second.json()["data"]["id"]
    assert second.json()["data"]["previous_turn_id"] == first.turn_id

    refused = create_json(a, session_id, "but not this one", if_running="reject")

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "turn_running"
    assert turn_of(a, session_id, second_id)["state"]["status"] == "running"
    assert a.post(f"/agents/sessions/{session_id}/cancel").status_code == 200


def test_an_agent_without_the_setting_rejects_by_default(clients: tuple[httpx.Client, httpx.Client]) -> None:
    a, _ = clients
    new_session(a)
    assert a.get("/registry/agents/slow").json()["data"]["manifest"]["config"]["if_running"] == "reject"


def test_an_unknown_choice_is_refused_with_400_naming_the_field(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, _ = clients
    session_id = new_session(a)

    response = create_json(a, session_id, "hi", if_running="enqueue")

    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "if_running"
    assert turn_ids(a, session_id) == []


def test_an_executor_ignoring_the_cancel_answers_424_and_no_new_turn_is_created(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(b, chunks=5, delay_ms=1000, ignore_cancel_ms=3000)
    stubborn = stream_turn(b, session_id)
    stubborn.wait_for(2)

    response = create_json(a, session_id, "replace it", if_running="interrupt")

    assert response.status_code == 424, response.text
    error = response.json()["error"]
    assert error["code"] == "cancel_not_acknowledged" and "no new turn was created" in error["message"]
    assert turn_ids(a, session_id) == [stubborn.turn_id]
    # The cancel request stays recorded: the executor acts on it as soon as it gives in.
    state = assert_one_terminal_and_no_gaps(stubborn.join())
    assert state == {**state, **NEXT_TURN}
    assert create_json(a, session_id, "now").status_code == 200


def test_interrupting_a_dead_executors_turn_finalises_it_and_starts_the_next(
    cluster: Cluster, clients: tuple[httpx.Client, httpx.Client]
) -> None:
    a, b = clients
    session_id = new_session(a)
    orphan = stream_turn(a, session_id)
    orphan.wait_for(3)
    cluster.executors[orphan.turn_id.rsplit(".", 1)[1]].kill()

    response = create_json(b, session_id, "carry on elsewhere", if_running="interrupt")

    assert response.status_code == 200, response.text
    assert response.json()["data"]["previous_turn_id"] == orphan.turn_id
    state = assert_one_terminal_and_no_gaps(orphan.join())
    assert state == {**state, **NEXT_TURN}
    assert replay(b, session_id, response.json()["data"]["id"])["status"] == "done"


def test_two_concurrent_interrupts_start_one_turn_at_a_time_and_the_last_keeps_running(
    clients: tuple[httpx.Client, httpx.Client], flush_redis: redis.Redis
) -> None:
    a, b = clients
    session_id = new_session(a)
    first = stream_turn(a, session_id)
    first.wait_for(3)
    seen_running: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        # Every turn's status in one atomic Lua step: a true snapshot of how many run at once.
        while not stop.is_set():
            seen_running.append(running_turns(flush_redis))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(
            pool.map(
                lambda client: create_json(client, session_id, "me first", if_running="interrupt"), (a, b)
            )
        )
    created = [r.json()["data"] for r in responses]
    for response in responses:
        assert response.status_code == 200, response.text
    # Of the two, the one started first chains from the original turn and was interrupted by the other.
    earlier, later = sorted(created, key=lambda turn: turn["previous_turn_id"] != first.turn_id)
    assert earlier["previous_turn_id"] == first.turn_id
    assert later["previous_turn_id"] == earlier["id"]
    assert replay(b, session_id, later["id"])["status"] == "done"
    stop.set()
    watcher.join()

    assert seen_running and max(seen_running) <= 1
    for state in (assert_one_terminal_and_no_gaps(first.join()), replay(a, session_id, earlier["id"])):
        assert state == {**state, **NEXT_TURN}
    assert turn_ids(a, session_id) == [later["id"], earlier["id"], first.turn_id]


def test_many_concurrent_creates_mixing_choices_never_run_two_turns(
    clients: tuple[httpx.Client, httpx.Client], flush_redis: redis.Redis
) -> None:
    a, b = clients
    session_id = new_session(a, chunks=4, delay_ms=50)
    seen_running: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen_running.append(running_turns(flush_redis))

    def create(i: int) -> httpx.Response:
        choice = "interrupt" if i % 2 else "reject"
        response = create_json((a, b)[i % 3 % 2], session_id, f"turn {i}", if_running=choice)
        assert response.status_code in (200, 409), response.text
        if response.status_code == 409:
            # A rejecting request finds a turn running; an interrupting one only loses a long race.
            assert response.json()["error"]["code"] in (
                ("turn_running",) if choice == "reject" else ("turn_chain_contention",)
            ), response.text
        return response

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(create, range(24)))
    wait_until(lambda: a.post(f"/agents/sessions/{session_id}/cancel").status_code == 200, 20, "idle")
    stop.set()
    watcher.join()

    assert max(seen_running) <= 1
    started = {r.json()["data"]["id"] for r in responses if r.status_code == 200}
    assert sum(1 for i, r in enumerate(responses) if i % 2 and r.status_code == 200) >= 6
    chain = turn_ids(a, session_id)
    assert set(chain) == started  # every created turn is on the one chain, none forked off it
    for turn_id in chain:
        state = replay(a, session_id, turn_id)
        assert state["status"] in ("done", "cancelled")
