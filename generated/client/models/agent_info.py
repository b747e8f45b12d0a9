from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.agent_info_type import AgentInfoType, check_agent_info_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentInfo")


@_attrs_define
class AgentInfo:
    """
    Attributes:
        type_ (AgentInfoType):
        name (str):
        input_ (str):
        model (str | Unset):
    """

    type_: AgentInfoType
    name: str
    input_: str
    model: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        name = self.name

        input_ = self.input_

        model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "name": name,
                "input": input_,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = check_agent_info_type(d.pop("type"))

        name = d.pop("name")

        input_ = d.pop("input")

        model = d.pop("model", UNSET)

        agent_info = cls(
            type_=type_,
            name=name,
            input_=input_,
            model=model,
        )

        agent_info.additional_properties = d
        return agent_info

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
