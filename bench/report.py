"""The printed report: machine, Redis floor, one table row per scenario, then per-scenario detail."""

from __future__ import annotations

from bench.redis_floor import Machine, RedisFloor
from bench.scenarios import ScenarioResult
from bench.stats import Summary

_NAME = 44
_HEADER = (
    f"{'scenario':<{_NAME}} {'n':>4}  {'cancel→200 ms':^23}  {'cancel→turn.done ms':^23}  "
    f"{'p50 / PING p50':^15}  {'errors':>6}\n"
    f"{'':<{_NAME}} {'':>4}  {'p50':>7} {'p99':>7} {'max':>7}  {'p50':>7} {'p99':>7} {'max':>7}  "
    f"{'→200':>7} {'→done':>7}  {'':>6}"
)


def machine_lines(machine: Machine, floor: RedisFloor, redis_url: str, server_url: str) -> list[str]:
    load = " ".join(f"{x:.2f}" for x in machine.load_average)
    return [
        f"machine: {machine.cpus} CPUs, {machine.cpu_model}; Python {machine.python}; "
        f"Redis {machine.redis_version} at {redis_url}; load average at start {load}",
        f"servers: HARNESS_REDIS_URL={server_url}",
        _floor_line("Redis PING", floor.ping),
        _floor_line("Redis EVALSHA (1 key)", floor.evalsha),
    ]


def _floor_line(label: str, summary: Summary) -> str:
    return (
        f"{label:<22} n={summary.n}  p50 {summary.p50:.3f} ms  p99 {summary.p99:.3f} ms  "
        f"max {summary.max:.3f} ms  (redis.asyncio, sequential, from this process)"
    )


def _ratio(value: float, base: float) -> str:
    return f"{value / base:6.0f}x" if base > 0 else "   n/a"


def _row(result: ScenarioResult, rtt: float) -> str:
    ok, done = result.run.to_200, result.run.to_done
    errors = sum(result.run.anomalies().values())
    return (
        f"{result.name:<{_NAME}} {ok.n:>4}  {ok.p50:7.1f} {ok.p99:7.1f} {ok.max:7.1f}  "
        f"{done.p50:7.1f} {done.p99:7.1f} {done.max:7.1f}  {_ratio(ok.p50, rtt)} {_ratio(done.p50, rtt)}  "
        f"{errors:>6}"
    )


def table_lines(results: list[ScenarioResult], floor: RedisFloor) -> list[str]:
    rule = "-" * len(_HEADER.splitlines()[0])
    return [rule, _HEADER, rule, *(_row(r, floor.ping.p50) for r in results), rule]


def _detail(result: ScenarioResult) -> list[str]:
    cpu = ", ".join(f"{name} {percent:.0f}%" for name, percent in sorted(result.cpu.items()))
    lines = [
        f"{result.name.strip()}:",
        f"    CPU (% of one core): {cpu}",
        f"    bench event-loop lag: p50 {result.lag.p50:.1f} ms, p99 {result.lag.p99:.1f} ms, "
        f"max {result.lag.max:.1f} ms",
    ]
    lines += [f"    {note}" for note in result.notes]
    lines += [f"    anomaly: {what} x{count}" for what, count in result.run.anomalies().items()]
    return lines


def detail_lines(results: list[ScenarioResult]) -> list[str]:
    return [line for result in results for line in _detail(result)]
