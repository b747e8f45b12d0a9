"""The load group: each load scenario on each topology (one API replica with 1, then 2 executor
processes by default), and the table comparing them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bench.agents import load_agents
from bench.client import new_http_client
from bench.config import BenchConfig, LoadSizes
from bench.cpu import cpu_text
from bench.deployment import Deployment, Topology, deployed
from bench.fanout import fanout
from bench.figures import Figure, Outcome
from bench.held import held_streams
from bench.idle import idle_streams
from bench.memory import memory
from bench.sessions_rate import sessions_rate
from bench.table import Table
from bench.turn_rate import turn_latency, turn_rate
from testkit.processes import ServerProcess

Scenario = Callable[[Deployment, Redis, LoadSizes], Awaitable[Outcome]]

# In this order: memory runs while the DB holds little but the deployment is warm; held streams
# before the fan-out, whose catching-up subscribers swell the API's heap (and so its RSS baseline).
SCENARIOS: dict[str, Scenario] = {
    "sessions": sessions_rate,
    "memory": memory,
    "latency": turn_latency,
    "turns": turn_rate,
    "held": held_streams,
    "idle": idle_streams,
    "fanout": fanout,
}


@dataclass
class TopologyRun:
    topology: Topology
    outcomes: list[Outcome]

    @property
    def figures(self) -> dict[str, Figure]:
        return {f.key: f for o in self.outcomes for f in o.figures}


async def load_group(
    redis: Redis,
    config: BenchConfig,
    scenarios: list[str],
    logs: list[ServerProcess],
    progress: Callable[[str], None],
) -> list[TopologyRun]:
    runs: list[TopologyRun] = []
    for executors in config.executor_counts:
        topology = Topology(executors, config.api_replicas)
        agents = load_agents(config.load)
        async with (
            new_http_client() as http,
            deployed(redis, config.server_redis_url, http, topology, agents) as deployment,
        ):
            logs += deployment.processes
            outcomes: list[Outcome] = []
            for name in scenarios:
                progress(f"{topology.label}: {name}")
                outcomes.append(await SCENARIOS[name](deployment, redis, config.load))
        runs.append(TopologyRun(topology, outcomes))
    return runs


def _ratio(first: Figure | None, last: Figure | None) -> str:
    if first is None or last is None or first.kind == "count" or not first.value:
        return ""
    return f"{last.value / first.value:.2f}x"


def load_table(runs: list[TopologyRun]) -> Table:
    compare = len(runs) > 1
    columns = ["figure", *(run.topology.label for run in runs)]
    if compare:
        columns.append("last / first")
    table = Table(columns)
    figures = [run.figures for run in runs]
    order = list(dict.fromkeys(key for run in figures for key in run))
    for key in order:
        found = [f[key] for f in figures if key in f]
        cells = [f[key].formatted() if key in f else "" for f in figures]
        if compare:
            cells.append(_ratio(figures[0].get(key), figures[-1].get(key)))
        table.add(found[0].label, *cells)
    return table


def _detail(outcome: Outcome) -> list[str]:
    lines = []
    if outcome.cpu:
        lines.append(cpu_text(outcome.cpu))
    if outcome.lag is not None:
        lag = outcome.lag
        lines.append(
            f"bench event-loop lag: p50 {lag.p50:.1f} ms, p99 {lag.p99:.1f} ms, max {lag.max:.1f} ms"
        )
    return lines + outcome.notes


def load_details(runs: list[TopologyRun]) -> list[tuple[str, list[str]]]:
    return [(f"{run.topology.label}, {o.scenario}", _detail(o)) for run in runs for o in run.outcomes]
