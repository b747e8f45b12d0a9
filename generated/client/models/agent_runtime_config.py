from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

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
    """

    iteration_limit: int | Unset = 100
    timeout_seconds: int | Unset = 600

    def to_dict(self) -> dict[str, Any]:
        iteration_limit = self.iteration_limit

        timeout_seconds = self.timeout_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if iteration_limit is not UNSET:
            field_dict["iteration_limit"] = iteration_limit
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        iteration_limit = d.pop("iteration_limit", UNSET)

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        agent_runtime_config = cls(
            iteration_limit=iteration_limit,
            timeout_seconds=timeout_seconds,
        )

        return agent_runtime_config
