"""server/openapi31.py: connexion 3.3 serves the 3.1 document in spec/ as written, in draft 2020-12."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from connexion.exceptions import BadRequestProblem, InvalidSpecification, NonConformingResponseBody
from connexion.spec import OpenAPISpecification
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from server.errors import error_body
from server.openapi31 import (
    ECHO_LIMIT,
    FIELDS_NAMED,
    MAX_JSON_DEPTH,
    MESSAGE_LIMIT,
    SPEC_PATH,
    FieldProblem,
    JSONBody2020,
    JSONResponse2020,
    NamedParameterValidator,
    TextResponse2020,
    accept_openapi_31,
    check_component,
    load_spec,
    lone_surrogate,
    too_deep,
)
from tests._support import SESSION_ID, TURN_ID, StubApp, chunked, deref

CANCEL = f"/v1/agents/sessions/{SESSION_ID}/cancel"


# --- load_spec / accept_openapi_31 ---------------------------------------------------------------


@pytest.fixture
def connexion_as_shipped() -> Iterator[None]:
    """connexion's own 3.0 meta-schema check, restored afterwards to whatever it was."""
    patched = OpenAPISpecification.__dict__.get("_validate_spec")
    if patched is not None:
        del OpenAPISpecification._validate_spec
    yield
    if patched is not None:
        OpenAPISpecification._validate_spec = patched


@pytest.fixture
def restore_connexion() -> Iterator[None]:
    before = OpenAPISpecification.__dict__.get("_validate_spec")
    yield
    if before is None:
        if "_validate_spec" in OpenAPISpecification.__dict__:
            del OpenAPISpecification._validate_spec
    else:
        OpenAPISpecification._validate_spec = before


def test_load_spec_returns_the_yaml_in_spec_dir_unchanged() -> None:
    assert Path(__file__).resolve().parent.parent / "spec" / "agent-harness.yaml" == SPEC_PATH
    assert load_spec() == yaml.safe_load(SPEC_PATH.read_text())


def test_load_spec_reads_the_given_file(tmp_path: Path) -> None:
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document))
    assert load_spec(path) == document


def test_load_spec_refuses_a_document_that_is_not_openapi_31(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"openapi": "3.1.0", "paths": {}}))  # no `info`
    with pytest.raises(OpenAPIValidationError):
        load_spec(path)


def test_connexion_on_its_own_refuses_the_31_spec(connexion_as_shipped: None, spec: dict[str, Any]) -> None:
    # The premise of the adapter: if connexion ever accepts 3.1 itself, accept_openapi_31 can go.
    with pytest.raises(InvalidSpecification):
        OpenAPISpecification.from_dict(copy.deepcopy(spec))


def test_accept_openapi_31_lets_connexion_take_the_document_as_written(
    restore_connexion: None, connexion_as_shipped: None, spec: dict[str, Any]
) -> None:
    accept_openapi_31()
    loaded = OpenAPISpecification.from_dict(copy.deepcopy(spec))
    assert loaded.version == (3, 1, 0)
    assert loaded.raw == yaml.safe_load(SPEC_PATH.read_text())


def test_connexion_resolves_refs_to_the_schemas_of_the_document(
    restore_connexion: None, spec: dict[str, Any]
) -> None:
    accept_openapi_31()
    resolved = OpenAPISpecification.from_dict(copy.deepcopy(spec)).spec
    cancel = resolved["paths"]["/v1/agents/sessions/{sessionId}/cancel"]["post"]
    schemas = spec["components"]["schemas"]
    assert cancel["requestBody"]["content"]["application/json"]["schema"] == schemas["CancelSessionRequest"]
    # 3.1-only keywords reach connexion untouched.
    frame = resolved["paths"]["/v1/agents/sessions/{sessionId}/turns"]["post"]["responses"]["200"]
    data = frame["content"]["text/event-stream"]["schema"]["properties"]["data"]
    assert data["contentMediaType"] == "application/json"
    error = resolved["components"]["schemas"]["RequestErrorResponse"]["properties"]["error"]
    assert error["properties"]["code"]["type"] == ["string", "null"]


def test_adding_the_spec_to_connexion_does_not_modify_the_document(spec: dict[str, Any]) -> None:
    StubApp(spec)
    assert spec == yaml.safe_load(SPEC_PATH.read_text())


# --- FieldProblem --------------------------------------------------------------------------------


def test_field_problem_is_a_400_bad_request_naming_the_field() -> None:
    problem = FieldProblem("'x' is a required property", "x")
    assert isinstance(problem, BadRequestProblem)
    assert problem.status_code == 400
    assert problem.detail == "'x' is a required property"
    assert problem.param == "x"


