from typing import Literal

FileContentType = Literal["file"]

FILE_CONTENT_TYPE_VALUES: set[FileContentType] = {
    "file",
}


def check_file_content_type(value: str) -> FileContentType:
    if value in FILE_CONTENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {FILE_CONTENT_TYPE_VALUES!r}"
    )
