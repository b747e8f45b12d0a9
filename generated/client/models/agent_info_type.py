from typing import Literal

AgentInfoType = Literal["dynamic"]

AGENT_INFO_TYPE_VALUES: set[AgentInfoType] = {
    "dynamic",
}


def check_agent_info_type(value: str) -> AgentInfoType:
    if value in AGENT_INFO_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {AGENT_INFO_TYPE_VALUES!r}"
    )
