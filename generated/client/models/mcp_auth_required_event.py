from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.mcp_auth_required_event_type import (
    McpAuthRequiredEventType,
    check_mcp_auth_required_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mcp_server_auth_info import McpServerAuthInfo


T = TypeVar("T", bound="McpAuthRequiredEvent")


@_attrs_define
class McpAuthRequiredEvent:
    """
    Attributes:
        type_ (McpAuthRequiredEventType):
        id (str):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        mcp_servers (list[McpServerAuthInfo]):
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
        thread_id (None | str | Unset):
    """

    type_: McpAuthRequiredEventType
    id: str
    created_at: datetime.datetime
    mcp_servers: list[McpServerAuthInfo]
    sequence_number: int | Unset = UNSET
    thread_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        id = self.id

        created_at = self.created_at.isoformat()

        mcp_servers = []
        for mcp_servers_item_data in self.mcp_servers:
            mcp_servers_item = mcp_servers_item_data.to_dict()
            mcp_servers.append(mcp_servers_item)

        sequence_number = self.sequence_number

        thread_id: None | str | Unset
        if isinstance(self.thread_id, Unset):
            thread_id = UNSET
        else:
            thread_id = self.thread_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "created_at": created_at,
                "mcp_servers": mcp_servers,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mcp_server_auth_info import McpServerAuthInfo

        d = dict(src_dict)
        type_ = check_mcp_auth_required_event_type(d.pop("type"))

        id = d.pop("id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        mcp_servers = []
        _mcp_servers = d.pop("mcp_servers")
        for mcp_servers_item_data in _mcp_servers:
            mcp_servers_item = McpServerAuthInfo.from_dict(mcp_servers_item_data)

            mcp_servers.append(mcp_servers_item)

        sequence_number = d.pop("sequence_number", UNSET)

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        mcp_auth_required_event = cls(
            type_=type_,
            id=id,
            created_at=created_at,
            mcp_servers=mcp_servers,
            sequence_number=sequence_number,
            thread_id=thread_id,
        )

        mcp_auth_required_event.additional_properties = d
        return mcp_auth_required_event

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
