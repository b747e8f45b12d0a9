from typing import Literal

ExtendedChunkDeltaToolCallType = Literal["function"]

EXTENDED_CHUNK_DELTA_TOOL_CALL_TYPE_VALUES: set[ExtendedChunkDeltaToolCallType] = {
    "function",
}


def check_extended_chunk_delta_tool_call_type(
    value: str,
) -> ExtendedChunkDeltaToolCallType:
    if value in EXTENDED_CHUNK_DELTA_TOOL_CALL_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {EXTENDED_CHUNK_DELTA_TOOL_CALL_TYPE_VALUES!r}"
    )
