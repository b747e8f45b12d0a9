"""spec/agent-harness.yaml: a valid OpenAPI 3.1 document that declares every status the server can answer,
and keeps the seed's contract for cancelling a turn."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from server.openapi31 import SPEC_PATH
from tests._support import SESSION_ID, component_validator, deref, operations

# The seed's contract for cancel (TrueFoundry's gateway-agent-harness-openapi.json), verbatim.
SEED = yaml.safe_load(
    """
openapi: 3.1.0
servers:
  - url: '{scheme}://{gatewayBaseURL}/{tenantName}'
security:
  - AuthorizationBearer: []
paths:
  /v1/agents/sessions/{sessionId}/cancel:
    post:
      parameters:
        - schema:
            type: string
            minLength: 1
            description: Session identifier (<ulid>.<zone>).
            example: 01arz3ndektsv4rrffq69g5fav.g
          required: true
          name: sessionId
          in: path
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CancelSessionRequest'
      responses:
        '200':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CancelSessionResponse'
        '400':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RequestErrorResponse'
        '412':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RequestErrorResponse'
        '424':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RequestErrorResponse'
components:
  schemas:
    CancelSessionRequest:
      type: object
      properties: {}
    CancelSessionResponse:
      type: object
      properties: {}
    RequestErrorResponse:
      type: object
      properties:
        error:
          type: object
          properties:
            message:
              type: string
            type:
              type: string
            code:
              type:
                - string
                - 'null'
            param:
              type:
                - string
                - 'null'
          required:
            - message
      required:
        - error
  securitySchemes:
    AuthorizationBearer:
      type: http
      scheme: bearer
      bearerFormat: JWT
