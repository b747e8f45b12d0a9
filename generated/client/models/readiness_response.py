from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.readiness_response_status import (
    ReadinessResponseStatus,
    check_readiness_response_status,
)

if TYPE_CHECKING:
    from ..models.zone_states import ZoneStates


T = TypeVar("T", bound="ReadinessResponse")


@_attrs_define
class ReadinessResponse:
    """
    Attributes:
        status (ReadinessResponseStatus):
        zones (ZoneStates): Each zone this replica serves, by name, and whether its Redis answered the probe.
    """

    status: ReadinessResponseStatus
    zones: ZoneStates
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        zones = self.zones.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "zones": zones,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.zone_states import ZoneStates

        d = dict(src_dict)
        status = check_readiness_response_status(d.pop("status"))

        zones = ZoneStates.from_dict(d.pop("zones"))

        readiness_response = cls(
            status=status,
            zones=zones,
        )

        readiness_response.additional_properties = d
        return readiness_response

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
