from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.if_running import IfRunning, check_if_running
from ..models.previous_turn_id_input_type_0 import (
    PreviousTurnIdInputType0,
    check_previous_turn_id_input_type_0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_message import UserMessage
    from ..models.user_tool_approval_event import UserToolApprovalEvent
    from ..models.user_tool_response_event import UserToolResponseEvent


T = TypeVar("T", bound="CreateTurnRequest")


@_attrs_define
class CreateTurnRequest:
    """
    Attributes:
        input_ (list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset):
        previous_turn_id (PreviousTurnIdInputType0 | str | Unset): `auto` (default) chains to the session's last turn,
            `none` starts a new root turn, any other value names the turn to chain from.
        stream (bool | Unset): When false, return the created turn as JSON instead of streaming. Default: True.
        if_running (IfRunning | Unset): What creating a turn does while another turn runs in the session. `reject`:
            refuse with 409 `turn_running`. `interrupt`: cancel the running turn with reason `cancelled-for-next-turn`, wait
            until its terminal state (its one `turn.done`) is recorded, then start the new turn, which under
            `previous_turn_id: auto` chains from the interrupted one; 424 when the executor does not confirm the
            cancellation in time. Concurrent interrupting requests start their turns one after another, each interrupting
            the turn running when it tries: never two running turns, and the last to start keeps running.
    """

    input_: (
        list[UserMessage | UserToolApprovalEvent | UserToolResponseEvent] | Unset
    ) = UNSET
    previous_turn_id: PreviousTurnIdInputType0 | str | Unset = UNSET
    stream: bool | Unset = True
    if_running: IfRunning | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_message import UserMessage
        from ..models.user_tool_approval_event import UserToolApprovalEvent

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

        previous_turn_id: str | Unset
        if isinstance(self.previous_turn_id, Unset):
            previous_turn_id = UNSET
        elif isinstance(self.previous_turn_id, str):
            previous_turn_id = self.previous_turn_id
        else:
            previous_turn_id = self.previous_turn_id

        stream = self.stream

        if_running: str | Unset = UNSET
        if not isinstance(self.if_running, Unset):
            if_running = self.if_running

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if input_ is not UNSET:
            field_dict["input"] = input_
        if previous_turn_id is not UNSET:
            field_dict["previous_turn_id"] = previous_turn_id
        if stream is not UNSET:
            field_dict["stream"] = stream
        if if_running is not UNSET:
            field_dict["if_running"] = if_running

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_message import UserMessage
        from ..models.user_tool_approval_event import UserToolApprovalEvent
        from ..models.user_tool_response_event import UserToolResponseEvent

        d = dict(src_dict)
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

        def _parse_previous_turn_id(
            data: object,
        ) -> PreviousTurnIdInputType0 | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_previous_turn_id_input_type_0 = (
                    check_previous_turn_id_input_type_0(data)
                )

                return componentsschemas_previous_turn_id_input_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(PreviousTurnIdInputType0 | str | Unset, data)

        previous_turn_id = _parse_previous_turn_id(d.pop("previous_turn_id", UNSET))

        stream = d.pop("stream", UNSET)

        _if_running = d.pop("if_running", UNSET)
        if_running: IfRunning | Unset
        if isinstance(_if_running, Unset):
            if_running = UNSET
        else:
            if_running = check_if_running(_if_running)

        create_turn_request = cls(
            input_=input_,
            previous_turn_id=previous_turn_id,
            stream=stream,
            if_running=if_running,
        )

        create_turn_request.additional_properties = d
        return create_turn_request

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
