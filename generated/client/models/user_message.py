from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.user_message_type import UserMessageType, check_user_message_type

if TYPE_CHECKING:
    from ..models.file_content import FileContent
    from ..models.text_content import TextContent


T = TypeVar("T", bound="UserMessage")


@_attrs_define
class UserMessage:
    """
    Attributes:
        type_ (UserMessageType):
        content (list[FileContent | TextContent] | str):
    """

    type_: UserMessageType
    content: list[FileContent | TextContent] | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.text_content import TextContent

        type_: str = self.type_

        content: list[dict[str, Any]] | str
        if isinstance(self.content, list):
            content = []
            for content_type_1_item_data in self.content:
                content_type_1_item: dict[str, Any]
                if isinstance(content_type_1_item_data, TextContent):
                    content_type_1_item = content_type_1_item_data.to_dict()
                else:
                    content_type_1_item = content_type_1_item_data.to_dict()

                content.append(content_type_1_item)

        else:
            content = self.content

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.file_content import FileContent
        from ..models.text_content import TextContent

        d = dict(src_dict)
        type_ = check_user_message_type(d.pop("type"))

        def _parse_content(data: object) -> list[FileContent | TextContent] | str:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                content_type_1 = []
                _content_type_1 = data
                for content_type_1_item_data in _content_type_1:

                    def _parse_content_type_1_item(
                        data: object,
                    ) -> FileContent | TextContent:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_user_message_content_item_type_0 = (
                                TextContent.from_dict(data)
                            )

                            return componentsschemas_user_message_content_item_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_user_message_content_item_type_1 = (
                            FileContent.from_dict(data)
                        )

                        return componentsschemas_user_message_content_item_type_1

                    content_type_1_item = _parse_content_type_1_item(
                        content_type_1_item_data
                    )

                    content_type_1.append(content_type_1_item)

                return content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[FileContent | TextContent] | str, data)

        content = _parse_content(d.pop("content"))

        user_message = cls(
            type_=type_,
            content=content,
        )

        user_message.additional_properties = d
        return user_message

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
