"""Which model names this server can run: `<provider>/<model>`, with the providers listed here.

The executor maps each provider to its implementation (executor/models.py); the registry refuses
an agent naming any other, so a bad model name fails at `agents apply`, not mid-turn.
"""

from __future__ import annotations

SCRIPTED_MODELS = frozenset({"scripted/echo"})


def known_provider(model_name: str) -> bool:
    return model_name in SCRIPTED_MODELS
