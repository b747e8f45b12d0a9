from typing import Literal

ZoneStatesAdditionalProperty = Literal["down", "up"]

ZONE_STATES_ADDITIONAL_PROPERTY_VALUES: set[ZoneStatesAdditionalProperty] = {
    "down",
    "up",
}


def check_zone_states_additional_property(value: str) -> ZoneStatesAdditionalProperty:
    if value in ZONE_STATES_ADDITIONAL_PROPERTY_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ZONE_STATES_ADDITIONAL_PROPERTY_VALUES!r}"
    )
