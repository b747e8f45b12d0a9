from typing import Literal

PreviousTurnIdInputType0 = Literal["auto", "none"]

PREVIOUS_TURN_ID_INPUT_TYPE_0_VALUES: set[PreviousTurnIdInputType0] = {
    "auto",
    "none",
}


def check_previous_turn_id_input_type_0(value: str) -> PreviousTurnIdInputType0:
    if value in PREVIOUS_TURN_ID_INPUT_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {PREVIOUS_TURN_ID_INPUT_TYPE_0_VALUES!r}"
    )
