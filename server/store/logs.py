"""The SSE fan-out's side of Redis: where each turn log lives, the blocking readers' own
connections, and every command the fan-out sends (XREAD BLOCK, XRANGE, EXISTS, CLIENT ID/UNBLOCK).

A log's *group* is what may share one XREAD: in a cluster the logs of one hash slot (a multi-key
command must stay in one slot, and a session's keys share its slot), on one standalone Redis all
logs alike. `server/streams/` splits each group further so no read names more than
`MAX_LOGS_PER_READ` logs.

Each reader connection is outside the zone's pools, to the node that holds its group, with a read
timeout of the block plus a grace: no answer by then means that node is lost. It never reconnects
silently (its client id is what CLIENT UNBLOCK names): a broken one raises, and the caller decides.
A slot that moved (MOVED, ASK, TRYAGAIN while a slot migrates) raises `Rerouted`: the slot map is
updated, and the same positions are read again from the node that holds the slot now.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.backoff import NoBackoff
from redis.crc import key_slot as _crc16_slot
from redis.exceptions import AskError, MovedError, RedisClusterException, RedisError, TryAgainError

from server.store import keys
from server.store.redis import StreamEntry

Event = dict[str, Any]
Client = Redis | RedisCluster
MAX_LOGS_PER_READ = 256
"""The most logs one XREAD names: what one wake costs Redis and us, whatever else is watched."""
READ_COUNT = 256
"""Entries per log per read, and per replay page: bounds one reply's size."""
# What a reader's own connection copies from the zone's pool (or the cluster node): where Redis is
# and how to log in; everything else (timeouts, retries) is the reader's own.
_ADDRESS_FIELDS = {"host", "port", "db", "username", "password", "path", "client_name", "protocol"}
LOST_ERRORS = (RedisError, RedisClusterException, OSError)
"""What a lost (refused, reset, hung) node raises to a reader."""


def key_slot(key: str) -> int:
    """The cluster hash slot of `key` (CRC16 of its hash tag, as Redis computes it)."""
    return _crc16_slot(key.encode())


