from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.if_running import IfRunning, check_if_running
from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentRuntimeConfig")


@_attrs_define
class AgentRuntimeConfig:
    """
    Attributes:
        iteration_limit (int | Unset): Max model calls per turn. A turn whose model still asks for tools after this many
            calls ends `error` ("iteration limit reached"). Default: 100.
        timeout_seconds (int | Unset): Turn wall-clock limit; past it the turn is cancelled (`server-execution-
            timeout`). Default: 600.
        if_running (IfRunning | Unset): What creating a turn does while another turn runs in the session. `reject`:
            refuse with 409 `turn_running`. `interrupt`: cancel the running turn with reason `cancelled-for-next-turn`, wait
            until its terminal state (its one `turn.done`) is recorded, then start the new turn, which under
            `previous_turn_id: auto` chains from the interrupted one; 424 when the executor does not confirm the
            cancellation in time. Concurrent interrupting requests start their turns one after another, each interrupting
            the turn running when it tries: never two running turns, and the last to start keeps running.
    """

    iteration_limit: int | Unset = 100
    timeout_seconds: int | Unset = 600
    if_running: IfRunning | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        iteration_limit = self.iteration_limit

        timeout_seconds = self.timeout_seconds

        if_running: str | Unset = UNSET
        if not isinstance(self.if_running, Unset):
            if_running = self.if_running

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if iteration_limit is not UNSET:
            field_dict["iteration_limit"] = iteration_limit
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if if_running is not UNSET:
            field_dict["if_running"] = if_running

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        iteration_limit = d.pop("iteration_limit", UNSET)

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        _if_running = d.pop("if_running", UNSET)
        if_running: IfRunning | Unset
        if isinstance(_if_running, Unset):
            if_running = UNSET
        else:
            if_running = check_if_running(_if_running)

        agent_runtime_config = cls(
            iteration_limit=iteration_limit,
            timeout_seconds=timeout_seconds,
            if_running=if_running,
        )

        return agent_runtime_config
