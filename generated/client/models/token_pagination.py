from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenPagination")


@_attrs_define
class TokenPagination:
    """
    Attributes:
        limit (int):
        next_page_token (None | str | Unset):
        previous_page_token (None | str | Unset):
    """

    limit: int
    next_page_token: None | str | Unset = UNSET
    previous_page_token: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        limit = self.limit

        next_page_token: None | str | Unset
        if isinstance(self.next_page_token, Unset):
            next_page_token = UNSET
        else:
            next_page_token = self.next_page_token

        previous_page_token: None | str | Unset
        if isinstance(self.previous_page_token, Unset):
            previous_page_token = UNSET
        else:
            previous_page_token = self.previous_page_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "limit": limit,
            }
        )
        if next_page_token is not UNSET:
            field_dict["next_page_token"] = next_page_token
        if previous_page_token is not UNSET:
            field_dict["previous_page_token"] = previous_page_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        limit = d.pop("limit")

        def _parse_next_page_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token", UNSET))

        def _parse_previous_page_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        previous_page_token = _parse_previous_page_token(
            d.pop("previous_page_token", UNSET)
        )

        token_pagination = cls(
            limit=limit,
            next_page_token=next_page_token,
            previous_page_token=previous_page_token,
        )

        token_pagination.additional_properties = d
        return token_pagination

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