# --- JSONBody2020 --------------------------------------------------------------------------------


async def _validate_body(
    schema: dict[str, Any], body: bytes | None, *, required: bool = True, nullable: bool = False
) -> Any:
    """Run a body through JSONBody2020 as connexion does; return the body the app then receives."""
    validator = JSONBody2020(
        schema=schema, required=required, nullable=nullable, encoding="utf-8", strict_validation=True
    )
    headers = [(b"content-type", b"application/json")]
    if body is not None:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    messages = [{"type": "http.request", "body": body or b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    receive2, _ = await validator.wrap_receive(receive, scope=scope)
    raw = (await receive2()).get("body", b"")
    return json.loads(raw) if raw else None


def _request_schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """A component schema with its refs resolvable, as connexion hands it to the body validator."""
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


async def test_body_validator_passes_a_valid_body_through_unchanged(spec: dict[str, Any]) -> None:
    body = {"agent_name": "support-bot"}
    assert (
        await _validate_body(_request_schema(spec, "CreateSessionRequest"), json.dumps(body).encode()) == body
    )


async def test_body_validator_enforces_const() -> None:
    schema = {"type": "object", "properties": {"kind": {"const": "x"}}}
    assert await _validate_body(schema, b'{"kind": "x"}') == {"kind": "x"}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"kind": "y"}')
    assert raised.value.param == "kind"


async def test_body_validator_reads_exclusive_minimum_as_a_number() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "exclusiveMinimum": 0}}}
    assert await _validate_body(schema, b'{"n": 1}') == {"n": 1}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"n": 0}')
    assert raised.value.param == "n"


async def test_body_validator_applies_keywords_next_to_a_ref() -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"$ref": "#/$defs/text", "maxLength": 3}},
        "$defs": {"text": {"type": "string"}},
    }
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"name": "toolong"}')
    assert raised.value.param == "name"


async def test_body_validator_accepts_null_where_the_spec_lists_null_in_type(spec: dict[str, Any]) -> None:
    schema = _request_schema(spec, "SubscribeTurnRequest")
    assert await _validate_body(schema, b'{"after_sequence_number": null}') == {"after_sequence_number": None}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"after_sequence_number": "3"}')
    assert raised.value.param == "after_sequence_number"


async def test_missing_required_body_field_names_that_field(spec: dict[str, Any]) -> None:
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(_request_schema(spec, "CreateSessionRequest"), b"{}")
    assert raised.value.param == "agent_name"
    assert "agent_name" in raised.value.detail


async def test_missing_nested_body_field_is_named_by_its_dotted_path(spec: dict[str, Any]) -> None:
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(_request_schema(spec, "AgentManifest"), b'{"name": "ab", "model": {}}')
    assert raised.value.param == "model.name"


async def test_invalid_nested_body_value_is_named_by_its_dotted_path(spec: dict[str, Any]) -> None:
    body = {"name": "ab", "model": {"name": "scripted/echo", "params": {"chunks": 0}}}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(_request_schema(spec, "AgentManifest"), json.dumps(body).encode())
    assert raised.value.param == "model.params.chunks"


async def test_invalid_array_item_is_named_by_its_index(spec: dict[str, Any]) -> None:
    body = {"input": [{"type": "user.message", "content": "hi"}, {"type": "nope"}]}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(_request_schema(spec, "CreateTurnRequest"), json.dumps(body).encode())
    assert raised.value.param is not None
    assert raised.value.param.startswith("input.1")


async def test_unexpected_body_field_is_named() -> None:
    schema = {
        "type": "object",
        "properties": {"outer": {"type": "object", "additionalProperties": False}},
        "additionalProperties": False,
    }
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"stray": 1}')
    assert raised.value.param == "stray"
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"outer": {"stray": 1}}')
    assert raised.value.param == "outer.stray"


async def test_every_unknown_field_is_named_in_one_message_shallowest_first() -> None:
    schema = {
        "type": "object",
        "properties": {
            "inner": {"type": "object", "properties": {"base_url": {}}, "additionalProperties": False}
        },
        "additionalProperties": False,
    }
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"inner": {"bse_url": 1, "other": 2}, "stray": 3}')
    assert raised.value.param == "stray" and raised.value.code == "unknown_field"
    assert raised.value.detail == (
        "`stray` is not a known field; "
        "`inner.bse_url` is not a known field (did you mean `inner.base_url`?); "
        "`inner.other` is not a known field"
    )


