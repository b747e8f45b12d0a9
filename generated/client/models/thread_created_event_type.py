from typing import Literal

ThreadCreatedEventType = Literal["thread.created"]

THREAD_CREATED_EVENT_TYPE_VALUES: set[ThreadCreatedEventType] = {
    "thread.created",
}


def check_thread_created_event_type(value: str) -> ThreadCreatedEventType:
    if value in THREAD_CREATED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {THREAD_CREATED_EVENT_TYPE_VALUES!r}"
    )
