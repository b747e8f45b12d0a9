"""`agent-harness conformance`: the scenarios, then the schemathesis suite, then one table."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO
from urllib.parse import urlsplit

import httpx

from generated.client import AuthenticatedClient
from generated.client.api.agent_registry import create_agent, delete_agent, list_agents
from generated.client.models import AgentManifest, AgentModel, AgentModelParams, GetAgentResponse
from harness_cli.api import ApiError, expect
from harness_cli.conformance import fuzz, junit, outside
from harness_cli.conformance.grading import Check, Grades, Status, read_known_failures
from harness_cli.conformance.scenarios import Outcome, Scenarios
from harness_cli.connection import CALL_TIMEOUT, Connection

# Checks skipped against a deployment in development mode, where any bearer token is an identity.
DEV_MODE_SKIPPED_CHECKS = ("ignored_auth",)
OWN_AGENT_PARAMS = {"echo": {}, "slow": {"chunks": 40, "delay_ms": 250}}


def operation_check_id(tally: fuzz.OperationTally) -> str:
    return (
        "schemathesis.run"
        if tally.operation_id == "(schemathesis run)"
        else f"operation.{tally.operation_id}"
    )


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    tallies: dict[str, fuzz.OperationTally] = field(default_factory=dict)
    others: list[Check] = field(default_factory=list)
    """Outside the tenant prefix (SHOULD) and the optional features (MAY)."""
    notes: list[str] = field(default_factory=list)
    known_failures: frozenset[str] = frozenset()

    @property
    def grades(self) -> Grades:
        checks = [
            Check(
                operation_check_id(t),
                t.operation_id,
                "MUST",
                t.passed,
                "; ".join(f.describe() for f in t.findings.values()) or t.result,
            )
            for t in self.tallies.values()
        ]
        checks += [Check(o.id, o.name, "MUST", o.passed, o.detail) for o in self.outcomes]
        return Grades(checks + self.others, self.known_failures)

    @property
    def passed(self) -> bool:
        return self.grades.passed

    def print(self, out: TextIO) -> None:
        grades = self.grades
        by_id = {c.id: grades.status(c) for c in grades.checks}

        def shown(check_id: str, passed: str, failed: str) -> str:
            status: Status = by_id[check_id]
            return {"pass": passed, "FAIL": failed}.get(status, status)

        if self.tallies:
            width = max(len(t.operation_id) for t in self.tallies.values())
            print(f"\n{'OPERATION'.ljust(width)}  REQUESTS       2XX  FAILURES  RESULT", file=out)
            for t in self.tallies.values():
                counts = f"{t.requests:8d}  {t.succeeded:8d}  {len(t.findings):8d}"
                result = shown(operation_check_id(t), t.result, t.result)
                print(f"{t.operation_id.ljust(width)}  {counts}  {result}", file=out)
        if self.outcomes:
            width = max(len(o.name) for o in self.outcomes)
            id_width = max(len(o.id) for o in self.outcomes)
            print(f"\n{'SCENARIO'.ljust(width)}  {'ID'.ljust(id_width)}  RESULT", file=out)
            for o in self.outcomes:
                print(
                    f"{o.name.ljust(width)}  {o.id.ljust(id_width)}  {shown(o.id, 'pass', 'FAIL')}", file=out
                )
        if self.others:
            width = max(len(c.name) for c in self.others)
            id_width = max(len(c.id) for c in self.others)
            print(f"\n{'CHECK'.ljust(width)}  LEVEL   {'ID'.ljust(id_width)}  RESULT", file=out)
            for c in self.others:
                result = shown(c.id, "pass", "FAIL")
                print(
                    f"{c.name.ljust(width)}  {c.level.ljust(6)}  {c.id.ljust(id_width)}  {result}", file=out
                )
        for note in self.notes:
            print(f"\nnote: {note}", file=out)
        if grades.unknown_ids:
            print(f"\nnote: known failures naming no check: {', '.join(grades.unknown_ids)}", file=out)
        failures = [
            (t.operation_id, f.describe())
            for t in self.tallies.values()
            if by_id[operation_check_id(t)] == "FAIL"
            for f in t.findings.values()
        ]
        failures += [(f"scenario {o.name!r}", o.detail) for o in self.outcomes if by_id[o.id] == "FAIL"]
        failures += [(c.name, c.detail) for c in self.others if by_id[c.id] == "FAIL"]
        failures += [
            (c.id, "listed in --known-failures but passes: remove it from the baseline")
            for c in grades.checks
            if by_id[c.id] == "STALE"
        ]
        if failures:
            print("\nFAILURES", file=out)
            for where, what in failures:
                print(f"  {where}: {what}", file=out)
        reported = [c for c in grades.checks if by_id[c.id] in ("reported", "known failure")]
        if reported:
            print("\nREPORTED (not failing the run)", file=out)
            for c in reported:
                print(f"  {c.id} ({c.level}, {by_id[c.id]}): {c.detail}", file=out)
        operations = [t for t in self.tallies.values() if t.operation_id != "(schemathesis run)"]
        print(
            f"\nconformance: {sum(t.passed for t in operations)}/{len(operations)} operations, "
            f"{sum(o.passed for o in self.outcomes)}/{len(self.outcomes)} scenarios passed",
            file=out,
        )
        print(grades.summary(), file=out)


async def _accepts_any_token(connection: Connection) -> bool:
    """Development mode: a token no deployment could have issued is taken as an identity."""
    probe = AuthenticatedClient(
        base_url=connection.api_url, token=f"not-a-token-{secrets.token_hex(8)}", timeout=CALL_TIMEOUT
    )
    async with probe:
        try:
            response = await list_agents.asyncio_detailed(client=probe, limit=1)
        except (KeyError, TypeError, ValueError):
            return False  # an answer that is not the spec's (a proxy's page): not a token accepted
    return response.status_code == 200


async def _register_agents(client: AuthenticatedClient, suffix: str) -> dict[str, str]:
    names = {}
    for role, params in OWN_AGENT_PARAMS.items():
        name = f"conformance-{role}-{suffix}"
        model = AgentModel(name="scripted/echo", params=AgentModelParams.from_dict(params))
        body = AgentManifest(name=name, model=model, description="registered by agent-harness conformance")
        expect(await create_agent.asyncio_detailed(client=client, body=body), GetAgentResponse)
        names[role] = name
    return names


@dataclass
class Discovered:
    zone: str | None = None  # of the sessions the scenarios made
    accepts_any_token: bool = False
    succeeded: Counter[str] = field(default_factory=Counter)
    """2xx answers the scenarios got, by operationId."""


def _count_successes(
    connection: Connection, into: Counter[str]
) -> Callable[[httpx.Response], Awaitable[None]]:
    prefix = urlsplit(connection.api_url).path.rstrip("/")

    async def hook(response: httpx.Response) -> None:
        path = response.request.url.path
        if response.is_success and path.startswith(prefix):
            operation = fuzz.operation_of(response.request.method, path[len(prefix) :])
            if operation is not None:
                into[operation] += 1

    return hook


async def _behaviour(args: argparse.Namespace, connection: Connection, report: Report) -> Discovered:
    """The scenarios, and what the schemathesis run needs to know about the deployment."""
    found = Discovered()
    # Bounded, so a deployment that accepts connections and never answers fails instead of hanging.
    client = AuthenticatedClient(
        base_url=connection.api_url,
        token=args.token,
        timeout=CALL_TIMEOUT,
        httpx_args={"event_hooks": {"response": [_count_successes(connection, found.succeeded)]}},
    )
    async with client:
        agent, slow_agent, own = args.agent, args.slow_agent, {}
        if args.register_agents:
            own = await _register_agents(client, secrets.token_hex(3))
            agent, slow_agent = own["echo"], own["slow"]
            report.notes.append(
                f"registered agents {', '.join(own.values())} for the scenarios, then deleted them"
            )
        try:
            scenarios = Scenarios(client, agent=agent, slow_agent=slow_agent)
            if args.suite in ("all", "scenarios"):
                report.outcomes = await scenarios.run()
        finally:
            for name in own.values():
                await delete_agent.asyncio_detailed(name, client=client)
        if args.suite in ("all", "scenarios"):
            declared = set(outside.FEATURES) if "all" in args.declare else set(args.declare)
            report.others = await outside.run(connection.base_url.rstrip("/"), args.token, declared)
        if scenarios.session_ids:
            found.zone = scenarios.session_ids[0].rsplit(".", 1)[-1]
        found.accepts_any_token = await _accepts_any_token(connection)
        return found


def run(args: argparse.Namespace) -> int:
    connection = Connection.from_args(args)
    if not connection.token:
        print("error: conformance needs a token (--token or AGENT_HARNESS_TOKEN)", file=sys.stderr)
        return 2
    report = Report()
    if args.known_failures is not None:
        try:
            report.known_failures = read_known_failures(args.known_failures)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: --known-failures {args.known_failures}: {exc}", file=sys.stderr)
            return 2
    print(f"conformance of {connection.api_url}", file=sys.stderr)
    try:
        found = asyncio.run(_behaviour(args, connection, report))
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"error: {ApiError.transport(exc)}", file=sys.stderr)
        return 1
    if found.accepts_any_token and not args.dev_mode:
        report.outcomes.append(
            Outcome(
                "auth.refuses-unissued-token",
                "a bearer token it never issued is refused",
                False,
                "the deployment accepted a random bearer token; if it runs in development mode on "
                "purpose, say so with --dev-mode",
            )
        )
    if args.suite in ("all", "schemathesis"):
        skipped: tuple[str, ...] = ()
        if found.accepts_any_token and args.dev_mode:
            skipped = DEV_MODE_SKIPPED_CHECKS
            report.notes.append(
                f"skipped the {', '.join(skipped)} check: the deployment accepts any bearer token "
                "(--dev-mode)"
            )
        phases = ", ".join(fuzz.PHASES)
        print(f"schemathesis ({phases}): up to {args.max_examples} examples a phase", file=sys.stderr)
        report.tallies = fuzz.run(
            fuzz.FuzzOptions(
                api_url=connection.api_url,
                root_url=connection.base_url.rstrip("/"),
                token=connection.token,
                zone=args.zone or found.zone or "g",
                max_examples=args.max_examples,
                request_timeout=args.request_timeout,
                skip_checks=skipped,
            )
        )
        for tally in report.tallies.values():
            tally.succeeded += found.succeeded[tally.operation_id]
        set_aside = sum(t.set_aside for t in report.tallies.values())
        if set_aside:
            report.notes.append(
                f"{set_aside} resource-availability finding(s) set aside: their 404 named a body field, "
                "not the resource just created"
            )
    report.print(sys.stdout)
    if args.junit_xml is not None:
        junit.write(report.grades, args.junit_xml, target=connection.api_url)
    return 0 if report.passed else 1
