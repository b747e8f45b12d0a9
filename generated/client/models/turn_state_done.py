from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.turn_state_done_status import (
    TurnStateDoneStatus,
    check_turn_state_done_status,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mcp_auth_required_event import McpAuthRequiredEvent
    from ..models.model_message_event import ModelMessageEvent
    from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
    from ..models.tool_response_required_event import ToolResponseRequiredEvent
    from ..models.turn_metrics import TurnMetrics


T = TypeVar("T", bound="TurnStateDone")


@_attrs_define
class TurnStateDone:
    """The agent finished. A turn paused for human input is also `done`, with the pending events in `required_actions`.

    Attributes:
        status (TurnStateDoneStatus):
        required_actions (list[McpAuthRequiredEvent | ToolApprovalRequiredEvent | ToolResponseRequiredEvent]):
        completed_at (datetime.datetime): ISO-8601 timestamp (UTC).
        output (ModelMessageEvent | Unset): A complete assistant message (the base of its deltas on a live stream).
        metrics (TurnMetrics | Unset):
    """

    status: TurnStateDoneStatus
    required_actions: list[
        McpAuthRequiredEvent | ToolApprovalRequiredEvent | ToolResponseRequiredEvent
    ]
    completed_at: datetime.datetime
    output: ModelMessageEvent | Unset = UNSET
    metrics: TurnMetrics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
        from ..models.tool_response_required_event import ToolResponseRequiredEvent

        status: str = self.status

        required_actions = []
        for required_actions_item_data in self.required_actions:
            required_actions_item: dict[str, Any]
            if isinstance(
                required_actions_item_data, ToolApprovalRequiredEvent
            ) or isinstance(required_actions_item_data, ToolResponseRequiredEvent):
                required_actions_item = required_actions_item_data.to_dict()
            else:
                required_actions_item = required_actions_item_data.to_dict()

            required_actions.append(required_actions_item)

        completed_at = self.completed_at.isoformat()

        output: dict[str, Any] | Unset = UNSET
        if not isinstance(self.output, Unset):
            output = self.output.to_dict()

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "required_actions": required_actions,
                "completed_at": completed_at,
            }
        )
        if output is not UNSET:
            field_dict["output"] = output
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mcp_auth_required_event import McpAuthRequiredEvent
        from ..models.model_message_event import ModelMessageEvent
        from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
        from ..models.tool_response_required_event import ToolResponseRequiredEvent
        from ..models.turn_metrics import TurnMetrics

        d = dict(src_dict)
        status = check_turn_state_done_status(d.pop("status"))

        required_actions = []
        _required_actions = d.pop("required_actions")
        for required_actions_item_data in _required_actions:

            def _parse_required_actions_item(
                data: object,
            ) -> (
                McpAuthRequiredEvent
                | ToolApprovalRequiredEvent
                | ToolResponseRequiredEvent
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_required_event_type_0 = (
                        ToolApprovalRequiredEvent.from_dict(data)
                    )

                    return componentsschemas_action_required_event_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_required_event_type_1 = (
                        ToolResponseRequiredEvent.from_dict(data)
                    )

                    return componentsschemas_action_required_event_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_action_required_event_type_2 = (
                    McpAuthRequiredEvent.from_dict(data)
                )

                return componentsschemas_action_required_event_type_2

            required_actions_item = _parse_required_actions_item(
                required_actions_item_data
            )

            required_actions.append(required_actions_item)

        completed_at = datetime.datetime.fromisoformat(d.pop("completed_at"))

        _output = d.pop("output", UNSET)
        output: ModelMessageEvent | Unset
        if isinstance(_output, Unset):
            output = UNSET
        else:
            output = ModelMessageEvent.from_dict(_output)

        _metrics = d.pop("metrics", UNSET)
        metrics: TurnMetrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = TurnMetrics.from_dict(_metrics)

        turn_state_done = cls(
            status=status,
            required_actions=required_actions,
            completed_at=completed_at,
            output=output,
            metrics=metrics,
        )

        turn_state_done.additional_properties = d
        return turn_state_done

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
