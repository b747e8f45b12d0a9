from typing import Literal

SandboxCreatedEventType = Literal["sandbox.created"]

SANDBOX_CREATED_EVENT_TYPE_VALUES: set[SandboxCreatedEventType] = {
    "sandbox.created",
}


def check_sandbox_created_event_type(value: str) -> SandboxCreatedEventType:
    if value in SANDBOX_CREATED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SANDBOX_CREATED_EVENT_TYPE_VALUES!r}"
    )
