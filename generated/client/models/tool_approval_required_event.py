from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tool_approval_required_event_type import (
    ToolApprovalRequiredEventType,
    check_tool_approval_required_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_call_ref import ToolCallRef


T = TypeVar("T", bound="ToolApprovalRequiredEvent")


@_attrs_define
class ToolApprovalRequiredEvent:
    """
    Attributes:
        type_ (ToolApprovalRequiredEventType):
        id (str):
        thread_id (str):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        tool_calls (list[ToolCallRef]):
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
    """

    type_: ToolApprovalRequiredEventType
    id: str
    thread_id: str
    created_at: datetime.datetime
    tool_calls: list[ToolCallRef]
    sequence_number: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        id = self.id

        thread_id = self.thread_id

        created_at = self.created_at.isoformat()

        tool_calls = []
        for tool_calls_item_data in self.tool_calls:
            tool_calls_item = tool_calls_item_data.to_dict()
            tool_calls.append(tool_calls_item)

        sequence_number = self.sequence_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "thread_id": thread_id,
                "created_at": created_at,
                "tool_calls": tool_calls,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tool_call_ref import ToolCallRef

        d = dict(src_dict)
        type_ = check_tool_approval_required_event_type(d.pop("type"))

        id = d.pop("id")

        thread_id = d.pop("thread_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        tool_calls = []
        _tool_calls = d.pop("tool_calls")
        for tool_calls_item_data in _tool_calls:
            tool_calls_item = ToolCallRef.from_dict(tool_calls_item_data)

            tool_calls.append(tool_calls_item)

        sequence_number = d.pop("sequence_number", UNSET)

        tool_approval_required_event = cls(
            type_=type_,
            id=id,
            thread_id=thread_id,
            created_at=created_at,
            tool_calls=tool_calls,
            sequence_number=sequence_number,
        )

        tool_approval_required_event.additional_properties = d
        return tool_approval_required_event

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
