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
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate as validate_openapi

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


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


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

    async def _parse(self, stream: Any, scope: Any) -> Any:
        # connexion lets a body that is not UTF-8 escape as UnicodeDecodeError, a 500.
        try:
            return await super()._parse(stream, scope)
        except UnicodeDecodeError as exc:
            raise BadRequestProblem(
                detail=f"request body is not valid {self._encoding}: {exc.reason}"
            ) from None

    def _validate(self, body: Any) -> Any:
        # connexion 3.3 rejects a missing body unless the schema is nullable, even when the operation
        # declares `requestBody.required: false` (the seed's cancel does): absence is allowed there.
        if body is None and not self._required:
            return None
        try:
            return super()._validate(body)
        except BadRequestProblem as problem:
            if body is None:
                raise
            error = next(iter(self._validator.iter_errors(body)), None)
            raise FieldProblem(problem.detail, _param_of(error) if error else None) from None


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
