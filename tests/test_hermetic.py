"""The suite never runs with the caller's `HARNESS_*` settings (the root conftest.py removes them)."""

from __future__ import annotations

import os

from server.config import Settings


def test_no_harness_variable_reaches_the_tests() -> None:
    assert [name for name in os.environ if name.startswith("HARNESS_")] == []


def test_settings_built_by_a_test_are_the_defaults() -> None:
    settings = Settings()
    assert settings.jwt_secret is None
    assert settings.redis_url is None
