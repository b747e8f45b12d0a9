from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.finish_reason import FinishReason, check_finish_reason
from ..models.model_message_event_type import (
    ModelMessageEventType,
    check_model_message_event_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_completion_content_part_refusal import (
        ChatCompletionContentPartRefusal,
    )
    from ..models.chat_completion_content_part_text import ChatCompletionContentPartText
    from ..models.model_message_usage import ModelMessageUsage
    from ..models.tool_call import ToolCall


T = TypeVar("T", bound="ModelMessageEvent")


@_attrs_define
class ModelMessageEvent:
    """A complete assistant message (the base of its deltas on a live stream).

    Attributes:
        type_ (ModelMessageEventType):
        id (str): Unique identifier for the event; its deltas share it.
        thread_id (str):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        sequence_number (int | Unset): Position of the event in its turn's log (1 = `turn.created`); equals the SSE
            `id:`.
        content (list[ChatCompletionContentPartRefusal | ChatCompletionContentPartText] | None | str | Unset):
        name (str | Unset):
        refusal (None | str | Unset):
        reasoning_content (str | Unset):
        tool_calls (list[ToolCall] | Unset):
        finish_reason (FinishReason | None | Unset):
        usage (ModelMessageUsage | Unset):
    """

    type_: ModelMessageEventType
    id: str
    thread_id: str
    created_at: datetime.datetime
    sequence_number: int | Unset = UNSET
    content: (
        list[ChatCompletionContentPartRefusal | ChatCompletionContentPartText]
        | None
        | str
        | Unset
    ) = UNSET
    name: str | Unset = UNSET
    refusal: None | str | Unset = UNSET
    reasoning_content: str | Unset = UNSET
    tool_calls: list[ToolCall] | Unset = UNSET
    finish_reason: FinishReason | None | Unset = UNSET
    usage: ModelMessageUsage | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_completion_content_part_text import (
            ChatCompletionContentPartText,
        )

        type_: str = self.type_

        id = self.id

        thread_id = self.thread_id

        created_at = self.created_at.isoformat()

        sequence_number = self.sequence_number

        content: list[dict[str, Any]] | None | str | Unset
        if isinstance(self.content, Unset):
            content = UNSET
        elif isinstance(self.content, list):
            content = []
            for content_type_1_item_data in self.content:
                content_type_1_item: dict[str, Any]
                if isinstance(content_type_1_item_data, ChatCompletionContentPartText):
                    content_type_1_item = content_type_1_item_data.to_dict()
                else:
                    content_type_1_item = content_type_1_item_data.to_dict()

                content.append(content_type_1_item)

        else:
            content = self.content

        name = self.name

        refusal: None | str | Unset
        if isinstance(self.refusal, Unset):
            refusal = UNSET
        else:
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
                "created_at": created_at,
            }
        )
        if sequence_number is not UNSET:
            field_dict["sequence_number"] = sequence_number
        if content is not UNSET:
            field_dict["content"] = content
        if name is not UNSET:
            field_dict["name"] = name
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
        from ..models.chat_completion_content_part_refusal import (
            ChatCompletionContentPartRefusal,
        )
        from ..models.chat_completion_content_part_text import (
            ChatCompletionContentPartText,
        )
        from ..models.model_message_usage import ModelMessageUsage
        from ..models.tool_call import ToolCall

        d = dict(src_dict)
        type_ = check_model_message_event_type(d.pop("type"))

        id = d.pop("id")

        thread_id = d.pop("thread_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        sequence_number = d.pop("sequence_number", UNSET)

        def _parse_content(
            data: object,
        ) -> (
            list[ChatCompletionContentPartRefusal | ChatCompletionContentPartText]
            | None
            | str
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                content_type_1 = []
                _content_type_1 = data
                for content_type_1_item_data in _content_type_1:

                    def _parse_content_type_1_item(
                        data: object,
                    ) -> (
                        ChatCompletionContentPartRefusal | ChatCompletionContentPartText
                    ):
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_model_message_content_part_type_0 = (
                                ChatCompletionContentPartText.from_dict(data)
                            )

                            return componentsschemas_model_message_content_part_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_model_message_content_part_type_1 = (
                            ChatCompletionContentPartRefusal.from_dict(data)
                        )

                        return componentsschemas_model_message_content_part_type_1

                    content_type_1_item = _parse_content_type_1_item(
                        content_type_1_item_data
                    )

                    content_type_1.append(content_type_1_item)

                return content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[ChatCompletionContentPartRefusal | ChatCompletionContentPartText]
                | None
                | str
                | Unset,
                data,
            )

        content = _parse_content(d.pop("content", UNSET))

        name = d.pop("name", UNSET)

        def _parse_refusal(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refusal = _parse_refusal(d.pop("refusal", UNSET))

        reasoning_content = d.pop("reasoning_content", UNSET)

        _tool_calls = d.pop("tool_calls", UNSET)
        tool_calls: list[ToolCall] | Unset = UNSET
        if _tool_calls is not UNSET:
            tool_calls = []
            for tool_calls_item_data in _tool_calls:
                tool_calls_item = ToolCall.from_dict(tool_calls_item_data)

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

        model_message_event = cls(
            type_=type_,
            id=id,
            thread_id=thread_id,
            created_at=created_at,
            sequence_number=sequence_number,
            content=content,
            name=name,
            refusal=refusal,
            reasoning_content=reasoning_content,
            tool_calls=tool_calls,
            finish_reason=finish_reason,
            usage=usage,
        )

        model_message_event.additional_properties = d
        return model_message_event

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
