"""server/logs.py: one JSON object per line with the context fields that are bound, or plain text."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from server import logs


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs._ContextFilter())
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def _use(capture: tuple[logging.Logger, io.StringIO], log_format: logs.LogFormat) -> None:
    capture[0].handlers[0].setFormatter(logs.formatter(log_format))


def test_json_line_has_the_core_fields_the_bound_context_and_extras(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    _use(capture, "json")
    with logs.bound(request_id="r1", tenant="acme", session_id="s1", turn_id=None):
        logger.info("hello %s", "world", extra={"status": 201})
    logger.warning("outside")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert next(iter(first)) == "timestamp"
    assert first == {
        "timestamp": first["timestamp"],
        "level": "INFO",
        "logger": "test.logs",
        "message": "hello world",
        "status": 201,
        "request_id": "r1",
        "tenant": "acme",
        "session_id": "s1",
    }
    assert first["timestamp"].endswith("+00:00")
    assert set(second) == {"timestamp", "level", "logger", "message"}  # nothing bound any more


def test_an_exception_stays_on_its_json_line(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    _use(capture, "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    (line,) = stream.getvalue().splitlines()
    assert "ValueError: boom" in json.loads(line)["exc_info"]


def test_text_format_appends_the_context(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    _use(capture, "text")
    with logs.bound(turn_id="t1"):
        logger.info("ran")
    assert stream.getvalue().rstrip().endswith("INFO test.logs: ran [turn_id=t1]")


async def test_a_task_keeps_the_context_it_was_started_in(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    _use(capture, "json")

    async def turn(turn_id: str) -> None:
        logs.bind(turn_id=turn_id)
        await asyncio.sleep(0)
        logger.info("step")

    await asyncio.gather(turn("a"), turn("b"))
    logger.info("after")
    assert [json.loads(line).get("turn_id") for line in stream.getvalue().splitlines()] == ["a", "b", None]
