from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentModelParams")


@_attrs_define
class AgentModelParams:
    """Model call parameters passed through to the provider; extra keys are allowed. `scripted/echo` reads `chunks` and
    `delay_ms`.

        Attributes:
            max_tokens (int | Unset):
            temperature (float | Unset):
            top_p (float | Unset):
            chunks (int | Unset): `scripted/echo`: number of delta chunks to stream. Default: 1.
            delay_ms (int | Unset): `scripted/echo`: delay before each chunk, in milliseconds. Default: 0.
            ignore_cancel_ms (int | Unset): `scripted/echo`: how long a cancelled delay carries on before it gives in, in
                milliseconds; a stand-in for a step that ignores cancellation (the cancel endpoint's 424). Default: 0.
    """

    max_tokens: int | Unset = UNSET
    temperature: float | Unset = UNSET
    top_p: float | Unset = UNSET
    chunks: int | Unset = 1
    delay_ms: int | Unset = 0
    ignore_cancel_ms: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_tokens = self.max_tokens

        temperature = self.temperature

        top_p = self.top_p

        chunks = self.chunks

        delay_ms = self.delay_ms

        ignore_cancel_ms = self.ignore_cancel_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if max_tokens is not UNSET:
            field_dict["max_tokens"] = max_tokens
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if top_p is not UNSET:
            field_dict["top_p"] = top_p
        if chunks is not UNSET:
            field_dict["chunks"] = chunks
        if delay_ms is not UNSET:
            field_dict["delay_ms"] = delay_ms
        if ignore_cancel_ms is not UNSET:
            field_dict["ignore_cancel_ms"] = ignore_cancel_ms

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        max_tokens = d.pop("max_tokens", UNSET)

        temperature = d.pop("temperature", UNSET)

        top_p = d.pop("top_p", UNSET)

        chunks = d.pop("chunks", UNSET)

        delay_ms = d.pop("delay_ms", UNSET)

        ignore_cancel_ms = d.pop("ignore_cancel_ms", UNSET)

        agent_model_params = cls(
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            chunks=chunks,
            delay_ms=delay_ms,
            ignore_cancel_ms=ignore_cancel_ms,
        )

        agent_model_params.additional_properties = d
        return agent_model_params

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
