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
    from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
    from ..models.tool_response_event import ToolResponseEvent
    from ..models.tool_response_required_event import ToolResponseRequiredEvent
    from ..models.turn_created_event import TurnCreatedEvent
    from ..models.turn_done_event import TurnDoneEvent


T = TypeVar("T", bound="SessionEventItem")


@_attrs_define
class SessionEventItem:
    """
    Attributes:
        turn_id (str):
        event (McpAuthRequiredEvent | McpInitializeEvent | ModelMessageEvent | SandboxCreatedEvent | ThreadCreatedEvent
            | ThreadDoneEvent | ToolApprovalRequiredEvent | ToolResponseEvent | ToolResponseRequiredEvent | TurnCreatedEvent
            | TurnDoneEvent): A persisted event of a session's turn chain (lifecycle included, no deltas).
    """

    turn_id: str
    event: (
        McpAuthRequiredEvent
        | McpInitializeEvent
        | ModelMessageEvent
        | SandboxCreatedEvent
        | ThreadCreatedEvent
        | ThreadDoneEvent
        | ToolApprovalRequiredEvent
        | ToolResponseEvent
        | ToolResponseRequiredEvent
        | TurnCreatedEvent
        | TurnDoneEvent
    )
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
        from ..models.turn_created_event import TurnCreatedEvent
        from ..models.turn_done_event import TurnDoneEvent

        turn_id = self.turn_id

        event: dict[str, Any]
        if (
            isinstance(self.event, TurnCreatedEvent)
            or isinstance(self.event, TurnDoneEvent)
            or isinstance(self.event, ModelMessageEvent)
            or isinstance(self.event, ToolResponseEvent)
            or isinstance(self.event, ToolApprovalRequiredEvent)
            or isinstance(self.event, ToolResponseRequiredEvent)
            or isinstance(self.event, McpAuthRequiredEvent)
            or isinstance(self.event, McpInitializeEvent)
            or isinstance(self.event, SandboxCreatedEvent)
            or isinstance(self.event, ThreadCreatedEvent)
        ):
            event = self.event.to_dict()
        else:
            event = self.event.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "turn_id": turn_id,
                "event": event,
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
        from ..models.tool_approval_required_event import ToolApprovalRequiredEvent
        from ..models.tool_response_event import ToolResponseEvent
        from ..models.tool_response_required_event import ToolResponseRequiredEvent
        from ..models.turn_created_event import TurnCreatedEvent
        from ..models.turn_done_event import TurnDoneEvent

        d = dict(src_dict)
        turn_id = d.pop("turn_id")

        def _parse_event(
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
            | TurnCreatedEvent
            | TurnDoneEvent
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_0 = TurnCreatedEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_1 = TurnDoneEvent.from_dict(data)

                return componentsschemas_session_event_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_2 = ModelMessageEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_3 = ToolResponseEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_4 = (
                    ToolApprovalRequiredEvent.from_dict(data)
                )

                return componentsschemas_session_event_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_5 = (
                    ToolResponseRequiredEvent.from_dict(data)
                )

                return componentsschemas_session_event_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_6 = McpAuthRequiredEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_7 = McpInitializeEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_8 = SandboxCreatedEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_event_type_9 = ThreadCreatedEvent.from_dict(
                    data
                )

                return componentsschemas_session_event_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_session_event_type_10 = ThreadDoneEvent.from_dict(data)

            return componentsschemas_session_event_type_10

        event = _parse_event(d.pop("event"))

        session_event_item = cls(
            turn_id=turn_id,
            event=event,
        )

        session_event_item.additional_properties = d
        return session_event_item

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
