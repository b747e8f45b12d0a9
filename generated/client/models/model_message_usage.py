from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.input_tokens_breakdown import InputTokensBreakdown


T = TypeVar("T", bound="ModelMessageUsage")


@_attrs_define
class ModelMessageUsage:
    """
    Attributes:
        input_tokens (int):
        output_tokens (int):
        input_tokens_breakdown (InputTokensBreakdown):
        cache_read_tokens (int | Unset):
        cache_write_tokens (int | Unset):
    """

    input_tokens: int
    output_tokens: int
    input_tokens_breakdown: InputTokensBreakdown
    cache_read_tokens: int | Unset = UNSET
    cache_write_tokens: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        input_tokens = self.input_tokens

        output_tokens = self.output_tokens

        input_tokens_breakdown = self.input_tokens_breakdown.to_dict()

        cache_read_tokens = self.cache_read_tokens

        cache_write_tokens = self.cache_write_tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "input_tokens_breakdown": input_tokens_breakdown,
            }
        )
        if cache_read_tokens is not UNSET:
            field_dict["cache_read_tokens"] = cache_read_tokens
        if cache_write_tokens is not UNSET:
            field_dict["cache_write_tokens"] = cache_write_tokens

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.input_tokens_breakdown import InputTokensBreakdown

        d = dict(src_dict)
        input_tokens = d.pop("input_tokens")

        output_tokens = d.pop("output_tokens")

        input_tokens_breakdown = InputTokensBreakdown.from_dict(
            d.pop("input_tokens_breakdown")
        )

        cache_read_tokens = d.pop("cache_read_tokens", UNSET)

        cache_write_tokens = d.pop("cache_write_tokens", UNSET)

        model_message_usage = cls(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            input_tokens_breakdown=input_tokens_breakdown,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
        )

        model_message_usage.additional_properties = d
        return model_message_usage

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
