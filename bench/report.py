"""The printed report's shared parts (the machine, the Redis floor) and the cancel group's table and
per-scenario detail. Each comes as plain text or Markdown."""

from __future__ import annotations

from bench.cancel_scenarios import ScenarioResult
from bench.cpu import cpu_text
from bench.redis_floor import Machine, RedisFloor
from bench.stats import Summary
from bench.table import Table


def machine_facts(machine: Machine, redis_url: str, server_url: str) -> list[str]:
    load = " ".join(f"{x:.2f}" for x in machine.load_average)
    return [
        f"CPU: {machine.cpus} x {machine.cpu_model}",
        f"RAM: {machine.ram_gib:.1f} GiB; {machine.kernel}",
        f"Python {machine.python}; Redis {machine.redis_version} at {redis_url}"
        + (f" (servers: {server_url})" if server_url != redis_url else ""),
        f"load average at start: {load}",
    ]


def floor_facts(floor: RedisFloor) -> list[str]:
    return [_floor_line("Redis PING", floor.ping), _floor_line("Redis EVALSHA (1 key)", floor.evalsha)]


def _floor_line(label: str, summary: Summary) -> str:
    return (
        f"{label}: n={summary.n}, p50 {summary.p50:.3f} ms, p99 {summary.p99:.3f} ms, "
        f"max {summary.max:.3f} ms (redis.asyncio, sequential, from the bench process)"
    )


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.0f}x" if base > 0 else "n/a"


def cancel_table(results: list[ScenarioResult], floor: RedisFloor) -> Table:
    table = Table(
        [
            "scenario",
            "n",
            "cancel→200 p50",
            "p99",
            "max",
            "cancel→turn.done p50",
            "p99",
            "max",
            "→200 p50 / PING",
            "→done p50 / PING",
            "errors",
        ]
    )
    rtt = floor.ping.p50
    for result in results:
        ok, done = result.run.to_200, result.run.to_done
        table.add(
            result.name,
            str(ok.n),
            *(f"{v:.1f}" for v in (ok.p50, ok.p99, ok.max, done.p50, done.p99, done.max)),
            _ratio(ok.p50, rtt),
            _ratio(done.p50, rtt),
            str(sum(result.run.anomalies().values())),
        )
    return table


def _detail(result: ScenarioResult) -> list[str]:
    lines = [
        cpu_text(result.cpu),
        f"bench event-loop lag: p50 {result.lag.p50:.1f} ms, p99 {result.lag.p99:.1f} ms, "
        f"max {result.lag.max:.1f} ms",
        *result.notes,
        *(f"anomaly: {what} x{count}" for what, count in result.run.anomalies().items()),
    ]
    return lines


def cancel_details(results: list[ScenarioResult]) -> list[tuple[str, list[str]]]:
    return [(result.name.strip(), _detail(result)) for result in results]


def detail_text(sections: list[tuple[str, list[str]]]) -> list[str]:
    return [line for title, lines in sections for line in [f"{title}:", *(f"    {x}" for x in lines)]]


def detail_markdown(sections: list[tuple[str, list[str]]]) -> list[str]:
    return [line for title, lines in sections for line in [f"- **{title}**", *(f"  - {x}" for x in lines)]]
