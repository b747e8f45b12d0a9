"""The suite never runs with the caller's `HARNESS_*` settings (the root conftest.py removes them),
only with its own (`SUITE_HARNESS_VARIABLES`)."""

from __future__ import annotations

import os

from conftest import SUITE_HARNESS_VARIABLES
from server.config import Settings


def test_no_harness_variable_reaches_the_tests() -> None:
    assert {name: value for name, value in os.environ.items() if name.startswith("HARNESS_")} == (
        SUITE_HARNESS_VARIABLES
    )


def test_settings_built_by_a_test_are_the_defaults() -> None:
    settings = Settings()
    assert settings.jwt_secret is None
    assert settings.redis_url is None
    assert settings.responses_validated  # the suite's one setting of its own
