from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.turn_state_running_status import (
    TurnStateRunningStatus,
    check_turn_state_running_status,
)

T = TypeVar("T", bound="TurnStateRunning")


@_attrs_define
class TurnStateRunning:
    """The turn is executing.

    Attributes:
        status (TurnStateRunningStatus):
    """

    status: TurnStateRunningStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = check_turn_state_running_status(d.pop("status"))

        turn_state_running = cls(
            status=status,
        )

        turn_state_running.additional_properties = d
        return turn_state_running

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
