from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubscribeTurnRequest")


@_attrs_define
class SubscribeTurnRequest:
    """
    Attributes:
        after_sequence_number (int | None | Unset): Resume after this sequence number (exclusive).
    """

    after_sequence_number: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        after_sequence_number: int | None | Unset
        if isinstance(self.after_sequence_number, Unset):
            after_sequence_number = UNSET
        else:
            after_sequence_number = self.after_sequence_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if after_sequence_number is not UNSET:
            field_dict["after_sequence_number"] = after_sequence_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_after_sequence_number(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        after_sequence_number = _parse_after_sequence_number(
            d.pop("after_sequence_number", UNSET)
        )

        subscribe_turn_request = cls(
            after_sequence_number=after_sequence_number,
        )

        subscribe_turn_request.additional_properties = d
        return subscribe_turn_request

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