"""
)
CANCEL_PATH = "/v1/agents/sessions/{sessionId}/cancel"

_DOCUMENT = yaml.safe_load(SPEC_PATH.read_text())
OPERATION_IDS = [op["operationId"] for _, _, op, _ in operations(_DOCUMENT)]
UNSECURED = {op["operationId"] for _, _, op, _ in operations(_DOCUMENT) if op.get("security") == []}
WITH_BODY = {op["operationId"] for _, _, op, _ in operations(_DOCUMENT) if "requestBody" in op}


def _operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return next(op for _, _, op, _ in operations(spec) if op["operationId"] == operation_id)


def _by_probe(operation_ids: list[str]) -> list[Any]:
    return list(operation_ids)


# --- the document --------------------------------------------------------------------------------


def test_spec_is_a_valid_openapi_31_document(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_operation_has_a_unique_camel_case_operation_id(spec: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op, _ in operations(spec)]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_every_operation_id_has_a_handler() -> None:
    from server.app import resolve

    for operation_id in OPERATION_IDS:
        assert callable(resolve(operation_id)), operation_id


def test_only_the_health_probes_are_open_and_everything_else_needs_a_bearer_token(
    spec: dict[str, Any],
) -> None:
    assert spec["security"] == [{"AuthorizationBearer": []}]
    assert spec["components"]["securitySchemes"]["AuthorizationBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"getHealth", "getReadiness"} == UNSECURED


def test_the_tenant_is_the_last_segment_of_the_server_url(spec: dict[str, Any]) -> None:
    # TenantPrefix serves `/{tenant}/v1/...`; the seed's server URL ends in the tenant too.
    for url in (spec["servers"][0]["url"], SEED["servers"][0]["url"]):
        assert url.split("://", 1)[1].split("/", 1)[1] == "{tenantName}", url
    assert all(
        path.startswith("/v1/") for path, *_ in operations(spec) if path not in ("/healthz", "/readyz")
    )


# --- declared statuses ---------------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", _by_probe(OPERATION_IDS))
def test_every_operation_declares_500(spec: dict[str, Any], operation_id: str) -> None:
    # The unhandled-error handler and response validation can answer 500 on any operation.
    assert "500" in _operation(spec, operation_id)["responses"]


@pytest.mark.parametrize("operation_id", _by_probe(OPERATION_IDS))
def test_every_operation_declares_400(spec: dict[str, Any], operation_id: str) -> None:
    # strict_validation refuses unknown query parameters (400) on every operation.
    assert "400" in _operation(spec, operation_id)["responses"]


@pytest.mark.parametrize("operation_id", [o for o in OPERATION_IDS if o not in UNSECURED])
def test_secured_operations_declare_401_and_403(spec: dict[str, Any], operation_id: str) -> None:
    # 401: missing or invalid token; 403: a token for another tenant.
    responses = _operation(spec, operation_id)["responses"]
    assert {"401", "403"} <= set(responses)


@pytest.mark.parametrize("operation_id", sorted(WITH_BODY))
def test_operations_with_a_body_declare_413_and_415(spec: dict[str, Any], operation_id: str) -> None:
    responses = _operation(spec, operation_id)["responses"]
    assert {"413", "415"} <= set(responses)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_every_declared_error_is_the_json_error_envelope(spec: dict[str, Any], operation_id: str) -> None:
    for status, response in _operation(spec, operation_id)["responses"].items():
        if int(status) < 400:
            continue
        content = deref(spec, response)["content"]
        assert list(content) == ["application/json"], (operation_id, status)
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/RequestErrorResponse"}


def test_the_error_envelope_is_the_seeds(spec: dict[str, Any]) -> None:
    assert (
        spec["components"]["schemas"]["RequestErrorResponse"]
        == SEED["components"]["schemas"]["RequestErrorResponse"]
    )


# --- the seed's cancel contract ------------------------------------------------------------------


def test_cancel_keeps_the_seeds_path_and_method(spec: dict[str, Any]) -> None:
    assert "post" in spec["paths"][CANCEL_PATH]
    assert spec["paths"][CANCEL_PATH]["post"]["operationId"] == "cancelSession"


def test_cancel_takes_the_session_id_as_the_seeds_path_parameter(spec: dict[str, Any]) -> None:
    item = spec["paths"][CANCEL_PATH]
    params = [deref(spec, p) for p in item.get("parameters", []) + item["post"].get("parameters", [])]
    assert [(p["name"], p["in"], p["required"]) for p in params] == [("sessionId", "path", True)]
    (seed_param,) = SEED["paths"][CANCEL_PATH]["post"]["parameters"]
    # Stricter than the seed's `minLength: 1` is fine, as long as the seed's own example still passes.
    schema = deref(spec, params[0]["schema"])
    assert schema["type"] == seed_param["schema"]["type"]
    component_validator(spec, "SessionIdString").validate(seed_param["schema"]["example"])
    component_validator(spec, "SessionIdString").validate(SESSION_ID)


def test_cancel_body_stays_optional_with_the_seeds_schema(spec: dict[str, Any]) -> None:
    ours = spec["paths"][CANCEL_PATH]["post"]["requestBody"]
    seed = SEED["paths"][CANCEL_PATH]["post"]["requestBody"]
    assert ours["required"] is False
    assert ours["content"] == seed["content"]
    assert (
        spec["components"]["schemas"]["CancelSessionRequest"]
        == SEED["components"]["schemas"]["CancelSessionRequest"]
    )


def test_cancel_declares_every_response_of_the_seed_with_its_schema(spec: dict[str, Any]) -> None:
    ours = spec["paths"][CANCEL_PATH]["post"]["responses"]
    seed = SEED["paths"][CANCEL_PATH]["post"]["responses"]
    assert {"200", "400", "412", "424"} <= set(ours)
    for status, response in seed.items():
        assert deref(spec, ours[status])["content"] == response["content"], status
    assert (
        spec["components"]["schemas"]["CancelSessionResponse"]
        == SEED["components"]["schemas"]["CancelSessionResponse"]
    )


def test_cancel_needs_the_seeds_bearer_token(spec: dict[str, Any]) -> None:
    operation = spec["paths"][CANCEL_PATH]["post"]
    assert operation.get("security", spec["security"]) == SEED["security"]
