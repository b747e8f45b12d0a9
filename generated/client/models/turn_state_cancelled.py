from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.turn_state_cancelled_reason import (
    TurnStateCancelledReason,
    check_turn_state_cancelled_reason,
)
from ..models.turn_state_cancelled_status import (
    TurnStateCancelledStatus,
    check_turn_state_cancelled_status,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.turn_metrics import TurnMetrics


T = TypeVar("T", bound="TurnStateCancelled")


@_attrs_define
class TurnStateCancelled:
    """The turn was stopped before it finished.

    Attributes:
        status (TurnStateCancelledStatus):
        reason (TurnStateCancelledReason):
        completed_at (datetime.datetime): ISO-8601 timestamp (UTC).
        metrics (TurnMetrics | Unset):
    """

    status: TurnStateCancelledStatus
    reason: TurnStateCancelledReason
    completed_at: datetime.datetime
    metrics: TurnMetrics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        reason: str = self.reason

        completed_at = self.completed_at.isoformat()

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "reason": reason,
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
        status = check_turn_state_cancelled_status(d.pop("status"))

        reason = check_turn_state_cancelled_reason(d.pop("reason"))

        completed_at = datetime.datetime.fromisoformat(d.pop("completed_at"))

        _metrics = d.pop("metrics", UNSET)
        metrics: TurnMetrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = TurnMetrics.from_dict(_metrics)

        turn_state_cancelled = cls(
            status=status,
            reason=reason,
            completed_at=completed_at,
            metrics=metrics,
        )

        turn_state_cancelled.additional_properties = d
        return turn_state_cancelled

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
