from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.thread_state_error_status import (
    ThreadStateErrorStatus,
    check_thread_state_error_status,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_message_event import ModelMessageEvent


T = TypeVar("T", bound="ThreadStateError")


@_attrs_define
class ThreadStateError:
    """
    Attributes:
        status (ThreadStateErrorStatus):
        error (str):
        output (ModelMessageEvent | Unset): A complete assistant message (the base of its deltas on a live stream).
    """

    status: ThreadStateErrorStatus
    error: str
    output: ModelMessageEvent | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        error = self.error

        output: dict[str, Any] | Unset = UNSET
        if not isinstance(self.output, Unset):
            output = self.output.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "error": error,
            }
        )
        if output is not UNSET:
            field_dict["output"] = output

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.model_message_event import ModelMessageEvent

        d = dict(src_dict)
        status = check_thread_state_error_status(d.pop("status"))

        error = d.pop("error")

        _output = d.pop("output", UNSET)
        output: ModelMessageEvent | Unset
        if isinstance(_output, Unset):
            output = UNSET
        else:
            output = ModelMessageEvent.from_dict(_output)

        thread_state_error = cls(
            status=status,
            error=error,
            output=output,
        )

        thread_state_error.additional_properties = d
        return thread_state_error

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
