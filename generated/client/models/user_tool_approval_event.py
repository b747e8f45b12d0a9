from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.user_tool_approval_event_type import (
    UserToolApprovalEventType,
    check_user_tool_approval_event_type,
)

if TYPE_CHECKING:
    from ..models.approval_allow import ApprovalAllow
    from ..models.approval_deny import ApprovalDeny


T = TypeVar("T", bound="UserToolApprovalEvent")


@_attrs_define
class UserToolApprovalEvent:
    """
    Attributes:
        type_ (UserToolApprovalEventType):
        thread_id (str):
        tool_call_id (str):
        approval (ApprovalAllow | ApprovalDeny):
    """

    type_: UserToolApprovalEventType
    thread_id: str
    tool_call_id: str
    approval: ApprovalAllow | ApprovalDeny
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.approval_allow import ApprovalAllow

        type_: str = self.type_

        thread_id = self.thread_id

        tool_call_id = self.tool_call_id

        approval: dict[str, Any]
        if isinstance(self.approval, ApprovalAllow):
            approval = self.approval.to_dict()
        else:
            approval = self.approval.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "thread_id": thread_id,
                "tool_call_id": tool_call_id,
                "approval": approval,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.approval_allow import ApprovalAllow
        from ..models.approval_deny import ApprovalDeny

        d = dict(src_dict)
        type_ = check_user_tool_approval_event_type(d.pop("type"))

        thread_id = d.pop("thread_id")

        tool_call_id = d.pop("tool_call_id")

        def _parse_approval(data: object) -> ApprovalAllow | ApprovalDeny:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_approval_decision_type_0 = ApprovalAllow.from_dict(
                    data
                )

                return componentsschemas_approval_decision_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_approval_decision_type_1 = ApprovalDeny.from_dict(data)

            return componentsschemas_approval_decision_type_1

        approval = _parse_approval(d.pop("approval"))

        user_tool_approval_event = cls(
            type_=type_,
            thread_id=thread_id,
            tool_call_id=tool_call_id,
            approval=approval,
        )

        user_tool_approval_event.additional_properties = d
        return user_tool_approval_event

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
