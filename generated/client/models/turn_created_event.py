from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.turn_created_event_type import (
    TurnCreatedEventType,
    check_turn_created_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.subject import Subject
    from ..models.turn_state_running import TurnStateRunning
    from ..models.user_message import UserMessage
    from ..models.user_tool_approval_event import UserToolApprovalEvent
    from ..models.user_tool_response_event import UserToolResponseEvent


T = TypeVar("T", bound="TurnCreatedEvent")


@_attrs_define
class TurnCreatedEvent:
    """Always the first event of a turn.

    Attributes:
        type_ (TurnCreatedEventType):
        id (str):
        turn_id (str):
        state (TurnStateRunning): The turn is executing.
        created_by (Subject):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
        previous_turn_id (None | str | Unset):
        input_ (list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset):
        thread_id (None | str | Unset):
    """

    type_: TurnCreatedEventType
    id: str
    turn_id: str
    state: TurnStateRunning
    created_by: Subject
    created_at: datetime.datetime
    sequence_number: int | Unset = UNSET
    previous_turn_id: None | str | Unset = UNSET
    input_: (
        list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset
    ) = UNSET
    thread_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_message import UserMessage
        from ..models.user_tool_approval_event import UserToolApprovalEvent

        type_: str = self.type_

        id = self.id

        turn_id = self.turn_id

        state = self.state.to_dict()

        created_by = self.created_by.to_dict()

        created_at = self.created_at.isoformat()

        sequence_number = self.sequence_number

        previous_turn_id: None | str | Unset
        if isinstance(self.previous_turn_id, Unset):
            previous_turn_id = UNSET
        else:
            previous_turn_id = self.previous_turn_id

        input_: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.input_, Unset):
            input_ = []
            for input_item_data in self.input_:
                input_item: dict[str, Any]
                if isinstance(input_item_data, UserMessage) or isinstance(
                    input_item_data, UserToolApprovalEvent
                ):
                    input_item = input_item_data.to_dict()
                else:
                    input_item = input_item_data.to_dict()

                input_.append(input_item)

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
                "turn_id": turn_id,
                "state": state,
                "created_by": created_by,
                "created_at": created_at,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number
        if previous_turn_id is not UNSET:
            field_dict["previous_turn_id"] = previous_turn_id
        if input_ is not UNSET:
            field_dict["input"] = input_
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subject import Subject
        from ..models.turn_state_running import TurnStateRunning
        from ..models.user_message import UserMessage
        from ..models.user_tool_approval_event import UserToolApprovalEvent
        from ..models.user_tool_response_event import UserToolResponseEvent

        d = dict(src_dict)
        type_ = check_turn_created_event_type(d.pop("type"))

        id = d.pop("id")

        turn_id = d.pop("turn_id")

        state = TurnStateRunning.from_dict(d.pop("state"))

        created_by = Subject.from_dict(d.pop("created_by"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        sequence_number = d.pop("sequence_number", UNSET)

        def _parse_previous_turn_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        previous_turn_id = _parse_previous_turn_id(d.pop("previous_turn_id", UNSET))

        _input_ = d.pop("input", UNSET)
        input_: (
            list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset
        ) = UNSET
        if _input_ is not UNSET:
            input_ = []
            for input_item_data in _input_:

                def _parse_input_item(
                    data: object,
                ) -> UserMessage | UserToolApprovalEvent | UserToolResponseEvent:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_turn_input_item_type_0 = (
                            UserMessage.from_dict(data)
                        )

                        return componentsschemas_turn_input_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_turn_input_item_type_1 = (
                            UserToolApprovalEvent.from_dict(data)
                        )

                        return componentsschemas_turn_input_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_input_item_type_2 = (
                        UserToolResponseEvent.from_dict(data)
                    )

                    return componentsschemas_turn_input_item_type_2

                input_item = _parse_input_item(input_item_data)

                input_.append(input_item)

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        turn_created_event = cls(
            type_=type_,
            id=id,
            turn_id=turn_id,
            state=state,
            created_by=created_by,
            created_at=created_at,
            sequence_number=sequence_number,
            previous_turn_id=previous_turn_id,
            input_=input_,
            thread_id=thread_id,
        )

        turn_created_event.additional_properties = d
        return turn_created_event

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
