from typing import Literal

ChatCompletionContentPartTextType = Literal["text"]

CHAT_COMPLETION_CONTENT_PART_TEXT_TYPE_VALUES: set[
    ChatCompletionContentPartTextType
] = {
    "text",
}


def check_chat_completion_content_part_text_type(
    value: str,
) -> ChatCompletionContentPartTextType:
    if value in CHAT_COMPLETION_CONTENT_PART_TEXT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CHAT_COMPLETION_CONTENT_PART_TEXT_TYPE_VALUES!r}"
    )
