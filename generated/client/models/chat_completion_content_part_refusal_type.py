from typing import Literal

ChatCompletionContentPartRefusalType = Literal["refusal"]

CHAT_COMPLETION_CONTENT_PART_REFUSAL_TYPE_VALUES: set[
    ChatCompletionContentPartRefusalType
] = {
    "refusal",
}


def check_chat_completion_content_part_refusal_type(
    value: str,
) -> ChatCompletionContentPartRefusalType:
    if value in CHAT_COMPLETION_CONTENT_PART_REFUSAL_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CHAT_COMPLETION_CONTENT_PART_REFUSAL_TYPE_VALUES!r}"
    )
