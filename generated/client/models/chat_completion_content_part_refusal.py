from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_completion_content_part_refusal_type import (
    ChatCompletionContentPartRefusalType,
    check_chat_completion_content_part_refusal_type,
)

T = TypeVar("T", bound="ChatCompletionContentPartRefusal")


@_attrs_define
class ChatCompletionContentPartRefusal:
    """
    Attributes:
        type_ (ChatCompletionContentPartRefusalType):
        refusal (str):
    """

    type_: ChatCompletionContentPartRefusalType
    refusal: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        refusal = self.refusal

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "refusal": refusal,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = check_chat_completion_content_part_refusal_type(d.pop("type"))

        refusal = d.pop("refusal")

        chat_completion_content_part_refusal = cls(
            type_=type_,
            refusal=refusal,
        )

        chat_completion_content_part_refusal.additional_properties = d
        return chat_completion_content_part_refusal

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
