from __future__ import annotations

from typing import Any

import pytest

from server.openapi31 import load_spec


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The spec as connexion receives it (tests must not mutate it)."""
    return load_spec()
