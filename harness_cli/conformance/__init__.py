"""The conformance kit: the spec's schemathesis suite and behavioural turn/cancel scenarios, run over
HTTP against any deployment (`agent-harness conformance`, `make contract BASE_URL=...`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness_cli.conformance.outside import FEATURES


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], connection: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "conformance",
        parents=[connection],
        help="check a deployment against the spec: schemathesis suite + turn/cancel scenarios",
        description="Runs, over HTTP, behavioural turn/cancel scenarios and then schemathesis over every "
        "operation (stateless phases and the stateful run along the spec's links), and checks of paths "
        "outside the tenant prefix; prints a table per operation, scenario and check. Checks are MUST "
        "(a failure fails the run), SHOULD (reported) or MAY (run only when --declare'd). It creates agents, "
        "sessions and turns in the deployment.",
    )
    parser.add_argument(
        "--agent", default="echo", help="agent whose turns finish quickly (default %(default)s)"
    )
    parser.add_argument(
        "--slow-agent",
        default="slow-echo",
        help="agent whose turns run for several seconds, to cancel (default %(default)s)",
    )
    parser.add_argument(
        "--register-agents",
        action="store_true",
        help="register (and afterwards delete) the scenarios' own scripted/echo agents instead",
    )
    parser.add_argument(
        "--suite",
        choices=["all", "scenarios", "schemathesis"],
        default="all",
        help="what to run (default all)",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=20,
        help="schemathesis examples per operation and phase (default %(default)s)",
    )
    parser.add_argument(
        "--request-timeout", type=float, default=30.0, help="seconds per schemathesis request (default 30)"
    )
    parser.add_argument(
        "--dev-mode",
        action="store_true",
        help="the deployment accepts any bearer token on purpose (development mode): skip the checks "
        "that it refuses invalid ones (without this flag, accepting one is a failure)",
    )
    parser.add_argument(
        "--zone",
        help="zone of the deployment's session ids (default: read from a session the scenarios make)",
    )
    parser.add_argument(
        "--junit-xml", type=Path, metavar="FILE", help="also write the graded checks as JUnit XML to FILE"
    )
    parser.add_argument(
        "--known-failures",
        type=Path,
        metavar="FILE",
        help="check ids (one a line, # comments) expected to fail: reported, not failing the run; "
        "one that passes fails the run (a stale baseline)",
    )
    parser.add_argument(
        "--declare",
        action="append",
        default=[],
        choices=[*FEATURES, "all"],
        metavar="FEATURE",
        help="an optional feature the deployment has, whose MAY check then runs (repeatable): "
        + "; ".join(f"{name}: {what}" for name, what in FEATURES.items()),
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:  # schemathesis comes with the dev extra; the operator commands do without it
        from harness_cli.conformance.runner import run
    except ImportError as exc:
        print(
            f"error: the conformance kit needs schemathesis: pip install -e '.[dev]' ({exc})", file=sys.stderr
        )
        return 2
    return run(args)