async def test_an_unknown_field_is_reported_before_the_failures_it_likely_caused() -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    }
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"nme": "x"}')
    assert raised.value.param == "nme"
    assert raised.value.detail == "`nme` is not a known field (did you mean `name`?)"


async def test_pattern_properties_are_not_unknown_fields() -> None:
    schema = {"type": "object", "patternProperties": {"^x-": {}}, "additionalProperties": False}
    assert await _validate_body(schema, b'{"x-ok": 1}') == {"x-ok": 1}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"x-ok": 1, "y": 2}')
    assert raised.value.detail == "`y` is not a known field"


async def test_the_schema_words_retired_and_not_yet_supported_fields() -> None:
    schema = {
        "type": "object",
        "properties": {"key_secret": {}, "items": {"type": "array", "items": {"$ref": "#/$defs/item"}}},
        "additionalProperties": False,
        "x-retired-fields": {"key_env": "use `key_secret`"},
        "x-unsupported-truefoundry-fields": ["skills"],
        "$defs": {
            "item": {
                "type": "object",
                "additionalProperties": False,
                "x-unsupported-truefoundry-fields": ["preload"],
            }
        },
    }
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, b'{"key_env": "K", "skills": [], "items": [{}, {"preload": true}]}')
    assert raised.value.param == "key_env" and raised.value.code == "field_retired"
    assert raised.value.detail.split("; ") == [
        "`key_env` is no longer accepted: use `key_secret`",
        "`skills` is a TrueFoundry manifest field this server does not support yet",
        "`items[1].preload` is a TrueFoundry manifest field this server does not support yet",
    ]


async def test_a_body_with_many_unknown_fields_names_a_bounded_number() -> None:
    body = {f"field-{n}": n for n in range(500)}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body({"type": "object", "additionalProperties": False}, json.dumps(body).encode())
    sentences = raised.value.detail.split("; ")
    assert sentences[:2] == ["`field-0` is not a known field", "`field-1` is not a known field"]
    assert len(sentences) == FIELDS_NAMED + 1 and sentences[-1] == "and more"


def test_a_component_is_checked_as_a_request_body_is(spec: dict[str, Any]) -> None:
    # What agent files go through (they reach the domain without a request).
    body = {"name": "ab", "model": {"name": "scripted/echo", "bse_url": "x"}, "instructons": "hi"}
    with pytest.raises(FieldProblem) as raised:
        check_component("AgentManifest", body)
    assert raised.value.param == "instructons"
    assert "`model.bse_url` is not a known field (did you mean `model.base_url`?)" in raised.value.detail
    check_component(
        "AgentManifest", {"name": "ab", "model": {"name": "scripted/echo", "params": {"seed": 1}}}
    )


async def test_body_of_the_wrong_type_names_no_field(spec: dict[str, Any]) -> None:
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(_request_schema(spec, "CreateSessionRequest"), b"[]")
    assert raised.value.param is None


async def test_body_that_is_not_json_is_a_bad_request(spec: dict[str, Any]) -> None:
    with pytest.raises(BadRequestProblem):
        await _validate_body(_request_schema(spec, "CreateSessionRequest"), b"{not json")


async def test_absent_body_is_accepted_when_the_request_body_is_not_required(spec: dict[str, Any]) -> None:
    assert await _validate_body(_request_schema(spec, "CancelSessionRequest"), None, required=False) is None


async def test_absent_body_is_refused_when_the_request_body_is_required(spec: dict[str, Any]) -> None:
    with pytest.raises(BadRequestProblem, match="RequestBody is required"):
        await _validate_body(_request_schema(spec, "CreateSessionRequest"), None, required=True)


async def test_present_body_is_validated_even_when_the_request_body_is_optional(spec: dict[str, Any]) -> None:
    with pytest.raises(BadRequestProblem):
        await _validate_body(_request_schema(spec, "CancelSessionRequest"), b"[]", required=False)


async def test_explicit_null_body_is_refused_where_the_schema_wants_an_object(spec: dict[str, Any]) -> None:
    with pytest.raises(BadRequestProblem):
        await _validate_body(_request_schema(spec, "CancelSessionRequest"), b"null", required=False)


# --- what parses but nothing after the edge could handle ------------------------------------------


def _nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b'{"a":' * (depth - 1) + b"[" + leaf + b"]" + b"}" * (depth - 1)


