"""bench/: the parts whose mistakes would silently skew the figures (no timing here)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bench.config import FULL_LOAD, QUICK_LOAD, with_env_overrides
from bench.document import BEGIN, END, PEERS_BEGIN, PEERS_END, replace_between_markers
from bench.figures import Figure
from bench.redis_cost import REDIS, TRIPS, Delta, OperationCost
from bench.redis_tap import RedisTap, _RespCommands
from bench.streams import FrameCounter
from bench.table import Table
from server import sse
from testkit.redis_server import RedisServer


def _frames(count: int) -> bytes:
    """Frames as the server writes them, a ping comment in between."""
    body = b"".join(
        sse.frame({"type": "model.message.delta", "sequence_number": n, "id": "x"}) for n in range(1, count)
    )
    done = sse.frame({"type": "turn.done", "sequence_number": count, "state": {"status": "done"}})
    return body + sse.PING + done


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 16, 1000])
def test_frame_counter_counts_frames_split_anywhere(size: int) -> None:
    stream = _frames(50)
    counter = FrameCounter()
    for start in range(0, len(stream), size):
        counter.feed(stream[start : start + size])
    assert counter.frames == 50
    assert counter.done


def test_frame_counter_without_turn_done() -> None:
    counter = FrameCounter()
    counter.feed(_frames(3).split(b"event: turn.done")[0])
    assert counter.frames == 3
    assert not counter.done


def test_table_renders_text_and_markdown() -> None:
    table = Table(["figure", "a", "b"])
    table.add("sessions / s", "1,200", "2|3")
    text = table.text()
    assert text[1].startswith("figure") and text[3].endswith("2|3")
    assert len({len(line) for line in text}) == 1
    assert table.markdown() == ["| figure | a | b |", "|---|---:|---:|", "| sessions / s | 1,200 | 2\\|3 |"]
    with pytest.raises(ValueError):
        table.add("too few")


def test_figure_formatting() -> None:
    assert Figure("k", "l", 12345.6, "rate").formatted() == "12,346"
    assert Figure("k", "l", 5.25, "ms").formatted() == "5.2"
    assert Figure("k", "l", 3.0, "count").formatted() == "3"
    assert Figure("k", "l", float("nan"), "bytes").formatted() == "n/a"


def test_sizes_take_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_HELD_STREAMS", "2000")
    monkeypatch.setenv("BENCH_HOLD_SECONDS", "2.5")
    sizes = with_env_overrides(FULL_LOAD)
    assert (sizes.held_streams, sizes.hold_seconds, sizes.sessions) == (2000, 2.5, FULL_LOAD.sessions)
    assert QUICK_LOAD.held_streams < FULL_LOAD.held_streams


def test_markdown_keeps_the_indent_of_subordinate_rows() -> None:
    table = Table(["figure", "a"])
    table.add("  errors", "0")
    assert table.markdown()[-1] == "| &emsp;errors | 0 |"


def test_update_doc_replaces_only_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"intro\n{BEGIN}\nold table\n{END}\nreading\n")
    replace_between_markers(doc, ["| new |", "| table |"])
    assert doc.read_text() == f"intro\n{BEGIN}\n| new |\n| table |\n{END}\nreading\n"
    doc.write_text("no markers")
    with pytest.raises(SystemExit):
        replace_between_markers(doc, ["x"])


def test_update_doc_leaves_the_other_block_alone(tmp_path: Path) -> None:
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"{BEGIN}\nmain\n{END}\n{PEERS_BEGIN}\nold peers\n{PEERS_END}\n")
    replace_between_markers(doc, ["new peers"], PEERS_BEGIN, PEERS_END)
    assert doc.read_text() == f"{BEGIN}\nmain\n{END}\n{PEERS_BEGIN}\nnew peers\n{PEERS_END}\n"


def test_resp_commands_are_named_once_however_the_bytes_are_split() -> None:
    wire = (
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
        b"*3\r\n$7\r\nEVALSHA\r\n$40\r\n" + b"a" * 40 + b"\r\n$1\r\n0\r\n"
        b"*2\r\n$6\r\nclient\r\n$2\r\nid\r\n"
    )
    for size in (1, 2, 7, len(wire)):
        parser = _RespCommands({"a" * 40: "START_TURN"})
        names = [n for i in range(0, len(wire), size) for n in parser.feed(wire[i : i + size])]
        assert names == ["SET", "EVALSHA START_TURN", "CLIENT ID"], size


def test_cost_subtracts_the_mean_background_of_its_idle_windows() -> None:
    # 10 operations in 2 s; idle windows of 1 s with 4 and with 0 heartbeat commands: the mean
    # background over 2 s is 4, so (24 - 4) / 10 = 2 commands per operation.
    window = Delta({(REDIS, "zadd"): 24.0, ("api", TRIPS): 30.0}, 2.0)
    busy = Delta({(REDIS, "zadd"): 4.0}, 1.0)
    quiet = Delta({}, 1.0)
    cost = OperationCost("op", 10, window, [busy, quiet])
    assert cost.per_op(REDIS) == pytest.approx(2.0)
    assert cost.per_op("api", TRIPS) == pytest.approx(3.0)


async def test_the_redis_tap_counts_a_pipeline_as_one_round_trip_and_names_scripts(tmp_path: Path) -> None:
    # A script no Redis has cached (its SHA is new), so the round trips below are exactly these.
    source = f"return redis.call('EXISTS', KEYS[1]) -- {uuid.uuid4()}"
    sha = hashlib.sha1(source.encode()).hexdigest()
    own = RedisServer(tmp_path, persist=False)
    await asyncio.to_thread(own.start)
    tap = await RedisTap("127.0.0.1", own.port, scripts={sha: "EXISTS_SCRIPT"}).start()
    client = Redis.from_url(f"redis://127.0.0.1:{tap.port}/0")
    try:
        await client.ping()  # the connection's handshake, then one PING
        before = tap.counts()
        async with client.pipeline(transaction=False) as pipe:
            pipe.set("bench:tap", "x" * 200_000).get("bench:tap").delete("bench:tap")
            await pipe.execute()
        assert await client.script_load(source) == sha
        assert await client.evalsha(sha, 1, "bench:tap") == 0
        counted = tap.counts() - before
        assert counted.commands["SET"] == counted.commands["GET"] == counted.commands["DEL"] == 1
        # The pipeline (a 200 kB write split over TCP segments) is one trip; SCRIPT LOAD and
        # EVALSHA one each.
        assert counted.round_trips == 3, counted
        assert counted.commands["EVALSHA EXISTS_SCRIPT"] == counted.commands["SCRIPT LOAD"] == 1, counted
    finally:
        await client.aclose()
        await tap.stop()
        await asyncio.to_thread(own.stop)
