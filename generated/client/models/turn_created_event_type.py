from typing import Literal

TurnCreatedEventType = Literal["turn.created"]

TURN_CREATED_EVENT_TYPE_VALUES: set[TurnCreatedEventType] = {
    "turn.created",
}


def check_turn_created_event_type(value: str) -> TurnCreatedEventType:
    if value in TURN_CREATED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_CREATED_EVENT_TYPE_VALUES!r}"
    )
