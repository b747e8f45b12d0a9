"""The suite never runs with the caller's `HARNESS_*` settings (the root conftest.py removes them),
only with its own (`SUITE_HARNESS_VARIABLES`)."""

from __future__ import annotations

import os

import pytest

from conftest import SUITE_HARNESS_VARIABLES
from server.config import Settings
from testkit.processes import ephemeral_floor, picked_port_range
from testkit.redis_clients import second_db_url, worker_db_url


def test_no_harness_variable_reaches_the_tests() -> None:
    assert {name: value for name, value in os.environ.items() if name.startswith("HARNESS_")} == (
        SUITE_HARNESS_VARIABLES
    )


def test_settings_built_by_a_test_are_the_defaults() -> None:
    settings = Settings()
    assert settings.jwt_secret is None
    assert settings.redis_url is None
    assert settings.responses_validated  # the suite's one setting of its own


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/15", None, "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "gw0", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "gw1", "redis://127.0.0.1:6379/13"),
        ("redis://:pw@127.0.0.1:6379/1", "gw1", "redis://:pw@127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379", "gw2", "redis://127.0.0.1:6379/12"),
    ],
)
def test_each_test_worker_flushes_a_db_of_its_own(url: str, worker: str | None, expected: str) -> None:
    assert worker_db_url(url, worker) == expected
    # The DB below a worker's own is its second, never another worker's.
    assert second_db_url(worker_db_url(url, worker)) not in {worker_db_url(url, f"gw{n}") for n in range(4)}


def test_each_test_worker_picks_server_ports_no_one_else_can_take() -> None:
    """Ports the tests pick for servers (cluster nodes and their bus ports) stay below the kernel's
    ephemeral range, and two workers pick from disjoint slices."""
    floor = ephemeral_floor()
    if floor < 24000:
        pytest.skip(f"ephemeral ports start at {floor}: too low to pick below (free_ports falls back)")
    slices = [picked_port_range(f"gw{n}", 2) for n in range(2)]
    for low, high in [picked_port_range(None, 1), *slices]:
        assert 1024 < low < high and high + 10000 < floor
    (_, first_high), (second_low, _) = slices
    assert first_high < second_low
