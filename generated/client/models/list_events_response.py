from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mcp_auth_required_event import McpAuthRequiredEvent
    from ..models.mcp_initialize_event import McpInitializeEvent
    from ..models.model_message_event import ModelMessageEvent
    from ..models.sandbox_created_event import SandboxCreatedEvent
    from ..models.thread_created_event import ThreadCreatedEvent
    from ..models.thread_done_event import ThreadDoneEvent
    from ..models.token_pagination import TokenPagination
    from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
    from ..models.tool_response_event import ToolResponseEvent
    from ..models.tool_response_required_event import ToolResponseRequiredEvent


T = TypeVar("T", bound="ListEventsResponse")


@_attrs_define
class ListEventsResponse:
    """
    Attributes:
        data (list[McpAuthRequiredEvent | McpInitializeEvent | ModelMessageEvent | SandboxCreatedEvent |
            ThreadCreatedEvent | ThreadDoneEvent | ToolApprovalRequiredEvent | ToolResponseEvent |
            ToolResponseRequiredEvent]):
        pagination (TokenPagination):
    """

    data: list[
        McpAuthRequiredEvent
        | McpInitializeEvent
        | ModelMessageEvent
        | SandboxCreatedEvent
        | ThreadCreatedEvent
        | ThreadDoneEvent
        | ToolApprovalRequiredEvent
        | ToolResponseEvent
        | ToolResponseRequiredEvent
    ]
    pagination: TokenPagination
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.mcp_auth_required_event import McpAuthRequiredEvent
        from ..models.mcp_initialize_event import McpInitializeEvent
        from ..models.model_message_event import ModelMessageEvent
        from ..models.sandbox_created_event import SandboxCreatedEvent
        from ..models.thread_created_event import ThreadCreatedEvent
        from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
        from ..models.tool_response_event import ToolResponseEvent
        from ..models.tool_response_required_event import ToolResponseRequiredEvent

        data = []
        for data_item_data in self.data:
            data_item: dict[str, Any]
            if (
                isinstance(data_item_data, ModelMessageEvent)
                or isinstance(data_item_data, ToolResponseEvent)
                or isinstance(data_item_data, ToolApprovalRequiredEvent)
                or isinstance(data_item_data, ToolResponseRequiredEvent)
                or isinstance(data_item_data, McpAuthRequiredEvent)
                or isinstance(data_item_data, McpInitializeEvent)
                or isinstance(data_item_data, SandboxCreatedEvent)
                or isinstance(data_item_data, ThreadCreatedEvent)
            ):
                data_item = data_item_data.to_dict()
            else:
                data_item = data_item_data.to_dict()

            data.append(data_item)

        pagination = self.pagination.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "pagination": pagination,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mcp_auth_required_event import McpAuthRequiredEvent
        from ..models.mcp_initialize_event import McpInitializeEvent
        from ..models.model_message_event import ModelMessageEvent
        from ..models.sandbox_created_event import SandboxCreatedEvent
        from ..models.thread_created_event import ThreadCreatedEvent
        from ..models.thread_done_event import ThreadDoneEvent
        from ..models.token_pagination import TokenPagination
        from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
        from ..models.tool_response_event import ToolResponseEvent
        from ..models.tool_response_required_event import ToolResponseRequiredEvent

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:

            def _parse_data_item(
                data: object,
            ) -> (
                McpAuthRequiredEvent
                | McpInitializeEvent
                | ModelMessageEvent
                | SandboxCreatedEvent
                | ThreadCreatedEvent
                | ThreadDoneEvent
                | ToolApprovalRequiredEvent
                | ToolResponseEvent
                | ToolResponseRequiredEvent
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_0 = ModelMessageEvent.from_dict(
                        data
                    )

                    return componentsschemas_turn_event_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_1 = ToolResponseEvent.from_dict(
                        data
                    )

                    return componentsschemas_turn_event_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_2 = (
                        ToolApprovalRequiredEvent.from_dict(data)
                    )

                    return componentsschemas_turn_event_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_3 = (
                        ToolResponseRequiredEvent.from_dict(data)
                    )

                    return componentsschemas_turn_event_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_4 = (
                        McpAuthRequiredEvent.from_dict(data)
                    )

                    return componentsschemas_turn_event_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_5 = McpInitializeEvent.from_dict(
                        data
                    )

                    return componentsschemas_turn_event_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_6 = SandboxCreatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_turn_event_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_turn_event_type_7 = ThreadCreatedEvent.from_dict(
                        data
                    )

                    return componentsschemas_turn_event_type_7
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_turn_event_type_8 = ThreadDoneEvent.from_dict(data)

                return componentsschemas_turn_event_type_8

            data_item = _parse_data_item(data_item_data)

            data.append(data_item)

        pagination = TokenPagination.from_dict(d.pop("pagination"))

        list_events_response = cls(
            data=data,
            pagination=pagination,
        )

        list_events_response.additional_properties = d
        return list_events_response

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
