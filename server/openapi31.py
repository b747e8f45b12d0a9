"""Let connexion 3.3 serve the OpenAPI 3.1 document in spec/ unchanged.

connexion 3.3 only admits 3.0.x: `Specification._validate_spec` checks the document against its
bundled 3.0 meta-schema (upstream: spec-first/connexion#1396). We validate the document as 3.1
ourselves (openapi-spec-validator) and skip that check, and we validate bodies with JSON Schema
draft 2020-12 (3.1's dialect) instead of connexion's draft 4, so `const`, numeric
`exclusiveMinimum` and `type` lists mean what the spec says.

Validation errors also learn which field failed: connexion's BadRequestProblem carries only a text,
so the validators here re-raise it with `param` (the body field path or the parameter name), which
the error envelope reports; the offending value they echo is cut to `ECHO_LIMIT` characters.
Fields a schema does not allow (`additionalProperties: false`) are all named in one message, before
any other failure (a typo'd field is the likely cause of the rest), each worded by what the schema
says of it: `x-retired-fields` (what replaced it), `x-unsupported-truefoundry-fields`, or unknown,
with the closest allowed name when one is close.

The body validator is also the edge for JSON that parses but nothing after it could handle: nesting
deeper than `MAX_JSON_DEPTH` (which would be a RecursionError in the parser, the validators, pydantic
or the store) and lone surrogates (`"\\ud800"`, a str that Redis and every response refuse to encode)
are a 400 here, before the body reaches a handler.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from itertools import islice
from pathlib import Path
from typing import Any

import yaml
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.spec import OpenAPISpecification
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
    TextResponseBodyValidator,
)
from jsonschema import Draft202012Validator, ValidationError, validators
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from starlette.types import Message, Receive, Scope

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "agent-harness.yaml"
# Far deeper than any manifest, tool result or approval needs; far shallower than Python's recursion.
MAX_JSON_DEPTH = 64
# How much of an offending value a validation message repeats (a 10,000-item list was a 420 kB body).
ECHO_LIMIT = 200
MESSAGE_LIMIT = 1000
# Failures looked at per body (to find every unknown field), and unknown fields named in a message.
ERRORS_SCANNED = 100
FIELDS_NAMED = 20


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """Read the spec and validate it as OpenAPI 3.1 (the check connexion cannot do)."""
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    validate_openapi(document)
    return document


def accept_openapi_31() -> None:
    # The only thing in connexion 3.3 that refuses 3.1 is this meta-schema check; load_spec()
    # has validated the document against the 3.1 meta-schema instead.
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)


class FieldProblem(BadRequestProblem):  # type: ignore[misc]
    """A 400 that names the offending field (and, when more specific than the status's, its code)."""

    def __init__(self, detail: str, param: str | None, code: str | None = None) -> None:
        super().__init__(detail=detail)
        self.param = param
        self.code = code


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    # JSON Schema patterns are ECMA-262, where `$` is the end of the input; in Python's `re` it
    # also matches before a final newline, which would let "name\n" through `^...$`.
    if isinstance(instance, str) and not re.search(_ecma(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _ecma(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


_Draft2020 = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: ValidationError) -> str:
    """jsonschema's message with the echoed value cut short (messages quote `repr(instance)`)."""
    echoed = repr(error.instance)
    message = error.message.replace(echoed, shorten(echoed)) if len(echoed) > ECHO_LIMIT else error.message
    return shorten(message, MESSAGE_LIMIT)


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than `limit`, told without parsing it
    (the parser itself recurses). Brackets inside strings do not count."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            return True
    return False


def lone_surrogate(raw: bytes, body: Any) -> str | None:
    """The path (`input.0.content`) of the first string or property name in the parsed body holding
    a lone surrogate, "" for the body itself; None when every string is valid Unicode. Only a
    `\\uD8xx`-`\\uDFxx` escape can make one (raw surrogate bytes are already invalid UTF-8)."""
    if not _SURROGATE_ESCAPE.search(raw):
        return None
    stack: list[tuple[tuple[str, ...], Any]] = [((), body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and not _encodes(value):
            return ".".join(path)
        if isinstance(value, dict):
            for key, item in value.items():
                if not _encodes(key):
                    return ".".join(path)
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, str(n)), item) for n, item in enumerate(value))
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


# connexion builds a validator per request from the operation's schema (the same dict every time):
# building one costs about as much as validating a small body, so each schema's is built once.
# Keyed by identity, holding the schema so its id stays its own; bounded, should a caller ever pass
# fresh dicts.
_VALIDATORS: dict[int, tuple[dict[str, Any], Any]] = {}
_VALIDATORS_KEPT = 1024


def _validator(schema: dict[str, Any]) -> Any:
    kept = _VALIDATORS.get(id(schema))
    if kept is not None and kept[0] is schema:
        return kept[1]
    validator = _Draft2020(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    if len(_VALIDATORS) >= _VALIDATORS_KEPT:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _param_of(error: ValidationError) -> str | None:
    """The field's dotted path; for a missing or unexpected property, the (first) property's own. Read
    from the instance, not the message: a regex over a message listing 10,000 extra fields took a
    minute (quadratic backtracking)."""
    path = ".".join(str(p) for p in error.absolute_path)
    named: list[str] = []
    if isinstance(error.instance, dict):
        if error.validator == "required" and isinstance(error.validator_value, list):
            named = [p for p in error.validator_value if p not in error.instance]
        elif error.validator == "additionalProperties" and isinstance(error.schema, dict):
            known, patterns = error.schema.get("properties", {}), error.schema.get("patternProperties", {})
            named = sorted(
                (k for k in error.instance if k not in known and not any(re.search(p, k) for p in patterns)),
                key=str,
            )
    if named:
        path = f"{path}.{named[0]}" if path else str(named[0])
    return shorten(path) if path else None


def _field_path(path: Any, name: object) -> str:
    """`model.base_url`, `mcp_servers[0].url`: a manifest's fields as their authors write them."""
    text = ""
    for part in [*path, name]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _unknown_field(error: ValidationError, name: str) -> tuple[str, str, str]:
    """(path, code, sentence) for one property that `error.schema` does not allow."""
    path = _field_path(error.absolute_path, name)
    schema = error.schema if isinstance(error.schema, dict) else {}
    retired = schema.get("x-retired-fields") or {}
    if name in retired:
        return path, "field_retired", f"`{path}` is no longer accepted: {retired[name]}"
    if name in (schema.get("x-unsupported-truefoundry-fields") or ()):
        sentence = f"`{path}` is a TrueFoundry manifest field this server does not support yet"
        return path, "unsupported_field", sentence
    known = [str(k) for k in schema.get("properties", {})]
    # A near spelling (`instructons`), else the one field the name begins (`timeout`).
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    if not close and len(name) >= 4:
        close = [k for k in known if k.startswith(name)][:2]
        close = close if len(close) == 1 else []
    hint = f" (did you mean `{_field_path(error.absolute_path, close[0])}`?)" if close else ""
    return path, "unknown_field", f"`{path}` is not a known field{hint}"


def unknown_fields_problem(errors: list[ValidationError]) -> FieldProblem | None:
    """One 400 naming every property the body has and its schema does not allow (shallowest first,
    in the body's order); `param` and `code` are the first one's. None when no error is one."""
    found: list[tuple[str, str, str]] = []
    for error in sorted(
        (e for e in errors if e.validator == "additionalProperties" and isinstance(e.instance, dict)),
        key=lambda e: len(e.absolute_path),
    ):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
        for name in error.instance:
            if name not in known and not any(re.search(p, name) for p in patterns):
                found.append(_unknown_field(error, str(name)))
                if len(found) > FIELDS_NAMED:
                    break
        if len(found) > FIELDS_NAMED:
            break
    if not found:
        return None
    sentences = [sentence for _, _, sentence in found[:FIELDS_NAMED]]
    if len(found) > FIELDS_NAMED:
        sentences.append("and more")
    path, code, _ = found[0]
    return FieldProblem(shorten("; ".join(sentences), MESSAGE_LIMIT), shorten(path), code)


class JSONBody2020(JSONRequestBodyValidator):  # type: ignore[misc]
    @property
    def _validator(self) -> Draft202012Validator:
        return _validator(self._schema)

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        """Read the whole body (BodyLimit has bounded it), validate it, and replay it.

        connexion 3.3 decides a body is absent from `Content-Length` alone, so a chunked body is
        refused as missing; it also cannot tell an absent body from an explicit `null`. Here absence
        means no bytes: allowed when `requestBody.required` is false (the seed's cancel), and a
        present body, `null` included, is always validated against the schema.
        """
        messages: list[Message] = []
        more_body = True
        while more_body:
            message = await receive()
            messages.append(message)
            more_body = message.get("type") == "http.request" and message.get("more_body", False)
        raw = b"".join(m.get("body", b"") for m in messages)
        if not raw:
            if self._required:
                raise BadRequestProblem("RequestBody is required")
        else:
            if too_deep(raw):
                raise BadRequestProblem(
                    detail=f"request body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels"
                )
            try:
                body = json.loads(raw.decode(self._encoding))
            except UnicodeDecodeError as exc:
                raise BadRequestProblem(
                    detail=f"request body is not valid {self._encoding}: {exc.reason}"
                ) from None
            except json.JSONDecodeError as exc:
                raise BadRequestProblem(detail=str(exc)) from None
            where = lone_surrogate(raw, body)
            if where is not None:
                at = f" (at body.{shorten(where)})" if where else ""
                raise FieldProblem(
                    f"request body has a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its "
                    f"pair), which is not Unicode text{at}",
                    shorten(where) or None,
                )
            self._validate(body)
        return self._insert_messages(receive, messages=messages), scope

    def _validate(self, body: Any) -> Any:
        check(self._validator, body)
        return body


def check(validator: Any, body: Any) -> None:
    """Raise the FieldProblem for the body's failures against `validator`'s schema: every unknown
    field at once if there is one, else the first failure."""
    errors = list(islice(validator.iter_errors(body), ERRORS_SCANNED))
    if not errors:
        return
    if (unknown := unknown_fields_problem(errors)) is not None:
        raise unknown
    error = errors[0]
    path = shorten(".".join(str(p) for p in error.absolute_path))
    detail = f"{_message(error)} (at body.{path})" if path else _message(error)
    raise FieldProblem(detail, _param_of(error))


@functools.cache
def _component_validator(name: str) -> Any:
    registry: Any = Registry().with_resource("spec", DRAFT202012.create_resource(load_spec()))
    schema = {"$ref": f"spec#/components/schemas/{name}"}
    return _Draft2020(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_component(name: str, body: Any) -> None:
    """Validate `body` against the spec's `components.schemas[name]` as a request body is (for what
    reaches the domain without a request: agent manifests read from files)."""
    check(_component_validator(name), body)


class JSONResponse2020(JSONResponseBodyValidator):  # type: ignore[misc]
    @property
    def validator(self) -> Draft202012Validator:
        return _validator(self._schema)


class TextResponse2020(TextResponseBodyValidator):  # type: ignore[misc]
    @property
    def validator(self) -> Draft202012Validator:
        return _validator(self._schema)


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: Any = None
    ) -> None:
        name = param["name"]
        if value is None:
            if param.get("required"):
                raise FieldProblem(f"Missing {parameter_type} parameter '{name}'", name)
            return
        error = next(iter(_validator(param.get("schema", param)).iter_errors(value)), None)
        if error is not None:
            raise FieldProblem(f"{_message(error)} ({parameter_type} parameter '{name}')", name)


# connexion replaces each top-level entry wholesale, so every media type is listed again.
VALIDATOR_MAP = {
    "parameter": NamedParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": JSONBody2020,
            "application/x-www-form-urlencoded": FormDataValidator,
            "multipart/form-data": MultiPartFormDataValidator,
        }
    ),
    "response": MediaTypeDict({"*/*json": JSONResponse2020, "text/plain": TextResponse2020}),
}
