from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Subject")


@_attrs_define
class Subject:
    """
    Attributes:
        subject_id (str):
        subject_type (str):
        subject_slug (str):
    """

    subject_id: str
    subject_type: str
    subject_slug: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        subject_id = self.subject_id

        subject_type = self.subject_type

        subject_slug = self.subject_slug

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "subject_id": subject_id,
                "subject_type": subject_type,
                "subject_slug": subject_slug,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        subject_id = d.pop("subject_id")

        subject_type = d.pop("subject_type")

        subject_slug = d.pop("subject_slug")

        subject = cls(
            subject_id=subject_id,
            subject_type=subject_type,
            subject_slug=subject_slug,
        )

        subject.additional_properties = d
        return subject

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
