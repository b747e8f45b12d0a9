"""The fan-out's readers against real Redis deployments: no read names more than 256 logs, a wake
re-issues only the woken reader's read, and in a Redis Cluster (three primaries started here) each
read stays in one slot on the node that serves it, follows a slot that moves, and a lost node ends
only the streams it fed."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import redis
import redis.cluster
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from contract_tests.conftest import settings_for
from server.store.embedded import redis_server_binary
from server.store.logs import MAX_LOGS_PER_READ, key_slot
from server.store.redis import Store, Zone
from server.streams.fanout import Fanout
from testkit.processes import free_ports, wait_until

PREFIX = "ah:readertest"
"""Every log of these tests starts so: MONITOR shows other tests' commands too."""
Event = dict[str, Any]


def log_key(name: str) -> str:
    return f"{PREFIX}:{name}:events"


def entry(seq: int, kind: str = "model.delta") -> dict[Any, Any]:
    return {"e": json.dumps({"type": kind, "sequence_number": seq})}


async def wait_for(condition: Callable[[], Any], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting until {what}")
        await asyncio.sleep(0.02)


class Follower:
    """One stream's events, read from the fan-out in a task of its own."""

    def __init__(self, fanout: Fanout, key: str, after: int) -> None:
        self.key = key
        self.events: list[Event] = []
        self.task = asyncio.create_task(self._read(fanout, after))

    async def _read(self, fanout: Fanout, after: int) -> None:
        async for event in fanout.follow(self.key, after, after):
            self.events.append(event)

    @property
    def seqs(self) -> list[int]:
        return [e["sequence_number"] for e in self.events]


def blocked_readers(client: redis.Redis) -> list[dict[str, Any]]:
    """This Redis's connections blocked in XREAD (of any test DB: filter by `db`)."""
    return [c for c in client.client_list() if c.get("cmd") == "xread" and "b" in c.get("flags", "")]


def named_logs(command: str) -> list[str]:
    args = command.split()
    rest = args[[a.upper() for a in args].index("STREAMS") + 1 :]
    return rest[: len(rest) // 2]


@asynccontextmanager
async def monitored(url: str) -> AsyncIterator[list[list[str]]]:
    """The logs each XREAD names that Redis receives meanwhile (ours only: they name PREFIX)."""
    reads: list[list[str]] = []
    client = Redis.from_url(url, decode_responses=True)

    async def listen(monitor: Any) -> None:
        while True:
            command = (await monitor.next_command())["command"]
            if command.upper().startswith("XREAD ") and PREFIX in command:
                reads.append(named_logs(command))

    async with client.monitor() as monitor:
        listener = asyncio.create_task(listen(monitor))
        try:
            yield reads
        finally:
            listener.cancel()
            with suppress(asyncio.CancelledError, redis.RedisError):
                await listener
    await client.aclose()


# --- One Redis: readers of at most 256 logs, woken alone ---


async def test_no_read_names_over_256_logs_and_a_wake_reissues_only_the_woken_read(redis_url: str) -> None:
    settings = settings_for(redis_url, stream_block_seconds=30)
    store = await Store.open(redis_url, "home")
    fanout = Fanout(store, settings)
    sync = redis.Redis.from_url(redis_url, decode_responses=True)
    db = int(sync.connection_pool.connection_kwargs.get("db", 0))
    count = 2 * MAX_LOGS_PER_READ + 88
    try:
        keys = [log_key(f"t{i}") for i in range(count + 1)]
        with sync.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.xadd(key, entry(1, "turn.created"), id="0-1")
            pipe.execute()
        followers = [Follower(fanout, key, 1) for key in keys[:count]]

        async def readers_blocked(n: int) -> bool:
            return len([c for c in blocked_readers(sync) if int(c["db"]) == db]) == n

        # 600 logs: three reads (256, 256, 88), each on a connection of its own.
        await wait_for(lambda: readers_blocked(3), 10, "three readers block")

        async with monitored(redis_url) as reads:
            # A delta on one log wakes one reader: it alone reads again.
            sync.xadd(keys[0], entry(2), id="0-2")

            async def delivered() -> bool:
                return followers[0].seqs == [2]

            await wait_for(delivered, 5, "the delta reaches its stream")
            await wait_for(lambda: readers_blocked(3), 5, "the woken reader blocks again")
            assert len(reads) == 1, f"{len(reads)} reads re-issued for one delta"
            assert keys[0] in reads[0] and len(reads[0]) <= MAX_LOGS_PER_READ

            # A newly watched log joins the reader with room, and wakes that reader alone.
            followers.append(Follower(fanout, keys[count], 1))

            async def named_the_new_log() -> bool:
                return any(keys[count] in read for read in reads)

            await wait_for(named_the_new_log, 5, "a read names the new log")
            await wait_for(lambda: readers_blocked(3), 5, "the readers block again")
            assert len(reads) == 2, f"{len(reads) - 1} reads re-issued for one new watch"
            assert len(reads[1]) == 88 + 1
        assert all(len(read) <= MAX_LOGS_PER_READ for read in reads)

        # Every stream still gets its log's end, whichever reader feeds it.
        with sync.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.xadd(key, entry(3, "turn.done"), id="0-3")
            pipe.execute()
        await asyncio.wait_for(asyncio.gather(*(f.task for f in followers)), 20)
        assert followers[0].seqs == [2, 3]
        assert all(f.seqs == [3] for f in followers[1:])
        await wait_for(lambda: readers_blocked(0), 10, "the readers go once nothing is watched")
    finally:
        await fanout.close()
        await store.close()
        sync.close()


# --- Redis Cluster: three primaries on loopback ---


@dataclass
class Node:
    port: int
    process: subprocess.Popen[bytes]

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)

    @property
    def node_id(self) -> str:
        with self.client() as c:
            return str(c.execute_command("CLUSTER MYID"))


class Cluster:
    def __init__(self, directory: Path, primaries: int = 3, replicas: int = 0) -> None:
        self.directory = directory
        self.replicas = replicas
        self.nodes: list[Node] = []
        for port in free_ports(primaries * (1 + replicas), with_bus=True):
            process = subprocess.Popen(
                [
                    redis_server_binary(),
                    *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
                    *("--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf"),
                    *("--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no"),
                    *("--save", "", "--appendonly", "no"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.nodes.append(Node(port, process))

    def create(self, redis_cli: str) -> None:
        for node in self.nodes:
            wait_until(lambda n=node: _pings(n), 10, f"node {node.port} answers")  # type: ignore[misc]
        subprocess.run(
            [
                redis_cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{n.port}" for n in self.nodes),
                *("--cluster-replicas", str(self.replicas), "--cluster-yes"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        wait_until(self.ok, 20, "the cluster is ok on every node")

    def ok(self) -> bool:
        for node in self.nodes:
            if node.process.poll() is not None:
                continue
            with node.client() as c:
                if c.cluster("info")["cluster_state"] != "ok":
                    return False
        return True

    def node_of(self, key: str) -> Node:
        """The primary serving `key`'s slot now, as the cluster says."""
        alive = next(n for n in self.nodes if n.process.poll() is None)
        with redis.cluster.RedisCluster(host="127.0.0.1", port=alive.port) as client:
            port = client.get_node_from_key(key).port
        return next(n for n in self.nodes if n.port == int(port))

    def stop(self) -> None:
        for node in self.nodes:
            if node.process.poll() is None:
                node.process.kill()
                node.process.wait(10)


def _pings(node: Node) -> bool:
    try:
        with node.client() as c:
            return bool(c.ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    redis_cli = shutil.which("redis-cli")
    if redis_cli is None:
        pytest.skip("redis-cli is not installed: it creates the test cluster")
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.create(redis_cli)
        yield running
    finally:
        running.stop()


@asynccontextmanager
async def cluster_fanout(cluster: Cluster, redis_url: str, **overrides: Any) -> AsyncIterator[Fanout]:
    client = RedisCluster(
        host="127.0.0.1", port=cluster.nodes[0].port, decode_responses=True, socket_timeout=3
    )
    # A zone's clients are a RedisCluster in cluster mode (server/store/redis.py builds them so).
    zone = Zone("home", cast(Redis, client), cast(Redis, client))
    fanout = Fanout(Store(zone), settings_for(redis_url, **overrides))
    try:
        yield fanout
    finally:
        await fanout.close()
        await client.aclose()


def session_log(i: int) -> str:
    # Hash-tagged with the session, as a session's keys are: one slot per session.
    return f"{PREFIX}:{{s{i}}}:turn:u{i}:events"


async def test_in_a_cluster_each_read_names_one_slot_on_the_node_that_serves_it(
    cluster: Cluster, redis_url: str
) -> None:
    keys = [session_log(i) for i in range(60)]
    assert len({key_slot(k) for k in keys}) == len(keys)
    by_node = {key: cluster.node_of(key) for key in keys}
    for key in keys:
        with by_node[key].client() as c:
            c.delete(key)
            c.xadd(key, entry(1, "turn.created"), id="0-1")
    async with cluster_fanout(cluster, redis_url, stream_block_seconds=30) as fanout:
        followers = [Follower(fanout, key, 1) for key in keys]

        async def one_read_per_slot() -> bool:
            for node in cluster.nodes:
                with node.client() as c:
                    expected = sum(1 for n in by_node.values() if n is node)
                    if len(blocked_readers(c)) != expected:
                        return False
            return True

        await wait_for(one_read_per_slot, 20, "each node holds one blocked read per watched slot")
        for key in keys:
            with by_node[key].client() as c:
                c.xadd(key, entry(2), id="0-2")
                c.xadd(key, entry(3, "turn.done"), id="0-3")
        await asyncio.wait_for(asyncio.gather(*(f.task for f in followers)), 20)
        assert all(f.seqs == [2, 3] for f in followers), [f.seqs for f in followers if f.seqs != [2, 3]]


def _move_slot(cluster: Cluster, slot: int, source: Node, target: Node) -> None:
    """What `redis-cli --cluster reshard` does for one slot: import, migrate its keys, hand over."""
    with source.client() as src, target.client() as dst:
        source_id, target_id = source.node_id, target.node_id
        dst.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id)
        src.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id)
        while moving := src.execute_command("CLUSTER GETKEYSINSLOT", slot, 100):
            src.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *moving)
        for node in cluster.nodes:
            with node.client() as c:
                c.execute_command("CLUSTER SETSLOT", slot, "NODE", target_id)


async def test_a_stream_whose_slot_moves_to_another_node_goes_on_there(
    cluster: Cluster, redis_url: str
) -> None:
    key = session_log(1000)
    source = cluster.node_of(key)
    target = next(n for n in cluster.nodes if n is not source)
    with source.client() as c:
        c.delete(key)
        c.xadd(key, entry(1, "turn.created"), id="0-1")
    async with cluster_fanout(cluster, redis_url, stream_block_seconds=30) as fanout:
        follower = Follower(fanout, key, 1)

        async def reading_on(node: Node) -> bool:
            with node.client() as c:
                return len(blocked_readers(c)) == 1

        await wait_for(lambda: reading_on(source), 10, "the read blocks on the slot's node")
        with source.client() as c:
            c.xadd(key, entry(2), id="0-2")
        _move_slot(cluster, key_slot(key), source, target)
        # Redis answers a read blocked on a slot it no longer serves with MOVED: the reader goes there.
        await wait_for(lambda: reading_on(target), 10, "the read blocks on the slot's new node")
        with target.client() as c:
            c.xadd(key, entry(3), id="0-3")
            c.xadd(key, entry(4, "turn.done"), id="0-4")
        await asyncio.wait_for(follower.task, 10)
        assert follower.seqs == [2, 3, 4]


async def test_a_lost_cluster_node_ends_its_streams_at_an_event_and_no_others(
    tmp_path: Path, redis_url: str
) -> None:
    redis_cli = shutil.which("redis-cli")
    if redis_cli is None:
        pytest.skip("redis-cli is not installed: it creates the test cluster")
    cluster = Cluster(tmp_path)
    try:
        cluster.create(redis_cli)
        keys = [session_log(i) for i in range(30)]
        by_node = {key: cluster.node_of(key) for key in keys}
        for key in keys:
            with by_node[key].client() as c:
                c.xadd(key, entry(1, "turn.created"), id="0-1")
                c.xadd(key, entry(2), id="0-2")
        lost = by_node[keys[0]]
        async with cluster_fanout(
            cluster, redis_url, stream_block_seconds=1, stream_read_grace_seconds=1
        ) as fanout:
            followers = [Follower(fanout, key, 0) for key in keys]

            async def all_read() -> bool:
                return all(f.seqs == [1, 2] for f in followers)

            await wait_for(all_read, 10, "every stream has its first events")
            os.kill(lost.process.pid, signal.SIGKILL)
            lost.process.wait(10)
            killed_at = time.monotonic()
            ended = [f for f in followers if by_node[f.key] is lost]
            await asyncio.wait_for(asyncio.gather(*(f.task for f in ended)), 1 + 1 + 5)
            assert time.monotonic() - killed_at < 1 + 1 + 5
            assert all(f.seqs == [1, 2] for f in ended)
            # The other nodes' streams never noticed.
            others = [f for f in followers if by_node[f.key] is not lost]
            assert others and not any(f.task.done() for f in others)
            for follower in others:
                with by_node[follower.key].client() as c:
                    c.xadd(follower.key, entry(3, "turn.done"), id="0-3")
            await asyncio.wait_for(asyncio.gather(*(f.task for f in others)), 10)
            assert all(f.seqs == [1, 2, 3] for f in others)
    finally:
        cluster.stop()


async def test_after_a_failover_a_stream_of_the_lost_primary_resumes_on_the_promoted_replica(
    tmp_path: Path, redis_url: str
) -> None:
    redis_cli = shutil.which("redis-cli")
    if redis_cli is None:
        pytest.skip("redis-cli is not installed: it creates the test cluster")
    cluster = Cluster(tmp_path, primaries=3, replicas=1)
    try:
        cluster.create(redis_cli)
        key = session_log(7)
        primary = cluster.node_of(key)
        with primary.client() as c:
            c.xadd(key, entry(1, "turn.created"), id="0-1")
            c.xadd(key, entry(2), id="0-2")
            c.execute_command("WAIT", 1, 5000)  # on its replica too
        async with cluster_fanout(
            cluster, redis_url, stream_block_seconds=1, stream_read_grace_seconds=1
        ) as fanout:
            before = Follower(fanout, key, 0)

            async def read_both() -> bool:
                return before.seqs == [1, 2]

            await wait_for(read_both, 10, "the stream has its first events")
            os.kill(primary.process.pid, signal.SIGKILL)
            primary.process.wait(10)
            # The stream ends at an event, as with any lost Redis; its client resumes after event 2.
            await asyncio.wait_for(before.task, 1 + 1 + 5)
            assert before.seqs == [1, 2]
            wait_until(
                lambda: cluster.node_of(key) is not primary and cluster.ok(), 30, "a replica is promoted"
            )
            after = Follower(fanout, key, 2)
            with cluster.node_of(key).client() as c:
                c.xadd(key, entry(3), id="0-3")
                c.xadd(key, entry(4, "turn.done"), id="0-4")
            # The new reader asked the cluster again: it reads from the promoted replica.
            await asyncio.wait_for(after.task, 10)
            assert after.seqs == [3, 4]
    finally:
        cluster.stop()
