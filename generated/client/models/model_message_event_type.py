from typing import Literal

ModelMessageEventType = Literal["model.message"]

MODEL_MESSAGE_EVENT_TYPE_VALUES: set[ModelMessageEventType] = {
    "model.message",
}


def check_model_message_event_type(value: str) -> ModelMessageEventType:
    if value in MODEL_MESSAGE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MODEL_MESSAGE_EVENT_TYPE_VALUES!r}"
    )
