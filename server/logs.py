"""Logging: one JSON object per line (or short text lines on a terminal), each carrying the request
id, tenant, session and turn it concerns when they are known.

`auto` (HARNESS_LOG_FORMAT's default) picks text when stderr is a terminal, where a person reads it,
and JSON otherwise, where a collector parses it.

Those four live in one context variable: the request middleware (server/request_context.py) binds them
for a request, the executor for each turn it runs (asyncio tasks copy the context they start in, so
a turn's task keeps them). A filter on the one handler copies them onto every record.

JSON comes from python-json-logger: it already serialises a record's `extra=` fields, exceptions
and timestamps, which is everything a hand-written formatter would have to redo.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar, Token
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["json", "text"]
LogFormatChoice = Literal["auto", "json", "text"]

FIELDS = ("request_id", "tenant", "session_id", "turn_id")
# One variable for the four, holding a dict that is replaced, never changed: a request binding its
# fields costs one token and one small dict (kept as long as an SSE stream), not four of each.
_NONE: dict[str, str] = {}
_BOUND: ContextVar[dict[str, str]] = ContextVar("log_fields", default=_NONE)

Bound = Token[dict[str, str]]


def bind(**fields: str | None) -> Bound:
    """Set context fields (request_id, tenant, session_id, turn_id) for the rest of this context;
    None unsets one."""
    unknown = set(fields).difference(FIELDS)
    if unknown:
        raise KeyError(f"not a log context field: {', '.join(sorted(unknown))}")
    merged = {**_BOUND.get(), **fields}
    return _BOUND.set({name: value for name in FIELDS if (value := merged.get(name)) is not None})


def unbind(token: Bound) -> None:
    """Back to the fields as they were before `bind` gave `token`: all four, so a field bound
    since in the same context goes too."""
    _BOUND.reset(token)


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


def adopt(context: Context) -> None:
    """Bind here the fields `context` (a copy of this one, since changed) has bound otherwise."""
    here = _BOUND.get()
    changed = {name: value for name, value in context.run(_BOUND.get).items() if here.get(name) != value}
    if changed:
        bind(**changed)


def current() -> dict[str, str]:
    return dict(_BOUND.get())


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _BOUND.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class _Json(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # The timestamp first, so a line reads in the order people scan it.
        return {"timestamp": log_data.pop("timestamp"), **log_data}


_QUIET_FIELDS = tuple(name for name in FIELDS if name != "request_id")


class _Text(logging.Formatter):
    """`12:00:01 INFO    message [session_id=...]`: the logger's name and the request id only on
    warnings and errors, where they help find the cause; on a terminal the rest is noise."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        loud = record.levelno >= logging.WARNING
        origin = f"{record.name}: " if loud else ""
        line = f"{self.formatTime(record, self.datefmt)} {record.levelname:<7} {origin}{record.message}"
        shown = FIELDS if loud else _QUIET_FIELDS
        context = " ".join(f"{name}={getattr(record, name)}" for name in shown if hasattr(record, name))
        if context:
            line += f" [{context}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def choose(choice: LogFormatChoice, *, tty: bool) -> LogFormat:
    """The format `auto` means for a stream that is (or is not) a terminal."""
    if choice == "auto":
        return "text" if tty else "json"
    return choice


def formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "json":
        return _Json(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            # uvicorn repeats its message with terminal colours in `color_message`.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            timestamp=True,
        )
    return _Text()


def configure(log_format: LogFormatChoice, level: str) -> None:
    """Send every logger (uvicorn's too) through one stderr handler in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(formatter(choose(log_format, tty=sys.stderr.isatty())))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # a Python warning becomes a log line too, not a stray text line
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
