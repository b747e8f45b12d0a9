from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.session_type import SessionType, check_session_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.subject import Subject


T = TypeVar("T", bound="Session")


@_attrs_define
class Session:
    """
    Attributes:
        id (str):
        agent_name (str):
        created_by_subject (Subject):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        updated_at (datetime.datetime): ISO-8601 timestamp (UTC).
        type_ (SessionType | Unset):  Default: 'session'.
        agent_version (int | Unset): Version of the agent manifest this session runs.
        title (None | str | Unset):
    """

    id: str
    agent_name: str
    created_by_subject: Subject
    created_at: datetime.datetime
    updated_at: datetime.datetime
    type_: SessionType | Unset = "session"
    agent_version: int | Unset = UNSET
    title: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        agent_name = self.agent_name

        created_by_subject = self.created_by_subject.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_

        agent_version = self.agent_version

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "agent_name": agent_name,
                "created_by_subject": created_by_subject,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if agent_version is not UNSET:
            field_dict["agent_version"] = agent_version
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subject import Subject

        d = dict(src_dict)
        id = d.pop("id")

        agent_name = d.pop("agent_name")

        created_by_subject = Subject.from_dict(d.pop("created_by_subject"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _type_ = d.pop("type", UNSET)
        type_: SessionType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = check_session_type(_type_)

        agent_version = d.pop("agent_version", UNSET)

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        session = cls(
            id=id,
            agent_name=agent_name,
            created_by_subject=created_by_subject,
            created_at=created_at,
            updated_at=updated_at,
            type_=type_,
            agent_version=agent_version,
            title=title,
        )

        session.additional_properties = d
        return session

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