def test_nesting_depth_is_told_without_parsing() -> None:
    assert not too_deep(_nested(MAX_JSON_DEPTH))
    assert too_deep(_nested(MAX_JSON_DEPTH + 1))
    assert too_deep(b"[" * 100_000 + b"]" * 100_000)
    # Many shallow brackets are not depth, and brackets inside strings (escaped quotes too) are text.
    assert not too_deep(b"[" + b"[],{}," * 10_000 + b"[]]")
    assert not too_deep(b'["' + b"[{" * 1000 + b'"]')
    assert not too_deep(b'["\\"' + b"[" * 1000 + b'"]')


async def test_a_body_nested_100000_deep_is_a_400_not_a_recursion_error() -> None:
    # json.loads of this raised RecursionError: a 500.
    with pytest.raises(BadRequestProblem, match=f"deeper than {MAX_JSON_DEPTH}"):
        await _validate_body({}, b'{"agent_name":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


async def test_a_body_nested_to_the_limit_is_accepted() -> None:
    assert await _validate_body({}, _nested(MAX_JSON_DEPTH)) == json.loads(_nested(MAX_JSON_DEPTH))


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"input": [{"content": "hi \\ud800"}]}', "input.0.content"),
        (b'{"a": "\\uDFFF"}', "a"),
        (b'{"a": {"\\udc00": 1}}', "a"),
        (b'"\\ud83d"', ""),
        (b'{"ok": "\\ud83d\\ude00"}', None),  # a surrogate pair is one astral character
        (b'{"ok": "\\\\ud800"}', None),  # an escaped backslash, then text
    ],
)
def test_a_lone_surrogate_is_found_by_its_path(raw: bytes, where: str | None) -> None:
    assert lone_surrogate(raw, json.loads(raw)) == where


async def test_a_lone_surrogate_in_a_body_is_a_400_naming_the_field(spec: dict[str, Any]) -> None:
    # Valid JSON, but a str that no store or response can encode: it failed later, as a 500.
    raw = b'{"input": [{"type": "user.message", "content": "hi \\ud800"}]}'
    with pytest.raises(FieldProblem, match="surrogate") as raised:
        await _validate_body(_request_schema(spec, "CreateTurnRequest"), raw)
    assert raised.value.param == "input.0.content"


async def test_a_validation_message_echoes_at_most_a_bounded_part_of_the_value(spec: dict[str, Any]) -> None:
    body = {"input": [{"type": "user.message", "content": "x"}] * 10_000}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(_request_schema(spec, "CreateTurnRequest"), json.dumps(body).encode())
    detail = raised.value.detail
    assert "is too long" in detail and "…" in detail
    assert len(detail) < ECHO_LIMIT + 100


async def test_a_message_listing_many_unexpected_fields_is_bounded() -> None:
    schema = {"type": "object", "additionalProperties": False}
    body = {f"field-{n}": n for n in range(10_000)}
    with pytest.raises(FieldProblem) as raised:
        await _validate_body(schema, json.dumps(body).encode())
    assert len(raised.value.detail) <= MESSAGE_LIMIT
    assert raised.value.param == "field-0"


def test_an_invalid_parameter_value_is_echoed_shortened() -> None:
    param = {"name": "agent_name", "in": "query", "schema": {"type": "string", "maxLength": 255}}
    with pytest.raises(FieldProblem) as raised:
        NamedParameterValidator.validate_parameter("query", "y" * 50_000, param)
    assert len(raised.value.detail) < ECHO_LIMIT + 100
    assert raised.value.detail.endswith("is too long (query parameter 'agent_name')")


# --- NamedParameterValidator ---------------------------------------------------------------------


LIMIT = {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}}
AGENT_NAME = {"name": "agent_name", "in": "query", "required": True, "schema": {"type": "string"}}


def test_missing_required_parameter_names_the_param() -> None:
    with pytest.raises(FieldProblem) as raised:
        NamedParameterValidator.validate_parameter("query", None, AGENT_NAME)
    assert raised.value.param == "agent_name"
    assert raised.value.detail == "Missing query parameter 'agent_name'"


def test_missing_optional_parameter_is_accepted() -> None:
    assert NamedParameterValidator.validate_parameter("query", None, LIMIT) is None


def test_invalid_parameter_names_the_param_and_its_location() -> None:
    with pytest.raises(FieldProblem) as raised:
        NamedParameterValidator.validate_parameter("query", 0, LIMIT)
    assert raised.value.param == "limit"
    assert "(query parameter 'limit')" in raised.value.detail


def test_valid_parameter_is_accepted() -> None:
    assert NamedParameterValidator.validate_parameter("query", 5, LIMIT) is None


