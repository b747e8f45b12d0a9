from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_state_done_status import (
    ThreadStateDoneStatus,
    check_thread_state_done_status,
)

if TYPE_CHECKING:
    from ..models.model_message_event import ModelMessageEvent


T = TypeVar("T", bound="ThreadStateDone")


@_attrs_define
class ThreadStateDone:
    """
    Attributes:
        status (ThreadStateDoneStatus):
        output (ModelMessageEvent): A complete assistant message (the base of its deltas on a live stream).
    """

    status: ThreadStateDoneStatus
    output: ModelMessageEvent
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        output = self.output.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "output": output,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.model_message_event import ModelMessageEvent

        d = dict(src_dict)
        status = check_thread_state_done_status(d.pop("status"))

        output = ModelMessageEvent.from_dict(d.pop("output"))

        thread_state_done = cls(
            status=status,
            output=output,
        )

        thread_state_done.additional_properties = d
        return thread_state_done

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
