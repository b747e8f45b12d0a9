from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.subject import Subject
    from ..models.turn_state_cancelled import TurnStateCancelled
    from ..models.turn_state_done import TurnStateDone
    from ..models.turn_state_error import TurnStateError
    from ..models.turn_state_running import TurnStateRunning
    from ..models.user_message import UserMessage
    from ..models.user_tool_approval_event import UserToolApprovalEvent
    from ..models.user_tool_response_event import UserToolResponseEvent


T = TypeVar("T", bound="Turn")


@_attrs_define
class Turn:
    """
    Attributes:
        id (str):
        session_id (str):
        state (TurnStateCancelled | TurnStateDone | TurnStateError | TurnStateRunning):
        created_by_subject (Subject):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        previous_turn_id (None | str | Unset):
        input_ (list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset):
    """

    id: str
    session_id: str
    state: TurnStateCancelled | TurnStateDone | TurnStateError | TurnStateRunning
    created_by_subject: Subject
    created_at: datetime.datetime
    previous_turn_id: None | str | Unset = UNSET
    input_: (
        list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.turn_state_cancelled import TurnStateCancelled
        from ..models.turn_state_done import TurnStateDone
        from ..models.turn_state_running import TurnStateRunning
        from ..models.user_message import UserMessage
        from ..models.user_tool_approval_event import UserToolApprovalEvent

        id = self.id

        session_id = self.session_id

        state: dict[str, Any]
        if (
            isinstance(self.state, TurnStateRunning)
            or isinstance(self.state, TurnStateDone)
            or isinstance(self.state, TurnStateCancelled)
        ):
            state = self.state.to_dict()
        else:
            state = self.state.to_dict()

        created_by_subject = self.created_by_subject.to_dict()

        created_at = self.created_at.isoformat()

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "session_id": session_id,
                "state": state,
                "created_by_subject": created_by_subject,
                "created_at": created_at,
            }
        )
        if previous_turn_id is not UNSET:
            field_dict["previous_turn_id"] = previous_turn_id
        if input_ is not UNSET:
            field_dict["input"] = input_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subject import Subject
        from ..models.turn_state_cancelled import TurnStateCancelled
        from ..models.turn_state_done import TurnStateDone
        from ..models.turn_state_error import TurnStateError
        from ..models.turn_state_running import TurnStateRunning
        from ..models.user_message import UserMessage
        from ..models.user_tool_approval_event import UserToolApprovalEvent
        from ..models.user_tool_response_event import UserToolResponseEvent

        d = dict(src_dict)
        id = d.pop("id")

        session_id = d.pop("session_id")

        def _parse_state(
            data: object,
        ) -> TurnStateCancelled | TurnStateDone | TurnStateError | TurnStateRunning:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_turn_state_type_0 = TurnStateRunning.from_dict(data)

                return componentsschemas_turn_state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_turn_state_type_1 = TurnStateDone.from_dict(data)

                return componentsschemas_turn_state_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_turn_state_type_2 = TurnStateCancelled.from_dict(data)

                return componentsschemas_turn_state_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_turn_state_type_3 = TurnStateError.from_dict(data)

            return componentsschemas_turn_state_type_3

        state = _parse_state(d.pop("state"))

        created_by_subject = Subject.from_dict(d.pop("created_by_subject"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        turn = cls(
            id=id,
            session_id=session_id,
            state=state,
            created_by_subject=created_by_subject,
            created_at=created_at,
            previous_turn_id=previous_turn_id,
            input_=input_,
        )

        turn.additional_properties = d
        return turn

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
