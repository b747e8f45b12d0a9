from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.agent_manifest import AgentManifest
    from ..models.subject import Subject


T = TypeVar("T", bound="Agent")


@_attrs_define
class Agent:
    """
    Attributes:
        name (str):
        version (int):
        manifest (AgentManifest): An agent: its model, instructions and MCP servers. Fields not listed are refused
            (400), each one named.
        created_by_subject (Subject):
        created_at (datetime.datetime): ISO-8601 timestamp (UTC).
        updated_at (datetime.datetime): ISO-8601 timestamp (UTC).
    """

    name: str
    version: int
    manifest: AgentManifest
    created_by_subject: Subject
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        manifest = self.manifest.to_dict()

        created_by_subject = self.created_by_subject.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
                "manifest": manifest,
                "created_by_subject": created_by_subject,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agent_manifest import AgentManifest
        from ..models.subject import Subject

        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        manifest = AgentManifest.from_dict(d.pop("manifest"))

        created_by_subject = Subject.from_dict(d.pop("created_by_subject"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        agent = cls(
            name=name,
            version=version,
            manifest=manifest,
            created_by_subject=created_by_subject,
            created_at=created_at,
            updated_at=updated_at,
        )

        agent.additional_properties = d
        return agent

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
