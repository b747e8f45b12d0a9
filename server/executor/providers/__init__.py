"""Model providers behind one interface (base.ModelProvider), chosen by the model name's prefix."""

from __future__ import annotations

from typing import Any

from server.config import Settings
from server.executor.providers.base import ModelProvider
from server.executor.providers.openai_compatible import PREFIX as OPENAI_COMPATIBLE
from server.executor.providers.openai_compatible import OpenAIClients, OpenAICompatible
from server.executor.providers.scripted import ScriptedEcho, ScriptedScript

SCRIPTED: dict[str, ModelProvider] = {"scripted/echo": ScriptedEcho(), "scripted/script": ScriptedScript()}


class Providers:
    """The model providers of one executor, with the HTTP clients they keep open between turns."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._openai = OpenAIClients(settings.egress)

    def for_model(self, model: dict[str, Any]) -> ModelProvider:
        """The provider for an agent's `model` block (name, base_url, api_key_secret, params)."""
        name = str(model.get("name", ""))
        if name in SCRIPTED:
            return SCRIPTED[name]
        if name.startswith(OPENAI_COMPATIBLE) and len(name) > len(OPENAI_COMPATIBLE):
            return OpenAICompatible(model, self._openai, self.settings)
        raise LookupError(f"no model provider for {name!r}")

    async def aclose(self) -> None:
        await self._openai.aclose()
