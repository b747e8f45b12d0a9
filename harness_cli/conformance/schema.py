"""The schemathesis view of spec/agent-harness.yaml, shared by the in-process contract tests
(contract_tests/test_schemathesis.py) and the conformance kit that runs over HTTP."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from jsonschema import Draft202012Validator
from schemathesis.core.failures import Failure
from schemathesis.openapi.checks import EnsureResourceAvailability

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "agent-harness.yaml"
CONFIG_PATH = ROOT / "schemathesis.toml"
SESSION_ID = re.compile(r"[0-7][0-9a-hjkmnp-tv-z]{25}\.[a-z0-9]{1,16}")


def load_schema(
    *, token: str, zone: str, spec_path: Path = SPEC_PATH, config_path: Path = CONFIG_PATH
) -> schemathesis.BaseSchema:
    """The spec with the project's schemathesis settings, a bearer token as its auth, and session ids
    pointed at `zone`."""
    config = schemathesis.config.SchemathesisConfig.from_path(config_path)
    schema = schemathesis.openapi.from_path(spec_path, config=config)

    @schema.auth()
    class Bearer:
        # Registered as the schema's auth, so checks that deliberately drop or spoil the token still can.
        def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
            return token

        def set(self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext) -> None:
            case.headers["Authorization"] = f"Bearer {data}"

    @schema.hook
    def map_path_parameters(
        context: schemathesis.HookContext, parameters: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        # Which zones exist is deployment configuration the spec cannot state (an id naming another
        # zone is a documented 404). Well-formed ids are pointed at the zone this server serves;
        # malformed ones are left as generated, so negative testing is untouched.
        session_id = (parameters or {}).get("sessionId")
        if isinstance(session_id, str) and SESSION_ID.fullmatch(session_id):
            parameters = {**(parameters or {}), "sessionId": f"{session_id.rsplit('.', 1)[0]}.{zone}"}
        return parameters

    @schema.hook
    def filter_failure(
        context: schemathesis.HookContext,
        failure: Failure,
        case: schemathesis.Case[Any],
        response: schemathesis.Response,
    ) -> bool:
        # The resource-availability check reads any 404 right after a create as "the created resource
        # is gone". The error envelope names what was not found (`param`): when that is not a path
        # parameter but a body field (a `previous_turn_id` the generator took from another session),
        # the 404 is the documented answer about that field, not about the resource just created.
        if isinstance(failure, EnsureResourceAvailability):
            param = _error_param(response)
            return param is None or param in (case.path_parameters or {})
        return True

    return schema


def _error_param(response: schemathesis.Response) -> str | None:
    try:
        param = json.loads(response.content)["error"]["param"]
    except (ValueError, KeyError, TypeError):
        return None
    return param if isinstance(param, str) else None


@cache
def _event_validators(spec_path: Path = SPEC_PATH) -> dict[str, Draft202012Validator]:
    """A validator per event type, by the spec's `TurnStreamingEvent` discriminator mapping (the
    `oneOf` alone only says that no branch matched, not what is wrong)."""
    components = yaml.safe_load(spec_path.read_text())["components"]
    mapping = components["schemas"]["TurnStreamingEvent"]["discriminator"]["mapping"]
    return {
        kind: Draft202012Validator({"$ref": ref, "components": components}) for kind, ref in mapping.items()
    }


def event_schema_errors(event: Any) -> list[str]:
    """How a streamed event departs from the spec's `TurnStreamingEvent` schema (empty: it matches)."""
    kind = event.get("type") if isinstance(event, dict) else None
    validator = _event_validators().get(kind) if isinstance(kind, str) else None
    if validator is None:
        return [f"type {kind!r} is not an event type the spec names"]
    errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(event)'}: {e.message}" for e in errors]
