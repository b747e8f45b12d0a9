"""Let connexion 3.3 serve the OpenAPI 3.1 document in spec/ unchanged.

connexion 3.3 only admits 3.0.x: `Specification._validate_spec` checks the document against its
bundled 3.0 meta-schema (upstream: spec-first/connexion#1396). We validate the document as 3.1
ourselves (openapi-spec-validator) and skip that check, and we validate bodies with JSON Schema
draft 2020-12 (3.1's dialect) instead of connexion's draft 4, so `const`, numeric
`exclusiveMinimum` and `type` lists mean what the spec says.

Validation errors also learn which field failed: connexion's BadRequestProblem carries only a text,
so the validators here re-raise it with `param` (the body field path or the parameter name), which
the error envelope reports; the offending value they echo is cut to `ECHO_LIMIT` characters.

The body validator is also the edge for JSON that parses but nothing after it could handle: nesting
deeper than `MAX_JSON_DEPTH` (which would be a RecursionError in the parser, the validators, pydantic
or the store) and lone surrogates (`"\\ud800"`, a str that Redis and every response refuse to encode)
are a 400 here, before the body reaches a handler.
"""

from __future__ import annotations

import functools
import json
import re
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
from starlette.types import Message, Receive, Scope

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "agent-harness.yaml"
# Far deeper than any manifest, tool result or approval needs; far shallower than Python's recursion.
MAX_JSON_DEPTH = 64
# How much of an offending value a validation message repeats (a 10,000-item list was a 420 kB body).
ECHO_LIMIT = 200
MESSAGE_LIMIT = 1000


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
    """A 400 that names the offending field."""

    def __init__(self, detail: str, param: str | None) -> None:
        super().__init__(detail=detail)
        self.param = param


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


def _validator(schema: dict[str, Any]) -> Any:
    return _Draft2020(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


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
        error = next(iter(self._validator.iter_errors(body)), None)
        if error is not None:
            path = shorten(".".join(str(p) for p in error.absolute_path))
            detail = f"{_message(error)} (at body.{path})" if path else _message(error)
            raise FieldProblem(detail, _param_of(error))
        return body


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
