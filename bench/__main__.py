"""`python -m bench [cancel] [load] [--quick] [--markdown] ...`: see bench/__init__.py."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis

from bench import agent_cancels, langgraph_dev
from bench.agent_cancels import StageResult
from bench.cancel_group import cancel_group
from bench.cancel_scenarios import ScenarioResult
from bench.config import BenchConfig
from bench.document import PEERS_BEGIN, PEERS_END, replace_between_markers
from bench.load import SCENARIOS, TopologyRun, load_details, load_group, load_table
from bench.peers_group import PeersResult, peers_details, peers_group, peers_table
from bench.pictures import draw
from bench.plots import DEFAULT_DIR
from bench.processes import raise_fd_limit
from bench.redis_cost import OperationCost, cost_details, cost_group, cost_table
from bench.redis_floor import Machine, RedisFloor, describe_machine, measure_floor
from bench.report import (
    cancel_details,
    cancel_table,
    detail_markdown,
    detail_text,
    floor_facts,
    machine_facts,
)
from testkit.processes import ServerProcess

GROUPS = ("cost", "cancel", "load", "agent", "peers")
# `peers` needs .venv-peers (`make bench-peers`): it runs only when named.
DEFAULT_GROUPS = ("cost", "cancel", "load", "agent")
# Beyond the streams themselves: the servers' Redis connections, logs, the bench's other sockets.
FD_HEADROOM = 1024


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def emit(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)


def _folded(lines: list[str]) -> list[str]:
    return ["", "<details><summary>Per-scenario detail</summary>", "", *lines, "", "</details>"]


@dataclass
class Results:
    machine: Machine
    floor: RedisFloor
    config: BenchConfig
    cancel: list[ScenarioResult] = field(default_factory=list)
    load: list[TopologyRun] = field(default_factory=list)
    agent: list[StageResult] = field(default_factory=list)
    cost: list[OperationCost] = field(default_factory=list)
    cost_redis: str = ""
    peers: PeersResult | None = None

    def _size(self) -> str:
        return "--quick sizes" if self.config.quick else "full sizes"

    def text(self) -> list[str]:
        lines = [
            *machine_facts(self.machine, self.config.redis_url, self.config.server_redis_url),
            *floor_facts(self.floor),
        ]
        if self.cost:
            lines += [
                "",
                f"Redis commands and round trips per operation, on {self.cost_redis} ({self._size()})",
            ]
            lines += cost_table(self.cost).text() + detail_text(cost_details(self.cost))
        if self.peers:
            lines += ["", f"this project beside LangGraph ({self._size()})"]
            lines += peers_table(self.peers).text() + [f"    {x}" for x in peers_details(self.peers)]
        if self.cancel:
            lines += ["", f"cancel latency, ms ({self._size()})"]
            lines += cancel_table(self.cancel, self.floor).text() + detail_text(cancel_details(self.cancel))
        if self.load:
            lines += ["", f"load and memory ({self._size()})"]
            lines += load_table(self.load).text() + detail_text(load_details(self.load))
        if self.agent:
            lines += [
                "",
                f"agent loop: cancelling its slow stages ({self._size()})",
                *agent_cancels.table(self.agent),
            ]
        return lines

    def peers_markdown(self) -> list[str]:
        if self.peers is None:
            return []
        return [
            *self._machine_markdown(),
            "",
            f"### This project beside LangGraph ({self._size()})",
            "",
            *peers_table(self.peers).markdown(),
            "",
            *(f"- {x}" for x in peers_details(self.peers)),
        ]

    def _machine_markdown(self) -> list[str]:
        return [
            "Machine of this run:",
            "",
            *(
                f"- {fact}"
                for fact in machine_facts(self.machine, self.config.redis_url, self.config.server_redis_url)
            ),
            *(f"- {fact}" for fact in floor_facts(self.floor)),
        ]

    def has_main_groups(self) -> bool:
        return bool(self.cost or self.cancel or self.load or self.agent)

    def markdown(self) -> list[str]:
        lines = self._machine_markdown() if self.has_main_groups() else []
        if self.cost:
            lines += ["", f"### Redis commands and round trips per operation ({self._size()})", ""]
            lines += [f"On {self.cost_redis}.", "", *cost_table(self.cost).markdown()]
            lines += _folded(detail_markdown(cost_details(self.cost)))
        if self.load:
            lines += ["", f"### Load and memory ({self._size()})", "", *load_table(self.load).markdown()]
            lines += _folded(detail_markdown(load_details(self.load)))
        if self.cancel:
            lines += ["", f"### Cancel latency, ms ({self._size()})", ""]
            lines += cancel_table(self.cancel, self.floor).markdown()
            lines += _folded(detail_markdown(cancel_details(self.cancel)))
        if self.agent:
            lines += ["", f"### Cancelling the agent loop's slow stages ({self._size()})", ""]
            lines += agent_cancels.table(self.agent)
        return lines


async def run(config: BenchConfig, groups: list[str], scenarios: list[str]) -> Results:
    redis = Redis.from_url(config.redis_url, decode_responses=True)
    logs: list[ServerProcess] = []
    try:
        machine = await describe_machine(redis)
        progress(f"Redis round trips: {config.cancel.rtt_samples} PING, {config.cancel.rtt_samples} EVALSHA")
        results = Results(machine, await measure_floor(redis, config.cancel.rtt_samples), config)
        if "cost" in groups:
            results.cost_redis, results.cost = await cost_group(
                config.cost_redis_url, config.cost.ops, progress
            )
        if "peers" in groups:
            if (missing := langgraph_dev.available()) is not None:
                raise SystemExit(f"[bench] peers: {missing}")
            results.peers = await peers_group(redis, config, config.peers, logs, progress)
        if "load" in groups:
            results.load = await load_group(redis, config, scenarios, logs, progress)
        if "cancel" in groups:
            results.cancel = await cancel_group(redis, config, logs, progress)
        if "agent" in groups:
            samples = agent_cancels.QUICK_SAMPLES if config.quick else agent_cancels.SAMPLES
            progress(f"agent loop: {samples} cancels of a slow model stream, {samples} of a slow tool call")
            results.agent = await agent_cancels.run(config.server_redis_url, samples)
        return results
    finally:
        await redis.aclose()
        if logs:
            progress("server logs: " + ", ".join(f"{p.name} {p.log}" for p in logs))


def _counts(raw: str) -> tuple[int, ...]:
    return tuple(int(part) for part in raw.split(",") if part.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Cancel latency, load and memory figures; the servers run as subprocesses.",
    )
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=f"of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes: seconds, not minutes")
    parser.add_argument("--markdown", action="store_true", help="print the report as Markdown")
    parser.add_argument(
        "--update-doc",
        type=Path,
        metavar="PATH",
        help="also write the Markdown report into PATH between its markers",
    )
    parser.add_argument(
        "--figures",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"write the latency distributions (PNG) into DIR (default {DEFAULT_DIR})",
    )
    parser.add_argument("--no-figures", action="store_true", help="draw no pictures")
    parser.add_argument(
        "--executors",
        type=_counts,
        default=(1, 2),
        metavar="N,M",
        help="load group: executor processes per topology, compared in order (default 1,2)",
    )
    parser.add_argument(
        "--apis", type=int, default=1, help="load group: API replicas per topology (default 1)"
    )
    parser.add_argument(
        "--only",
        type=lambda raw: [s for s in raw.split(",") if s],
        default=list(SCENARIOS),
        metavar="NAME,...",
        help=f"load scenarios to run, of {','.join(SCENARIOS)}",
    )
    args = parser.parse_args(argv)
    if unknown := set(args.groups) - set(GROUPS):
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    if unknown := set(args.only) - set(SCENARIOS):
        parser.error(f"unknown load scenario(s): {', '.join(sorted(unknown))}")
    if not args.executors or min(args.executors) < 0 or args.apis < 1:
        parser.error("--executors needs counts >= 0 (0: the executor inside the API) and --apis >= 1")
    args.groups = list(dict.fromkeys(args.groups)) or list(DEFAULT_GROUPS)
    args.only = [name for name in SCENARIOS if name in args.only]
    return args


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    task = asyncio.current_task()
    assert task is not None
    # SIGTERM unwinds like Ctrl-C: the `finally` blocks stop the servers.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    config = BenchConfig.from_env(quick=args.quick, executor_counts=args.executors, api_replicas=args.apis)
    load = config.load
    streams = max(load.held_streams, load.idle_streams) + load.fanout_turns * load.fanout_subscribers
    limit = raise_fd_limit(2 * streams + FD_HEADROOM)
    if limit < 2 * streams + FD_HEADROOM:
        progress(f"open-file limit is {limit}: held streams beyond it will count as errors")
    results = await run(config, args.groups, args.only)
    emit(results.markdown() + results.peers_markdown() if args.markdown else results.text())
    if not args.no_figures:
        written = draw(args.figures, results.cancel, results.load, results.peers)
        progress("pictures: " + (", ".join(str(p) for p in written) or "none"))
    if args.update_doc:
        # Two blocks, so `make bench` and `make bench-peers` each rewrite only their own figures.
        if results.has_main_groups():
            replace_between_markers(args.update_doc, results.markdown())
        if results.peers is not None:
            replace_between_markers(args.update_doc, results.peers_markdown(), PEERS_BEGIN, PEERS_END)
        progress(f"wrote the report into {args.update_doc}")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("[bench] interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
