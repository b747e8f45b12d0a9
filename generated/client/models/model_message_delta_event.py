from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.finish_reason import FinishReason, check_finish_reason
from ..models.model_message_delta_event_type import (
    ModelMessageDeltaEventType,
    check_model_message_delta_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.extended_chunk_delta_tool_call import ExtendedChunkDeltaToolCall
    from ..models.model_message_usage import ModelMessageUsage


T = TypeVar("T", bound="ModelMessageDeltaEvent")


@_attrs_define
class ModelMessageDeltaEvent:
    """A chunk of the `model.message` with the same `id`; clients merge it into that message.

    Attributes:
        type_ (ModelMessageDeltaEventType):
        id (str):
        thread_id (str):
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
        created_at (datetime.datetime | Unset): ISO-8601 timestamp (UTC).
        content (str | Unset):
        refusal (str | Unset):
        reasoning_content (str | Unset):
        tool_calls (list[ExtendedChunkDeltaToolCall] | Unset):
        finish_reason (FinishReason | None | Unset):
        usage (ModelMessageUsage | Unset):
    """

    type_: ModelMessageDeltaEventType
    id: str
    thread_id: str
    sequence_number: int | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    content: str | Unset = UNSET
    refusal: str | Unset = UNSET
    reasoning_content: str | Unset = UNSET
    tool_calls: list[ExtendedChunkDeltaToolCall] | Unset = UNSET
    finish_reason: FinishReason | None | Unset = UNSET
    usage: ModelMessageUsage | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        id = self.id

        thread_id = self.thread_id

        sequence_number = self.sequence_number

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        content = self.content

        refusal = self.refusal

        reasoning_content = self.reasoning_content

        tool_calls: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tool_calls, Unset):
            tool_calls = []
            for tool_calls_item_data in self.tool_calls:
                tool_calls_item = tool_calls_item_data.to_dict()
                tool_calls.append(tool_calls_item)

        finish_reason: None | str | Unset
        if isinstance(self.finish_reason, Unset):
            finish_reason = UNSET
        elif isinstance(self.finish_reason, str):
            finish_reason = self.finish_reason
        else:
            finish_reason = self.finish_reason

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "thread_id": thread_id,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if content is not UNSET:
            field_dict["content"] = content
        if refusal is not UNSET:
            field_dict["refusal"] = refusal
        if reasoning_content is not UNSET:
            field_dict["reasoning_content"] = reasoning_content
        if tool_calls is not UNSET:
            field_dict["tool_calls"] = tool_calls
        if finish_reason is not UNSET:
            field_dict["finish_reason"] = finish_reason
        if usage is not UNSET:
            field_dict["usage"] = usage

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.extended_chunk_delta_tool_call import ExtendedChunkDeltaToolCall
        from ..models.model_message_usage import ModelMessageUsage

        d = dict(src_dict)
        type_ = check_model_message_delta_event_type(d.pop("type"))

        id = d.pop("id")

        thread_id = d.pop("thread_id")

        sequence_number = d.pop("sequence_number", UNSET)

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        content = d.pop("content", UNSET)

        refusal = d.pop("refusal", UNSET)

        reasoning_content = d.pop("reasoning_content", UNSET)

        _tool_calls = d.pop("tool_calls", UNSET)
        tool_calls: list[ExtendedChunkDeltaToolCall] | Unset = UNSET
        if _tool_calls is not UNSET:
            tool_calls = []
            for tool_calls_item_data in _tool_calls:
                tool_calls_item = ExtendedChunkDeltaToolCall.from_dict(
                    tool_calls_item_data
                )

                tool_calls.append(tool_calls_item)

        def _parse_finish_reason(data: object) -> FinishReason | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finish_reason_type_0 = check_finish_reason(data)

                return finish_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FinishReason | None | Unset, data)

        finish_reason = _parse_finish_reason(d.pop("finish_reason", UNSET))

        _usage = d.pop("usage", UNSET)
        usage: ModelMessageUsage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = ModelMessageUsage.from_dict(_usage)

        model_message_delta_event = cls(
            type_=type_,
            id=id,
            thread_id=thread_id,
            sequence_number=sequence_number,
            created_at=created_at,
            content=content,
            refusal=refusal,
            reasoning_content=reasoning_content,
            tool_calls=tool_calls,
            finish_reason=finish_reason,
            usage=usage,
        )

        model_message_delta_event.additional_properties = d
        return model_message_delta_event

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
