from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TurnMetrics")


@_attrs_define
class TurnMetrics:
    """
    Attributes:
        total_input_tokens (int):
        total_output_tokens (int):
        total_tokens (int):
        total_cache_read_tokens (int | Unset):
        total_cache_write_tokens (int | Unset):
        total_reasoning_tokens (int | Unset):
        total_cost_in_usd (float | Unset):
    """

    total_input_tokens: int
    total_output_tokens: int
    total_tokens: int
    total_cache_read_tokens: int | Unset = UNSET
    total_cache_write_tokens: int | Unset = UNSET
    total_reasoning_tokens: int | Unset = UNSET
    total_cost_in_usd: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_input_tokens = self.total_input_tokens

        total_output_tokens = self.total_output_tokens

        total_tokens = self.total_tokens

        total_cache_read_tokens = self.total_cache_read_tokens

        total_cache_write_tokens = self.total_cache_write_tokens

        total_reasoning_tokens = self.total_reasoning_tokens

        total_cost_in_usd = self.total_cost_in_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total_input_tokens": total_input_tokens,
                "total_output_tokens": total_output_tokens,
                "total_tokens": total_tokens,
            }
        )
        if total_cache_read_tokens is not UNSET:
            field_dict["total_cache_read_tokens"] = total_cache_read_tokens
        if total_cache_write_tokens is not UNSET:
            field_dict["total_cache_write_tokens"] = total_cache_write_tokens
        if total_reasoning_tokens is not UNSET:
            field_dict["total_reasoning_tokens"] = total_reasoning_tokens
        if total_cost_in_usd is not UNSET:
            field_dict["total_cost_in_usd"] = total_cost_in_usd

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        total_input_tokens = d.pop("total_input_tokens")

        total_output_tokens = d.pop("total_output_tokens")

        total_tokens = d.pop("total_tokens")

        total_cache_read_tokens = d.pop("total_cache_read_tokens", UNSET)

        total_cache_write_tokens = d.pop("total_cache_write_tokens", UNSET)

        total_reasoning_tokens = d.pop("total_reasoning_tokens", UNSET)

        total_cost_in_usd = d.pop("total_cost_in_usd", UNSET)

        turn_metrics = cls(
            total_input_tokens=total_input_tokens,
            total_output_tokens=total_output_tokens,
            total_tokens=total_tokens,
            total_cache_read_tokens=total_cache_read_tokens,
            total_cache_write_tokens=total_cache_write_tokens,
            total_reasoning_tokens=total_reasoning_tokens,
            total_cost_in_usd=total_cost_in_usd,
        )

        turn_metrics.additional_properties = d
        return turn_metrics

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
