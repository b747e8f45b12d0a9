from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.turn_state_error_status import (
    TurnStateErrorStatus,
    check_turn_state_error_status,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.turn_metrics import TurnMetrics


T = TypeVar("T", bound="TurnStateError")


@_attrs_define
class TurnStateError:
    """The turn failed.

    Attributes:
        status (TurnStateErrorStatus):
        message (str):
        completed_at (datetime.datetime): ISO-8601 timestamp (UTC).
        metrics (TurnMetrics | Unset):
    """

    status: TurnStateErrorStatus
    message: str
    completed_at: datetime.datetime
    metrics: TurnMetrics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        message = self.message

        completed_at = self.completed_at.isoformat()

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "message": message,
                "completed_at": completed_at,
            }
        )
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.turn_metrics import TurnMetrics

        d = dict(src_dict)
        status = check_turn_state_error_status(d.pop("status"))

        message = d.pop("message")

        completed_at = datetime.datetime.fromisoformat(d.pop("completed_at"))

        _metrics = d.pop("metrics", UNSET)
        metrics: TurnMetrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = TurnMetrics.from_dict(_metrics)

        turn_state_error = cls(
            status=status,
            message=message,
            completed_at=completed_at,
            metrics=metrics,
        )

        turn_state_error.additional_properties = d
        return turn_state_error

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
