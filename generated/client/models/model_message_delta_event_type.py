from typing import Literal

ModelMessageDeltaEventType = Literal["model.message.delta"]

MODEL_MESSAGE_DELTA_EVENT_TYPE_VALUES: set[ModelMessageDeltaEventType] = {
    "model.message.delta",
}


def check_model_message_delta_event_type(value: str) -> ModelMessageDeltaEventType:
    if value in MODEL_MESSAGE_DELTA_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MODEL_MESSAGE_DELTA_EVENT_TYPE_VALUES!r}"
    )
