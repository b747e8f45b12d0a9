"""How `serve` tells production from development, and what follows from it (server/config.py's
serving section, server/workers.py): workers per CPU and no response validation only when a real
Redis is configured and tokens are verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import workers
from server.config import Settings

REDIS = "redis://127.0.0.1:6379/0"


def _settings(**values: object) -> Settings:
    return Settings.model_validate({"validate_responses": None, **values})


@pytest.mark.parametrize(
    ("values", "development"),
    [
        ({}, True),  # the embedded store, any token: `make run`
        ({"redis_url": REDIS}, True),  # a real Redis, but any token accepted
        ({"jwt_secret": "s" * 32}, True),  # keys, but the embedded store
        ({"redis_url": REDIS, "jwt_secret": "s" * 32}, False),
        ({"redis_url": REDIS, "jwt_jwks_url": "https://idp.example/jwks"}, False),
        ({"redis_url": REDIS, "jwks_file": Path("/keys/jwks.json")}, False),
    ],
)
def test_production_is_a_real_redis_and_verified_tokens(values: dict[str, object], development: bool) -> None:
    settings = _settings(**values)
    assert settings.development is development
    assert settings.responses_validated is development
    cpus = workers.usable_cpus()
    assert workers.worker_count(None, settings) == (1 if development else cpus)


def test_an_explicit_choice_wins_over_the_defaults() -> None:
    production = _settings(redis_url=REDIS, jwt_secret="s" * 32, workers=3, validate_responses=True)
    assert production.responses_validated
    assert workers.worker_count(None, production) == 3
    assert workers.worker_count(5, production) == 5  # --workers over HARNESS_WORKERS
    assert not _settings(validate_responses=False).responses_validated


def test_usable_cpus_honours_a_cgroup_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(workers, "_CGROUP_CPU_MAX", quota)
    quota.write_text("max 100000\n")
    unlimited = workers.usable_cpus()
    quota.write_text("150000 100000\n")  # 1.5 CPUs: two workers, rounded up
    assert workers.usable_cpus() == min(unlimited, 2)
    quota.write_text("50000 100000\n")
    assert workers.usable_cpus() == 1


def test_worker_executor_ids_are_distinct_and_stable() -> None:
    assert [workers.worker_executor_id("api0", i) for i in range(3)] == ["api0", "api0w1", "api0w2"]
    assert workers.worker_executor_id(None, 1) is None  # each draws its own