def test_parameter_schemas_are_draft_2020_12() -> None:
    param = {"name": "mode", "in": "query", "schema": {"type": "string", "const": "fast"}}
    NamedParameterValidator.validate_parameter("query", "fast", param)
    with pytest.raises(FieldProblem):
        NamedParameterValidator.validate_parameter("query", "slow", param)


def test_spec_session_id_parameter_refuses_an_upper_case_ulid(spec: dict[str, Any]) -> None:
    param = deref(spec, {"$ref": "#/components/parameters/SessionId"})
    resolved = {**param, "schema": {"$ref": param["schema"]["$ref"], "components": spec["components"]}}
    NamedParameterValidator.validate_parameter("path", SESSION_ID, resolved)
    with pytest.raises(FieldProblem) as raised:
        NamedParameterValidator.validate_parameter("path", SESSION_ID.upper(), resolved)
    assert raised.value.param == "sessionId"


# --- response validators -------------------------------------------------------------------------


async def _send_through(validator: Any, body: bytes) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    wrapped = validator.wrap_send(send)
    await wrapped({"type": "http.response.start", "status": 400, "headers": []})
    await wrapped({"type": "http.response.body", "body": body, "more_body": False})
    return sent


async def test_response_validator_accepts_the_error_envelope_with_null_code_and_param(
    spec: dict[str, Any],
) -> None:
    validator = JSONResponse2020({}, schema=_request_schema(spec, "RequestErrorResponse"), encoding="utf-8")
    body = json.dumps(error_body("bad", "invalid_request_error")).encode()
    assert json.loads(body)["error"]["param"] is None
    sent = await _send_through(validator, body)
    assert sent[-1]["body"] == body


async def test_response_validator_refuses_a_body_the_spec_does_not_allow(spec: dict[str, Any]) -> None:
    validator = JSONResponse2020({}, schema=_request_schema(spec, "RequestErrorResponse"), encoding="utf-8")
    with pytest.raises(NonConformingResponseBody):
        await _send_through(validator, b'{"error": {"message": "m", "code": 7}}')


async def test_text_response_validator_uses_draft_2020_12() -> None:
    validator = TextResponse2020({}, schema={"type": "string", "const": "ok"}, encoding="utf-8")
    await _send_through(validator, b"ok")
    with pytest.raises(NonConformingResponseBody):
        await _send_through(validator, b"not ok")


# --- end to end through connexion ----------------------------------------------------------------


@pytest.fixture(scope="module")
def stub(spec: dict[str, Any]) -> StubApp:
    return StubApp(spec)


async def test_malformed_session_id_names_the_param(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.get("/v1/agents/sessions/NOT-A-SESSION")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "sessionId"
    assert error["type"] == "invalid_request_error"


async def test_malformed_turn_id_names_the_param(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.get(f"/v1/agents/sessions/{SESSION_ID}/turns/{SESSION_ID}")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "turnId"


async def test_invalid_body_field_is_named_in_the_error_envelope(stub: StubApp) -> None:
    manifest = {"name": "ab", "model": {"name": "openai/gpt-4o"}}
    async with stub.client() as client:
        response = await client.post("/v1/registry/agents", json=manifest)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "model.name"


async def test_unknown_query_parameter_is_refused(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.get("/v1/registry/agents", params={"bogus": "1"})
    assert response.status_code == 400
    assert "bogus" in response.json()["error"]["message"]


async def test_valid_request_reaches_the_handler_with_its_parameters(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.get(f"/v1/agents/sessions/{SESSION_ID}/turns/{TURN_ID}")
    assert response.status_code == 200
    operation_id, arguments = stub.calls[-1]
    assert operation_id == "getTurn"
    assert (arguments["session_id"], arguments["turn_id"]) == (SESSION_ID, TURN_ID)


async def test_cancel_without_a_body_reaches_the_handler(stub: StubApp) -> None:
    before = len(stub.calls)
    async with stub.client() as client:
        response = await client.post(CANCEL)
    assert response.status_code == 200
    assert [op for op, _ in stub.calls[before:]] == ["cancelSession"]


async def test_cancel_with_an_empty_object_reaches_the_handler(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(CANCEL, json={})
    assert response.status_code == 200


async def test_cancel_with_a_body_that_is_not_an_object_is_refused(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(CANCEL, json=[])
    assert response.status_code == 400


async def test_create_session_without_a_body_is_refused(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post("/v1/agents/sessions")
    assert response.status_code == 400


async def test_chunked_body_without_content_length_is_read_and_validated(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(
            "/v1/agents/sessions",
            content=chunked(b'{"agent_name":', b' "support-bot"}'),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 200, response.text
