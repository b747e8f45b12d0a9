from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_model_params import AgentModelParams


T = TypeVar("T", bound="AgentModel")


@_attrs_define
class AgentModel:
    """
    Attributes:
        name (str): Model as `provider/model`. Providers: `scripted` (deterministic, built in: `scripted/echo`).
        params (AgentModelParams | Unset): Model call parameters passed through to the provider; extra keys are allowed.
            `scripted/echo` reads `chunks` and `delay_ms`.
    """

    name: str
    params: AgentModelParams | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if params is not UNSET:
            field_dict["params"] = params

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agent_model_params import AgentModelParams

        d = dict(src_dict)
        name = d.pop("name")

        _params = d.pop("params", UNSET)
        params: AgentModelParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = AgentModelParams.from_dict(_params)

        agent_model = cls(
            name=name,
            params=params,
        )

        agent_model.additional_properties = d
        return agent_model

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
