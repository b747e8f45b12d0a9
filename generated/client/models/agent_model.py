from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_model_params import AgentModelParams


T = TypeVar("T", bound="AgentModel")


@_attrs_define
class AgentModel:
    """
    Attributes:
        name (str): Model as `provider/model`. Providers: `scripted` (deterministic, built in: `scripted/echo` streams
            the last user message back, `scripted/script` plays `params.script`, tool calls included) and `openai-
            compatible` (any Chat Completions endpoint at `base_url`; what follows `openai-compatible/` is the model name
            sent to it, e.g. `openai-compatible/openai-main/gpt-4o-mini`).
        base_url (str | Unset): `openai-compatible`: the API base URL, e.g.
            `https://gateway.example.com/api/llm/api/inference/openai`. Default `https://api.openai.com/v1`. Loopback,
            private, link-local and other non-public addresses are refused (400) unless the deployment allows their network
            (`HARNESS_EGRESS_ALLOW_NETWORKS`); redirects are not followed.
        api_key_secret (str | Unset): `openai-compatible`: name of a secret the deployment declares (`HARNESS_SECRETS`),
            sent as the bearer API key. The secret must allow `base_url` among its `allowed_urls`, else the manifest is
            refused (400). Only the name is stored or returned. Without it no key is sent (local servers).
        params (AgentModelParams | Unset): Model call parameters. `openai-compatible/*` passes every key except the
            `scripted/*` ones below through to the Chat Completions request body. `scripted/*` reads `chunks`, `delay_ms`,
            `ignore_cancel_ms` and (`scripted/script`) `script`.
    """

    name: str
    base_url: str | Unset = UNSET
    api_key_secret: str | Unset = UNSET
    params: AgentModelParams | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        base_url = self.base_url

        api_key_secret = self.api_key_secret

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if base_url is not UNSET:
            field_dict["base_url"] = base_url
        if api_key_secret is not UNSET:
            field_dict["api_key_secret"] = api_key_secret
        if params is not UNSET:
            field_dict["params"] = params

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agent_model_params import AgentModelParams

        d = dict(src_dict)
        name = d.pop("name")

        base_url = d.pop("base_url", UNSET)

        api_key_secret = d.pop("api_key_secret", UNSET)

        _params = d.pop("params", UNSET)
        params: AgentModelParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = AgentModelParams.from_dict(_params)

        agent_model = cls(
            name=name,
            base_url=base_url,
            api_key_secret=api_key_secret,
            params=params,
        )

        return agent_model
