from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scripted_tool_call_arguments import ScriptedToolCallArguments


T = TypeVar("T", bound="ScriptedToolCall")


@_attrs_define
class ScriptedToolCall:
    """
    Attributes:
        name (str): Tool to call, as offered to the model (the MCP tool's name).
        arguments (ScriptedToolCallArguments | Unset):
    """

    name: str
    arguments: ScriptedToolCallArguments | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        arguments: dict[str, Any] | Unset = UNSET
        if not isinstance(self.arguments, Unset):
            arguments = self.arguments.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if arguments is not UNSET:
            field_dict["arguments"] = arguments

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.scripted_tool_call_arguments import ScriptedToolCallArguments

        d = dict(src_dict)
        name = d.pop("name")

        _arguments = d.pop("arguments", UNSET)
        arguments: ScriptedToolCallArguments | Unset
        if isinstance(_arguments, Unset):
            arguments = UNSET
        else:
            arguments = ScriptedToolCallArguments.from_dict(_arguments)

        scripted_tool_call = cls(
            name=name,
            arguments=arguments,
        )

        scripted_tool_call.additional_properties = d
        return scripted_tool_call

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
