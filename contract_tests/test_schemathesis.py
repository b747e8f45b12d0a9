"""Property-based contract tests: every operation of spec/agent-harness.yaml, fuzzed in-process (ASGI)
with every schemathesis check, then a stateful run that follows the spec's links."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from redis import Redis
from starlette.types import ASGIApp

from contract_tests.conftest import settings_for
from harness_cli.conformance.schema import ROOT, load_schema
from server.app import create_app
from testkit.api import mint_token

SECRET = "contract-tests-secret-of-at-least-32-bytes"
# A real HS256 token: in development mode any token passes, which the ignored-auth check rightly flags.
# With the agent-admin role, so agent registration is exercised rather than refused (403).
TOKEN = mint_token(SECRET, "fuzzer", ttl=3600, roles=["agent-admin"])


@pytest.fixture(scope="module")
def app(redis_url: str) -> Iterator[ASGIApp]:
    yield create_app(
        settings_for(redis_url, cancel_timeout_seconds=2, jwt_secret=SECRET),
        agent_paths=[ROOT / "examples" / "agents"],
    )


@pytest.fixture(scope="module")
def api_schema(app: ASGIApp) -> schemathesis.BaseSchema:
    schema = load_schema(token=TOKEN, zone="g")
    schema.app = app
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_linked_operations_conform_statefully(
    api_schema: schemathesis.BaseSchema, flush_redis: Redis
) -> None:
    """Follow the spec's links (create agent → create session → create turn → cancel, …)."""

    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from an empty store, so what hypothesis replays behaves the same.
            flush_redis.flushdb()

    Workflow.run(
        settings=settings(
            max_examples=40, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
        )
    )
