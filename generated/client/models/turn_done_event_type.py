from typing import Literal

TurnDoneEventType = Literal["turn.done"]

TURN_DONE_EVENT_TYPE_VALUES: set[TurnDoneEventType] = {
    "turn.done",
}


def check_turn_done_event_type(value: str) -> TurnDoneEventType:
    if value in TURN_DONE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_DONE_EVENT_TYPE_VALUES!r}"
    )
