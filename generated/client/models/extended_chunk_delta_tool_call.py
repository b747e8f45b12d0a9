from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.extended_chunk_delta_tool_call_type import (
    ExtendedChunkDeltaToolCallType,
    check_extended_chunk_delta_tool_call_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.extended_chunk_delta_tool_call_provider_specific_fields import (
        ExtendedChunkDeltaToolCallProviderSpecificFields,
    )
    from ..models.mcp_tool_info import McpToolInfo
    from ..models.tool_call_delta_function import ToolCallDeltaFunction
    from ..models.true_foundry_system_tool_info import TrueFoundrySystemToolInfo


T = TypeVar("T", bound="ExtendedChunkDeltaToolCall")


@_attrs_define
class ExtendedChunkDeltaToolCall:
    """
    Attributes:
        index (int):
        id (str | Unset):
        type_ (ExtendedChunkDeltaToolCallType | Unset):
        function (ToolCallDeltaFunction | Unset):
        tool_info (McpToolInfo | TrueFoundrySystemToolInfo | Unset):
        provider_specific_fields (ExtendedChunkDeltaToolCallProviderSpecificFields | Unset):
    """

    index: int
    id: str | Unset = UNSET
    type_: ExtendedChunkDeltaToolCallType | Unset = UNSET
    function: ToolCallDeltaFunction | Unset = UNSET
    tool_info: McpToolInfo | TrueFoundrySystemToolInfo | Unset = UNSET
    provider_specific_fields: (
        ExtendedChunkDeltaToolCallProviderSpecificFields | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.true_foundry_system_tool_info import TrueFoundrySystemToolInfo

        index = self.index

        id = self.id

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_

        function: dict[str, Any] | Unset = UNSET
        if not isinstance(self.function, Unset):
            function = self.function.to_dict()

        tool_info: dict[str, Any] | Unset
        if isinstance(self.tool_info, Unset):
            tool_info = UNSET
        elif isinstance(self.tool_info, TrueFoundrySystemToolInfo):
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
                "index": index,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if type_ is not UNSET:
            field_dict["type"] = type_
        if function is not UNSET:
            field_dict["function"] = function
        if tool_info is not UNSET:
            field_dict["tool_info"] = tool_info
        if provider_specific_fields is not UNSET:
            field_dict["provider_specific_fields"] = provider_specific_fields

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.extended_chunk_delta_tool_call_provider_specific_fields import (
            ExtendedChunkDeltaToolCallProviderSpecificFields,
        )
        from ..models.mcp_tool_info import McpToolInfo
        from ..models.tool_call_delta_function import ToolCallDeltaFunction
        from ..models.true_foundry_system_tool_info import TrueFoundrySystemToolInfo

        d = dict(src_dict)
        index = d.pop("index")

        id = d.pop("id", UNSET)

        _type_ = d.pop("type", UNSET)
        type_: ExtendedChunkDeltaToolCallType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = check_extended_chunk_delta_tool_call_type(_type_)

        _function = d.pop("function", UNSET)
        function: ToolCallDeltaFunction | Unset
        if isinstance(_function, Unset):
            function = UNSET
        else:
            function = ToolCallDeltaFunction.from_dict(_function)

        def _parse_tool_info(
            data: object,
        ) -> McpToolInfo | TrueFoundrySystemToolInfo | Unset:
            if isinstance(data, Unset):
                return data
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

        tool_info = _parse_tool_info(d.pop("tool_info", UNSET))

        _provider_specific_fields = d.pop("provider_specific_fields", UNSET)
        provider_specific_fields: (
            ExtendedChunkDeltaToolCallProviderSpecificFields | Unset
        )
        if isinstance(_provider_specific_fields, Unset):
            provider_specific_fields = UNSET
        else:
            provider_specific_fields = (
                ExtendedChunkDeltaToolCallProviderSpecificFields.from_dict(
                    _provider_specific_fields
                )
            )

        extended_chunk_delta_tool_call = cls(
            index=index,
            id=id,
            type_=type_,
            function=function,
            tool_info=tool_info,
            provider_specific_fields=provider_specific_fields,
        )

        extended_chunk_delta_tool_call.additional_properties = d
        return extended_chunk_delta_tool_call

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
