from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InputTokensBreakdown")


@_attrs_define
class InputTokensBreakdown:
    """
    Attributes:
        harness (int):
        skills (int):
        instructions (int):
        tool_definitions (int):
        messages (int):
    """

    harness: int
    skills: int
    instructions: int
    tool_definitions: int
    messages: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        harness = self.harness

        skills = self.skills

        instructions = self.instructions

        tool_definitions = self.tool_definitions

        messages = self.messages

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "harness": harness,
                "skills": skills,
                "instructions": instructions,
                "tool_definitions": tool_definitions,
                "messages": messages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        harness = d.pop("harness")

        skills = d.pop("skills")

        instructions = d.pop("instructions")

        tool_definitions = d.pop("tool_definitions")

        messages = d.pop("messages")

        input_tokens_breakdown = cls(
            harness=harness,
            skills=skills,
            instructions=instructions,
            tool_definitions=tool_definitions,
            messages=messages,
        )

        input_tokens_breakdown.additional_properties = d
        return input_tokens_breakdown

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
