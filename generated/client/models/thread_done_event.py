from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_done_event_type import (
    ThreadDoneEventType,
    check_thread_done_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_parent import AgentParent
    from ..models.thread_state_done import ThreadStateDone
    from ..models.thread_state_error import ThreadStateError


T = TypeVar("T", bound="ThreadDoneEvent")


@_attrs_define
class ThreadDoneEvent:
    """
    Attributes:
        type_ (ThreadDoneEventType):
        id (str):
        thread_id (str):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        title (str):
        state (ThreadStateDone | ThreadStateError):
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
        parent (AgentParent | Unset):
    """

    type_: ThreadDoneEventType
    id: str
    thread_id: str
    created_at: datetime.datetime
    title: str
    state: ThreadStateDone | ThreadStateError
    sequence_number: int | Unset = UNSET
    parent: AgentParent | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.thread_state_done import ThreadStateDone

        type_: str = self.type_

        id = self.id

        thread_id = self.thread_id

        created_at = self.created_at.isoformat()

        title = self.title

        state: dict[str, Any]
        if isinstance(self.state, ThreadStateDone):
            state = self.state.to_dict()
        else:
            state = self.state.to_dict()

        sequence_number = self.sequence_number

        parent: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parent, Unset):
            parent = self.parent.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "thread_id": thread_id,
                "created_at": created_at,
                "title": title,
                "state": state,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number
        if parent is not UNSET:
            field_dict["parent"] = parent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agent_parent import AgentParent
        from ..models.thread_state_done import ThreadStateDone
        from ..models.thread_state_error import ThreadStateError

        d = dict(src_dict)
        type_ = check_thread_done_event_type(d.pop("type"))

        id = d.pop("id")

        thread_id = d.pop("thread_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        title = d.pop("title")

        def _parse_state(data: object) -> ThreadStateDone | ThreadStateError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_thread_state_type_0 = ThreadStateDone.from_dict(data)

                return componentsschemas_thread_state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_thread_state_type_1 = ThreadStateError.from_dict(data)

            return componentsschemas_thread_state_type_1

        state = _parse_state(d.pop("state"))

        sequence_number = d.pop("sequence_number", UNSET)

        _parent = d.pop("parent", UNSET)
        parent: AgentParent | Unset
        if isinstance(_parent, Unset):
            parent = UNSET
        else:
            parent = AgentParent.from_dict(_parent)

        thread_done_event = cls(
            type_=type_,
            id=id,
            thread_id=thread_id,
            created_at=created_at,
            title=title,
            state=state,
            sequence_number=sequence_number,
            parent=parent,
        )

        thread_done_event.additional_properties = d
        return thread_done_event

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
