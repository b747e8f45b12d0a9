from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_created_event_type import (
    ThreadCreatedEventType,
    check_thread_created_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_info import AgentInfo
    from ..models.agent_parent import AgentParent


T = TypeVar("T", bound="ThreadCreatedEvent")


@_attrs_define
class ThreadCreatedEvent:
    """
    Attributes:
        type_ (ThreadCreatedEventType):
        id (str):
        thread_id (str):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        title (str):
        parent (AgentParent):
        agent_info (AgentInfo):
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
    """

    type_: ThreadCreatedEventType
    id: str
    thread_id: str
    created_at: datetime.datetime
    title: str
    parent: AgentParent
    agent_info: AgentInfo
    sequence_number: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        id = self.id

        thread_id = self.thread_id

        created_at = self.created_at.isoformat()

        title = self.title

        parent = self.parent.to_dict()

        agent_info = self.agent_info.to_dict()

        sequence_number = self.sequence_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "thread_id": thread_id,
                "created_at": created_at,
                "title": title,
                "parent": parent,
                "agent_info": agent_info,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agent_info import AgentInfo
        from ..models.agent_parent import AgentParent

        d = dict(src_dict)
        type_ = check_thread_created_event_type(d.pop("type"))

        id = d.pop("id")

        thread_id = d.pop("thread_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        title = d.pop("title")

        parent = AgentParent.from_dict(d.pop("parent"))

        agent_info = AgentInfo.from_dict(d.pop("agent_info"))

        sequence_number = d.pop("sequence_number", UNSET)

        thread_created_event = cls(
            type_=type_,
            id=id,
            thread_id=thread_id,
            created_at=created_at,
            title=title,
            parent=parent,
            agent_info=agent_info,
            sequence_number=sequence_number,
        )

        thread_created_event.additional_properties = d
        return thread_created_event

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
