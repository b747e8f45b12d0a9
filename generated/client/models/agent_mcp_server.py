from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentMcpServer")


@_attrs_define
class AgentMcpServer:
    """
    Attributes:
        name (str):
        url (str | Unset): Streamable-HTTP endpoint of the MCP server.
        enable_tools (list[str] | Unset):
        require_approval_for_tools (list[str] | Unset):
    """

    name: str
    url: str | Unset = UNSET
    enable_tools: list[str] | Unset = UNSET
    require_approval_for_tools: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        url = self.url

        enable_tools: list[str] | Unset = UNSET
        if not isinstance(self.enable_tools, Unset):
            enable_tools = self.enable_tools

        require_approval_for_tools: list[str] | Unset = UNSET
        if not isinstance(self.require_approval_for_tools, Unset):
            require_approval_for_tools = self.require_approval_for_tools

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if url is not UNSET:
            field_dict["url"] = url
        if enable_tools is not UNSET:
            field_dict["enable_tools"] = enable_tools
        if require_approval_for_tools is not UNSET:
            field_dict["require_approval_for_tools"] = require_approval_for_tools

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        url = d.pop("url", UNSET)

        enable_tools = cast(list[str], d.pop("enable_tools", UNSET))

        require_approval_for_tools = cast(
            list[str], d.pop("require_approval_for_tools", UNSET)
        )

        agent_mcp_server = cls(
            name=name,
            url=url,
            enable_tools=enable_tools,
            require_approval_for_tools=require_approval_for_tools,
        )

        agent_mcp_server.additional_properties = d
        return agent_mcp_server

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
