from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.mcp_server_init_info_transport_type import (
    McpServerInitInfoTransportType,
    check_mcp_server_init_info_transport_type,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="McpServerInitInfo")


@_attrs_define
class McpServerInitInfo:
    """
    Attributes:
        id (str):
        name (str):
        session_id (str | Unset):
        transport_type (McpServerInitInfoTransportType | Unset):
    """

    id: str
    name: str
    session_id: str | Unset = UNSET
    transport_type: McpServerInitInfoTransportType | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        session_id = self.session_id

        transport_type: str | Unset = UNSET
        if not isinstance(self.transport_type, Unset):
            transport_type = self.transport_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
            }
        )
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if transport_type is not UNSET:
            field_dict["transport_type"] = transport_type

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        session_id = d.pop("session_id", UNSET)

        _transport_type = d.pop("transport_type", UNSET)
        transport_type: McpServerInitInfoTransportType | Unset
        if isinstance(_transport_type, Unset):
            transport_type = UNSET
        else:
            transport_type = check_mcp_server_init_info_transport_type(_transport_type)

        mcp_server_init_info = cls(
            id=id,
            name=name,
            session_id=session_id,
            transport_type=transport_type,
        )

        mcp_server_init_info.additional_properties = d
        return mcp_server_init_info

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
