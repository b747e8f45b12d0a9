"""What every domain operation needs to know about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass

from server.auth import Caller
from server.config import Settings
from server.store.redis import Store


@dataclass(frozen=True)
class CallContext:
    store: Store
    settings: Settings
    tenant: str
    caller: Caller
    local_executor: str | None = None
    """This process's executor id when it runs one (the embedded default)."""
