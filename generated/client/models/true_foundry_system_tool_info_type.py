from typing import Literal

TrueFoundrySystemToolInfoType = Literal["truefoundry-system"]

TRUE_FOUNDRY_SYSTEM_TOOL_INFO_TYPE_VALUES: set[TrueFoundrySystemToolInfoType] = {
    "truefoundry-system",
}


def check_true_foundry_system_tool_info_type(
    value: str,
) -> TrueFoundrySystemToolInfoType:
    if value in TRUE_FOUNDRY_SYSTEM_TOOL_INFO_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TRUE_FOUNDRY_SYSTEM_TOOL_INFO_TYPE_VALUES!r}"
    )
