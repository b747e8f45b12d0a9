"""The schemathesis suite over HTTP: every operation statelessly (examples, coverage, fuzzing) and the
stateful run along the spec's links, tallied per operation.

It drives schemathesis' engine (what `schemathesis run` runs) rather than its CLI, so each failure
can be attributed to the operation that produced it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import schemathesis
import yaml
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder

from harness_cli.conformance.schema import SPEC_PATH, load_schema

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
PROBES_TAG = "Health"  # served outside the tenant prefix (the spec gives them their own server)


@dataclass(frozen=True)
class Finding:
    phase: str
    check: str
    title: str
    message: str
    response: str = ""
    reproduce: str = ""

    def describe(self) -> str:
        text = f"[{self.phase}] {self.check}: {self.title}"
        if self.message:
            text += "\n      " + self.message.strip().replace("\n", "\n      ")
        if self.response:
            text += "\n      got: " + self.response
        if self.reproduce:
            text += "\n      reproduce: " + self.reproduce.strip().replace("\n", "\n      ")
        return text


@dataclass
class OperationTally:
    operation_id: str
    label: str  # "METHOD /path", as schemathesis names operations
    requests: int = 0
    succeeded: int = 0  # requests answered 2xx, by schemathesis or the scenarios
    set_aside: int = 0  # failures the schema's `filter_failure` hook dropped (see schema.py)
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        # Refusals the spec documents (401, 403, 404...) pass every check, so a deployment refusing
        # everything would pass too: an operation must also have worked at least once.
        return self.succeeded > 0 and not self.findings

    @property
    def result(self) -> str:
        if self.passed:
            return "pass"
        if not self.requests:
            return "FAIL (untested)"
        return "FAIL" if self.findings else "FAIL (never 2xx)"

    def add(self, finding: Finding) -> None:
        # One entry per distinct problem: the same check failing the same way on many inputs is one.
        self.findings.setdefault((finding.check, finding.title, finding.message), finding)


@cache
def spec_operations(spec_path: str = str(SPEC_PATH)) -> tuple[tuple[str, str, str], ...]:
    """(operationId, label, tag) of every operation, in the spec's order."""
    with open(spec_path) as handle:
        document = yaml.safe_load(handle)
    found = []
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                operation = item[method]
                tags = operation.get("tags") or [""]
                found.append((operation["operationId"], f"{method.upper()} {path}", tags[0]))
    return tuple(found)


def _path_pattern(template: str) -> re.Pattern[str]:
    """`/v1/agents/sessions/{sessionId}` → a pattern taking any one segment for each parameter."""
    return re.compile("[^/]+".join(re.escape(part) for part in re.split(r"\{[^/}]+\}", template)))


@cache
def _operation_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    routes = ((op, *label.split(" ", 1)) for op, label, _ in spec_operations())
    return tuple((method, _path_pattern(path), op) for op, method, path in routes)


def operation_of(method: str, path: str) -> str | None:
    """The operationId a request is for, by its method and its path below the spec's server URL."""
    for wanted, pattern, operation_id in _operation_patterns():
        if method.upper() == wanted and pattern.fullmatch(path):
            return operation_id
    return None


@dataclass
class FuzzOptions:
    api_url: str  # up to the tenant: the spec's `{scheme}://{host}/{tenantName}`
    root_url: str  # the probes' server: `{scheme}://{host}`
    token: str
    zone: str
    max_examples: int
    request_timeout: float
    skip_checks: tuple[str, ...] = ()


def run(options: FuzzOptions) -> dict[str, OperationTally]:
    """Tallies by operation label, for every operation of the spec."""
    tallies = {label: OperationTally(op_id, label) for op_id, label, _ in spec_operations()}
    loose: list[Finding] = []
    tenant_schema = _schema(options, options.api_url, PHASES).exclude(tag=PROBES_TAG)
    # The probes are linked to nothing, so they have no stateful run.
    probes_schema = _schema(options, options.root_url, PHASES[:-1]).include(tag=PROBES_TAG)
    for schema in (tenant_schema, probes_schema):
        _tally(from_schema(schema).execute(), tallies, loose)
    if loose:
        tallies["(run)"] = OperationTally("(schemathesis run)", "(run)", requests=1, succeeded=1)
        for finding in loose:
            tallies["(run)"].add(finding)
    return tallies


def _schema(options: FuzzOptions, base_url: str, phases: list[str]) -> schemathesis.BaseSchema:
    schema = load_schema(token=options.token, zone=options.zone)
    config = schema.config
    config.update(base_url=base_url, request_timeout=options.request_timeout)
    config.phases.update(phases=phases)
    config.checks.update(included_check_names=["all"], excluded_check_names=list(options.skip_checks))
    config.generation.update(max_examples=options.max_examples)
    return schema


def _tally(
    stream: Iterable[events.EngineEvent], tallies: dict[str, OperationTally], loose: list[Finding]
) -> None:
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            _scenario(event, tallies)
        elif isinstance(event, events.NonFatalError):
            finding = Finding(
                phase=event.phase.value if event.phase else "-",
                check="error",
                title=type(event.value).__name__,
                message=str(event.value),
            )
            tally = tallies.get(event.label)
            if tally is not None:
                tally.add(finding)
            else:
                loose.append(finding)
        elif isinstance(event, events.FatalError):
            loose.append(Finding("-", "fatal", type(event.exception).__name__, str(event.exception)))
        elif isinstance(event, events.EngineFinished) and event.stop_reason.skip_explanation:
            loose.append(Finding("-", "stopped", event.stop_reason.skip_explanation, ""))


def _scenario(event: events.ScenarioFinished, tallies: dict[str, OperationTally]) -> None:
    recorder = event.recorder
    for case_id, node in recorder.cases.items():
        tally = tallies.get(node.value.operation.label)
        if tally is None:
            continue
        interaction = recorder.interactions.get(case_id)
        if interaction is not None:
            tally.requests += 1
            if interaction.response is not None and 200 <= interaction.response.status_code < 300:
                tally.succeeded += 1
        tally.set_aside += recorder.filtered_failures.get(case_id, 0)
        for check in recorder.checks.get(case_id, []):
            if check.status in (Status.FAILURE, Status.ERROR) and check.failure_info is not None:
                failure = check.failure_info.failure
                tally.add(
                    Finding(
                        phase=event.phase.value,
                        check=check.name,
                        title=failure.title,
                        message=failure.message,
                        response=_response_of(recorder, check.failure_info.failure.case_id or case_id),
                        reproduce=check.failure_info.code_sample,
                    )
                )


def _response_of(recorder: ScenarioRecorder, case_id: str) -> str:
    interaction = recorder.interactions.get(case_id)
    if interaction is None or interaction.response is None:
        return ""
    response = interaction.response
    body = (response.content or b"").decode(errors="replace").strip()
    return f"HTTP {response.status_code} {body[:300]}"
