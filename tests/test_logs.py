"""server/logs.py: one JSON object per line with the context fields that are bound, or plain text."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
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


def test_text_lines_are_short_and_name_their_origin_only_when_something_is_wrong(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    _use(capture, "text")
    with logs.bound(request_id="r1", turn_id="t1"):
        logger.info("ran")
        logger.warning("slow")
    info, warning = stream.getvalue().splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO    ran \[turn_id=t1\]", info), info
    assert re.fullmatch(r"\d\d:\d\d:\d\d WARNING test.logs: slow \[request_id=r1 turn_id=t1\]", warning)


def test_text_keeps_an_exception_under_its_line(capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = capture
    _use(capture, "text")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    first, *rest = stream.getvalue().splitlines()
    assert first.endswith("ERROR   test.logs: failed")
    assert rest[-1] == "ValueError: boom"


@pytest.mark.parametrize(
    ("choice", "tty", "chosen"),
    [
        ("auto", True, "text"),
        ("auto", False, "json"),
        ("json", True, "json"),
        ("text", False, "text"),
    ],
)
def test_auto_is_text_on_a_terminal_and_json_otherwise_unless_one_is_chosen(
    choice: logs.LogFormatChoice, tty: bool, chosen: logs.LogFormat
) -> None:
    assert logs.choose(choice, tty=tty) == chosen


def test_configure_reads_whether_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for stream, kind in ((Terminal(), logs._Text), (io.StringIO(), logs._Json)):
            monkeypatch.setattr(sys, "stderr", stream)
            logs.configure("auto", "info")
            assert isinstance(root.handlers[0].formatter, kind)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


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
