"""Checks of paths outside the tenant prefix: what a client that got its URL wrong is told, and the
optional endpoints a deployment may declare (`--declare`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from harness_cli.conformance.grading import Check, Level
from harness_cli.connection import CALL_TIMEOUT

# Optional features (MAY): the id `--declare` takes, what it means, and the check.
FEATURES = {
    "metrics": "GET /metrics serves Prometheus text",
    "openapi-document": "GET /openapi.json serves the OpenAPI 3.1 document",
    "docs-page": "GET /docs/ serves an API page",
}


def _envelope_404(response: httpx.Response) -> str | None:
    """None when the answer is a 404 in the spec's error envelope, else what is wrong."""
    if response.status_code != 404:
        return f"HTTP {response.status_code}, not 404"
    try:
        error = response.json()["error"]
        assert isinstance(error["message"], str) and isinstance(error["type"], str)
    except (ValueError, KeyError, TypeError, AssertionError):
        return f"the 404 is not the error envelope: {response.text[:200]!r}"
    return None


def _metrics(response: httpx.Response) -> str | None:
    if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/plain"):
        return f"HTTP {response.status_code} {response.headers.get('content-type')}"
    return None if "# TYPE" in response.text else "no `# TYPE` line: not Prometheus text"


def _openapi(response: httpx.Response) -> str | None:
    try:
        version = str(response.json()["openapi"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: not an OpenAPI document"
    return None if version.startswith("3.1") else f"openapi {version}, not 3.1"


def _html(response: httpx.Response) -> str | None:
    if response.status_code == 200 and "html" in response.headers.get("content-type", ""):
        return None
    return f"HTTP {response.status_code} {response.headers.get('content-type')}"


@dataclass(frozen=True)
class _Probe:
    id: str
    name: str
    level: Level
    path: str
    verdict: Callable[[httpx.Response], str | None]


def _probes() -> list[_Probe]:
    unknown = f"/no-such-path-{secrets.token_hex(4)}"
    return [
        _Probe(
            "outside.unknown-path-404", f"GET {unknown} -> 404 envelope", "SHOULD", unknown, _envelope_404
        ),
        _Probe(
            "outside.tenantless-v1-404",
            "GET /v1/agents/sessions (no tenant) -> 404 envelope",
            "SHOULD",
            "/v1/agents/sessions",
            _envelope_404,
        ),
        _Probe("may.metrics", FEATURES["metrics"], "MAY", "/metrics", _metrics),
        _Probe("may.openapi-document", FEATURES["openapi-document"], "MAY", "/openapi.json", _openapi),
        _Probe("may.docs-page", FEATURES["docs-page"], "MAY", "/docs/", _html),
    ]


async def run(root_url: str, token: str, declared: set[str]) -> list[Check]:
    checks = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=root_url, headers=headers, timeout=CALL_TIMEOUT) as client:
        for probe in _probes():
            if probe.level == "MAY" and probe.id.removeprefix("may.") not in declared:
                checks.append(Check(probe.id, probe.name, probe.level, None, "not declared (--declare)"))
                continue
            try:
                problem = probe.verdict(await client.get(probe.path, follow_redirects=True))
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            checks.append(Check(probe.id, probe.name, probe.level, problem is None, problem or ""))
    return checks
