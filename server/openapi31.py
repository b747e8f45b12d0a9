"""Let connexion 3.3 serve the OpenAPI 3.1 document in spec/ unchanged.

connexion 3.3 only admits 3.0.x: `Specification._validate_spec` checks the document against its
bundled 3.0 meta-schema (upstream: spec-first/connexion#1396). We validate the document as 3.1
ourselves (openapi-spec-validator) and skip that check, and we validate bodies with JSON Schema
draft 2020-12 (3.1's dialect) instead of connexion's draft 4, so `const`, numeric
`exclusiveMinimum` and `type` lists mean what the spec says.

Validation errors also learn which field failed: connexion's BadRequestProblem carries only a text,
so the validators here re-raise it with `param` (the body field path or the parameter name), which
the error envelope reports.
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


def _validator(schema: dict[str, Any]) -> Any:
    return _Draft2020(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _param_of(error: ValidationError) -> str | None:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator in ("required", "additionalProperties"):
        match = re.search(r"'(.+?)' (?:is a required property|was unexpected)", error.message)
        if match:
            return f"{path}.{match.group(1)}" if path else match.group(1)
    return path or None


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
            try:
                body = json.loads(raw.decode(self._encoding))
            except UnicodeDecodeError as exc:
                raise BadRequestProblem(
                    detail=f"request body is not valid {self._encoding}: {exc.reason}"
                ) from None
            except json.JSONDecodeError as exc:
                raise BadRequestProblem(detail=str(exc)) from None
            self._validate(body)
        return self._insert_messages(receive, messages=messages), scope

    def _validate(self, body: Any) -> Any:
        error = next(iter(self._validator.iter_errors(body)), None)
        if error is not None:
            path = ".".join(str(p) for p in error.absolute_path)
            detail = f"{error.message} (at body.{path})" if path else error.message
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
            raise FieldProblem(f"{error.message} ({parameter_type} parameter '{name}')", name)


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
