from typing import Literal

ThreadDoneEventType = Literal["thread.done"]

THREAD_DONE_EVENT_TYPE_VALUES: set[ThreadDoneEventType] = {
    "thread.done",
}


def check_thread_done_event_type(value: str) -> ThreadDoneEventType:
    if value in THREAD_DONE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {THREAD_DONE_EVENT_TYPE_VALUES!r}"
    )
