from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.turn_done_event_type import TurnDoneEventType, check_turn_done_event_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.turn_state_cancelled import TurnStateCancelled
    from ..models.turn_state_done import TurnStateDone
    from ..models.turn_state_error import TurnStateError


T = TypeVar("T", bound="TurnDoneEvent")


@_attrs_define
class TurnDoneEvent:
    """Always the last event of a turn, carrying its terminal state; exactly one per turn.

    Attributes:
        type_ (TurnDoneEventType):
        id (str):
        state (TurnStateCancelled | TurnStateDone | TurnStateError):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
        thread_id (None | str | Unset):
    """

    type_: TurnDoneEventType
    id: str
    state: TurnStateCancelled | TurnStateDone | TurnStateError
    created_at: datetime.datetime
    sequence_number: int | Unset = UNSET
    thread_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.turn_state_cancelled import TurnStateCancelled
        from ..models.turn_state_done import TurnStateDone

        type_: str = self.type_

        id = self.id

        state: dict[str, Any]
        if isinstance(self.state, TurnStateDone) or isinstance(
            self.state, TurnStateCancelled
        ):
            state = self.state.to_dict()
        else:
            state = self.state.to_dict()

        created_at = self.created_at.isoformat()

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
                "state": state,
                "created_at": created_at,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.turn_state_cancelled import TurnStateCancelled
        from ..models.turn_state_done import TurnStateDone
        from ..models.turn_state_error import TurnStateError

        d = dict(src_dict)
        type_ = check_turn_done_event_type(d.pop("type"))

        id = d.pop("id")

        def _parse_state(
            data: object,
        ) -> TurnStateCancelled | TurnStateDone | TurnStateError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_turn_terminal_state_type_0 = TurnStateDone.from_dict(
                    data
                )

                return componentsschemas_turn_terminal_state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_turn_terminal_state_type_1 = (
                    TurnStateCancelled.from_dict(data)
                )

                return componentsschemas_turn_terminal_state_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_turn_terminal_state_type_2 = TurnStateError.from_dict(
                data
            )

            return componentsschemas_turn_terminal_state_type_2

        state = _parse_state(d.pop("state"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        sequence_number = d.pop("sequence_number", UNSET)

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        turn_done_event = cls(
            type_=type_,
            id=id,
            state=state,
            created_at=created_at,
            sequence_number=sequence_number,
            thread_id=thread_id,
        )

        turn_done_event.additional_properties = d
        return turn_done_event

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