class Rerouted(Exception):
    """The slot of a reader's logs is served elsewhere now: read the same positions there."""

    def __init__(self, cause: AskError | TryAgainError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class LogRead:
    key: str
    last: int
    """Sequence number of the last entry read."""
    events: list[Event]


def _decode(entries: list[StreamEntry]) -> list[Event]:
    return [json.loads(fields["e"]) for _, fields in entries]


class LogReader:
    """One blocking connection to the node that holds one group of logs."""

    def __init__(self, redis: Redis, client_id: int, node: ClusterNode | None) -> None:
        self._redis = redis
        self.client_id = client_id
        self.node = node
        """The cluster node it reads from (None on a standalone Redis): CLIENT UNBLOCK goes there."""

    async def read(self, positions: dict[str, int], block_ms: int) -> list[LogRead]:
        """XREAD BLOCK of every log in `positions` after its position."""
        streams = {key: keys.event_stream_id(position) for key, position in positions.items()}
        try:
            reply = await self._redis.xread(streams, block=block_ms, count=READ_COUNT)  # type: ignore[arg-type]
        except (AskError, TryAgainError) as exc:  # MovedError is an AskError
            raise Rerouted(exc) from exc
        found = cast(list[tuple[str, list[StreamEntry]]], reply or [])
        return [
            LogRead(key, keys.sequence_of(entries[-1][0]), _decode(entries))
            for key, entries in found
            if entries
        ]

    async def existing(self, logs: Sequence[str]) -> list[bool]:
        """Which of `logs` still exist (all in this reader's slot: one pipeline)."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in logs:
                    pipe.exists(key)
                found = await pipe.execute()
        except (AskError, TryAgainError) as exc:
            raise Rerouted(exc) from exc
        return [bool(n) for n in found]

    async def close(self) -> None:
        async with asyncio.timeout(1):
            await self._redis.aclose()


class Logs:
    """The turn logs of one zone, as the fan-out reads them."""

    def __init__(self, client: Client, *, connect_seconds: float, read_seconds: float) -> None:
        self.client = client
        self.cluster = isinstance(client, RedisCluster)
        self._connect_seconds = connect_seconds
        self._read_seconds = read_seconds
        self._stale_map = False

    def group_of(self, key: str) -> int | None:
        """What `key` may share an XREAD with: its slot in a cluster, everything otherwise."""
        return key_slot(key) if self.cluster else None

    async def open_reader(self, key: str) -> LogReader:
        """A blocking connection to the node holding `key` (and its group), and its client id."""
        node: ClusterNode | None = None
        connection_class: type[AbstractConnection]
        if isinstance(self.client, RedisCluster):
            async with asyncio.timeout(self._connect_seconds):
                await self.client.initialize()
                if self._stale_map:
                    self._stale_map = False
                    await self.client.nodes_manager.initialize()
            node = self.client.get_node_from_key(key)
            if node is None:  # pragma: no cover - only asked for a replica
                raise RedisClusterException(f"no node serves the slot of {key!r}")
            address, connection_class = node.connection_kwargs, node.connection_class
        else:
            zone = self.client.connection_pool
            address, connection_class = zone.connection_kwargs, zone.connection_class
        own = {
            "connection_class": connection_class,
            "max_connections": 1,
            "decode_responses": True,
            "socket_connect_timeout": self._connect_seconds,
            "socket_timeout": self._read_seconds,
            "health_check_interval": 0,
            # A silent reconnect would change the client id the wake-ups name: fail instead.
            "retry": Retry(NoBackoff(), 0),
            **{k: v for k, v in address.items() if k in _ADDRESS_FIELDS or k.startswith("ssl")},
        }
        pool: ConnectionPool
        sentinel = None if isinstance(self.client, RedisCluster) else self.client.connection_pool
        if isinstance(sentinel, SentinelConnectionPool):
            # Sentinel: the primary's address is the sentinels' answer at connect time, not a field.
            unplaced = {k: v for k, v in own.items() if k not in ("host", "port")}
            pool = SentinelConnectionPool(  # type: ignore[no-untyped-call]
                sentinel.service_name, sentinel.sentinel_manager, is_master=True, **unplaced
            )
        else:
            pool = ConnectionPool(**own)
        redis = Redis.from_pool(pool)
        try:
            return LogReader(redis, int(await redis.client_id()), node)
        except BaseException:
            await redis.aclose()
            raise

    async def unblock(self, reader: LogReader) -> bool:
        """CLIENT UNBLOCK the reader's XREAD (on its node); False when it was not blocked yet."""
        if isinstance(self.client, RedisCluster):
            if reader.node is None:  # pragma: no cover - a cluster reader always has its node
                return False
            done = await self.client.execute_command(
                "CLIENT UNBLOCK", reader.client_id, target_nodes=reader.node
            )
        else:
            done = await self.client.client_unblock(reader.client_id)
        return bool(done)

    async def rerouted(self, exc: Rerouted) -> None:
        """Learn where the slot went: MOVED names the new owner; otherwise ask the cluster again."""
        if not isinstance(self.client, RedisCluster):
            return
        async with asyncio.timeout(self._connect_seconds):
            if isinstance(exc.cause, MovedError):
                await self.client.nodes_manager.move_slot(exc.cause)
            else:
                await asyncio.sleep(0.05)  # a migration in progress: its keys settle on one node

    def lost(self) -> None:
        """A node was lost: the next reader asks the cluster which nodes serve which slots (after a
        failover, the promoted replica serves the lost primary's)."""
        self._stale_map = self.cluster

    async def replay(self, key: str, after: int, upto: int | None) -> list[Event]:
        """At most READ_COUNT events with `after` < sequence number <= `upto` (None: no bound)."""
        high = "+" if upto is None else keys.event_stream_id(upto)
        entries = await self.client.xrange(
            key, min=f"({keys.event_stream_id(after)}", max=high, count=READ_COUNT
        )
        return _decode(cast(list[StreamEntry], entries))
