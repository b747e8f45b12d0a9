from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scripted_tool_call import ScriptedToolCall


T = TypeVar("T", bound="ScriptedStep")


@_attrs_define
class ScriptedStep:
    """One scripted model reply. In `content`, `{last}` is replaced by the content of the last user or tool message the
    model was sent.

        Attributes:
            content (str | Unset):  Default: ''.
            tool_calls (list[ScriptedToolCall] | Unset):
    """

    content: str | Unset = ""
    tool_calls: list[ScriptedToolCall] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        tool_calls: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tool_calls, Unset):
            tool_calls = []
            for tool_calls_item_data in self.tool_calls:
                tool_calls_item = tool_calls_item_data.to_dict()
                tool_calls.append(tool_calls_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if content is not UNSET:
            field_dict["content"] = content
        if tool_calls is not UNSET:
            field_dict["tool_calls"] = tool_calls

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.scripted_tool_call import ScriptedToolCall

        d = dict(src_dict)
        content = d.pop("content", UNSET)

        _tool_calls = d.pop("tool_calls", UNSET)
        tool_calls: list[ScriptedToolCall] | Unset = UNSET
        if _tool_calls is not UNSET:
            tool_calls = []
            for tool_calls_item_data in _tool_calls:
                tool_calls_item = ScriptedToolCall.from_dict(tool_calls_item_data)

                tool_calls.append(tool_calls_item)

        scripted_step = cls(
            content=content,
            tool_calls=tool_calls,
        )

        scripted_step.additional_properties = d
        return scripted_step

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
