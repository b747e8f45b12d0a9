"""server/store/turn_states.py and server/domain/turn_state.py: the spec's states, running → done |
cancelled | error, and the terminal states' wire shapes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from generated.models import TurnMetrics
from server.domain.events import to_dict
from server.domain.turn_state import CancelReason, cancelled, failed
from server.store.turn_states import TERMINAL, Status, is_terminal
from tests._support import component_validator

NOW = "2025-01-02T03:04:05Z"


def test_statuses_are_exactly_the_specs_turn_states(spec: dict[str, Any]) -> None:
    mapping = spec["components"]["schemas"]["TurnState"]["discriminator"]["mapping"]
    assert {s.value for s in Status} == set(mapping)


def test_terminal_statuses_are_exactly_the_specs_terminal_states(spec: dict[str, Any]) -> None:
    mapping = spec["components"]["schemas"]["TurnTerminalState"]["discriminator"]["mapping"]
    assert {s.value for s in TERMINAL} == set(mapping)
    assert Status.RUNNING not in TERMINAL


def test_cancel_reasons_are_exactly_the_specs(spec: dict[str, Any]) -> None:
    assert {r.value for r in CancelReason} == set(
        spec["components"]["schemas"]["TurnStateCancelledReason"]["enum"]
    )


@pytest.mark.parametrize(
    ("status", "terminal"), [("running", False), ("done", True), ("cancelled", True), ("error", True)]
)
def test_is_terminal_reads_stored_status_strings(status: str, terminal: bool) -> None:
    assert is_terminal(status) is terminal


def test_is_terminal_refuses_an_unknown_status() -> None:
    with pytest.raises(ValueError):
        is_terminal("paused")


@pytest.mark.parametrize("reason", list(CancelReason))
def test_cancelled_builds_the_specs_cancelled_state(spec: dict[str, Any], reason: CancelReason) -> None:
    state = to_dict(cancelled(NOW, reason, None))
    assert state == {"status": "cancelled", "reason": reason.value, "completed_at": NOW}
    component_validator(spec, "TurnStateCancelled").validate(state)


def test_cancelled_keeps_the_metrics_it_is_given(spec: dict[str, Any]) -> None:
    metrics = TurnMetrics(total_input_tokens=2, total_output_tokens=3, total_tokens=5)
    state = to_dict(cancelled(NOW, CancelReason.CLIENT_CANCELLED, metrics))
    assert state["metrics"] == {"total_input_tokens": 2, "total_output_tokens": 3, "total_tokens": 5}
    component_validator(spec, "TurnTerminalState").validate(state)


def test_failed_builds_the_specs_error_state(spec: dict[str, Any]) -> None:
    state = to_dict(failed(NOW, "model provider went away", None))
    assert state == {"status": "error", "message": "model provider went away", "completed_at": NOW}
    component_validator(spec, "TurnTerminalState").validate(state)


def test_builders_refuse_a_completed_at_that_is_not_a_timestamp() -> None:
    with pytest.raises(ValidationError):
        cancelled("yesterday", CancelReason.ABANDONED, None)
    with pytest.raises(ValidationError):
        failed("yesterday", "boom", None)
