from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.user_tool_response_event_type import (
    UserToolResponseEventType,
    check_user_tool_response_event_type,
)

T = TypeVar("T", bound="UserToolResponseEvent")


@_attrs_define
class UserToolResponseEvent:
    """
    Attributes:
        type_ (UserToolResponseEventType):
        thread_id (str):
        tool_call_id (str):
        content (str):
    """

    type_: UserToolResponseEventType
    thread_id: str
    tool_call_id: str
    content: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        thread_id = self.thread_id

        tool_call_id = self.tool_call_id

        content = self.content

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "thread_id": thread_id,
                "tool_call_id": tool_call_id,
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = check_user_tool_response_event_type(d.pop("type"))

        thread_id = d.pop("thread_id")

        tool_call_id = d.pop("tool_call_id")

        content = d.pop("content")

        user_tool_response_event = cls(
            type_=type_,
            thread_id=thread_id,
            tool_call_id=tool_call_id,
            content=content,
        )

        user_tool_response_event.additional_properties = d
        return user_tool_response_event

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
