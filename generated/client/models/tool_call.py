from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tool_call_type import ToolCallType, check_tool_call_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mcp_tool_info import McpToolInfo
    from ..models.tool_call_function import ToolCallFunction
    from ..models.tool_call_provider_specific_fields import (
        ToolCallProviderSpecificFields,
    )
    from ..models.true_foundry_system_tool_info import TrueFoundrySystemToolInfo


T = TypeVar("T", bound="ToolCall")


@_attrs_define
class ToolCall:
    """
    Attributes:
        id (str):
        type_ (ToolCallType):
        function (ToolCallFunction):
        tool_info (McpToolInfo | TrueFoundrySystemToolInfo):
        provider_specific_fields (ToolCallProviderSpecificFields | Unset):
    """

    id: str
    type_: ToolCallType
    function: ToolCallFunction
    tool_info: McpToolInfo | TrueFoundrySystemToolInfo
    provider_specific_fields: ToolCallProviderSpecificFields | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.true_foundry_system_tool_info import TrueFoundrySystemToolInfo

        id = self.id

        type_: str = self.type_

        function = self.function.to_dict()

        tool_info: dict[str, Any]
        if isinstance(self.tool_info, TrueFoundrySystemToolInfo):
            tool_info = self.tool_info.to_dict()
        else:
            tool_info = self.tool_info.to_dict()

        provider_specific_fields: dict[str, Any] | Unset = UNSET
        if not isinstance(self.provider_specific_fields, Unset):
            provider_specific_fields = self.provider_specific_fields.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "function": function,
                "tool_info": tool_info,
            }
        )
        if provider_specific_fields is not UNSET:
            field_dict["provider_specific_fields"] = provider_specific_fields

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mcp_tool_info import McpToolInfo
        from ..models.tool_call_function import ToolCallFunction
        from ..models.tool_call_provider_specific_fields import (
            ToolCallProviderSpecificFields,
        )
        from ..models.true_foundry_system_tool_info import TrueFoundrySystemToolInfo

        d = dict(src_dict)
        id = d.pop("id")

        type_ = check_tool_call_type(d.pop("type"))

        function = ToolCallFunction.from_dict(d.pop("function"))

        def _parse_tool_info(data: object) -> McpToolInfo | TrueFoundrySystemToolInfo:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_tool_info_type_0 = (
                    TrueFoundrySystemToolInfo.from_dict(data)
                )

                return componentsschemas_tool_info_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_tool_info_type_1 = McpToolInfo.from_dict(data)

            return componentsschemas_tool_info_type_1

        tool_info = _parse_tool_info(d.pop("tool_info"))

        _provider_specific_fields = d.pop("provider_specific_fields", UNSET)
        provider_specific_fields: ToolCallProviderSpecificFields | Unset
        if isinstance(_provider_specific_fields, Unset):
            provider_specific_fields = UNSET
        else:
            provider_specific_fields = ToolCallProviderSpecificFields.from_dict(
                _provider_specific_fields
            )

        tool_call = cls(
            id=id,
            type_=type_,
            function=function,
            tool_info=tool_info,
            provider_specific_fields=provider_specific_fields,
        )

        tool_call.additional_properties = d
        return tool_call

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
