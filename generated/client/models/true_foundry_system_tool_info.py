from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.true_foundry_system_tool_info_type import (
    TrueFoundrySystemToolInfoType,
    check_true_foundry_system_tool_info_type,
)

T = TypeVar("T", bound="TrueFoundrySystemToolInfo")


@_attrs_define
class TrueFoundrySystemToolInfo:
    """
    Attributes:
        type_ (TrueFoundrySystemToolInfoType):
        name (str):
    """

    type_: TrueFoundrySystemToolInfoType
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = check_true_foundry_system_tool_info_type(d.pop("type"))

        name = d.pop("name")

        true_foundry_system_tool_info = cls(
            type_=type_,
            name=name,
        )

        true_foundry_system_tool_info.additional_properties = d
        return true_foundry_system_tool_info

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
