from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scripted_step import ScriptedStep


T = TypeVar("T", bound="AgentModelParams")


@_attrs_define
class AgentModelParams:
    """Model call parameters. `openai-compatible/*` passes every key except the `scripted/*` ones below through to the Chat
    Completions request body. `scripted/*` reads `chunks`, `delay_ms`, `ignore_cancel_ms` and (`scripted/script`)
    `script`.

        Attributes:
            max_tokens (int | Unset):
            temperature (float | Unset):
            top_p (float | Unset):
            chunks (int | Unset): `scripted/echo`: number of delta chunks to stream. Default: 1.
            delay_ms (int | Unset): `scripted/echo`: delay before each chunk, in milliseconds. Default: 0.
            ignore_cancel_ms (int | Unset): `scripted/echo`: how long a cancelled delay carries on before it gives in, in
                milliseconds; a stand-in for a step that ignores cancellation (the cancel endpoint's 424). Default: 0.
            script (list[ScriptedStep] | Unset): `scripted/script`: the model's replies in order. The n-th model call of a
                session (counting the assistant messages already in its history) plays step n; past the end the last step
                repeats.
    """

    max_tokens: int | Unset = UNSET
    temperature: float | Unset = UNSET
    top_p: float | Unset = UNSET
    chunks: int | Unset = 1
    delay_ms: int | Unset = 0
    ignore_cancel_ms: int | Unset = 0
    script: list[ScriptedStep] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_tokens = self.max_tokens

        temperature = self.temperature

        top_p = self.top_p

        chunks = self.chunks

        delay_ms = self.delay_ms

        ignore_cancel_ms = self.ignore_cancel_ms

        script: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.script, Unset):
            script = []
            for script_item_data in self.script:
                script_item = script_item_data.to_dict()
                script.append(script_item)

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
        if script is not UNSET:
            field_dict["script"] = script

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.scripted_step import ScriptedStep

        d = dict(src_dict)
        max_tokens = d.pop("max_tokens", UNSET)

        temperature = d.pop("temperature", UNSET)

        top_p = d.pop("top_p", UNSET)

        chunks = d.pop("chunks", UNSET)

        delay_ms = d.pop("delay_ms", UNSET)

        ignore_cancel_ms = d.pop("ignore_cancel_ms", UNSET)

        _script = d.pop("script", UNSET)
        script: list[ScriptedStep] | Unset = UNSET
        if _script is not UNSET:
            script = []
            for script_item_data in _script:
                script_item = ScriptedStep.from_dict(script_item_data)

                script.append(script_item)

        agent_model_params = cls(
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            chunks=chunks,
            delay_ms=delay_ms,
            ignore_cancel_ms=ignore_cancel_ms,
            script=script,
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
