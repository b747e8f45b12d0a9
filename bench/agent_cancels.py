"""Cancelling the expensive stages of a real agent loop: a slow model stream and a slow tool call.

The harness runs as `agent-harness serve` in a process of its own. This process plays the
outside world: an OpenAI-compatible model server streaming a chunk every 50 ms for 20 s, and an
MCP server whose `sleep` tool takes 30 s (the test suite's stand-ins, on loopback threads). Each
sample starts a turn, waits until the stage is under way, then times:
- cancel → 200 at the client;
- cancel → the provider seeing its HTTP request closed, or the MCP server seeing the call cancelled.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bench.client import HarnessApi, new_http_client
from bench.stats import Summary
from testkit.fakes import mcp_server, openai_server
from testkit.fakes.openai_server import Recorder
from testkit.processes import ApiProcess
from testkit.servers import AppThread

KEY_ENV = "BENCH_MODEL_KEY"
SAMPLES, QUICK_SAMPLES = 30, 3
_POLL = 0.002
_STAGE_SECONDS = 20


@dataclass(frozen=True)
class StageResult:
    stage: str
    answered: Summary
    stopped: Summary
    """cancel → the provider/tool server saw the stage stop."""


async def _until(condition: Callable[[], object]) -> None:
    async with asyncio.timeout(_STAGE_SECONDS):
        while not condition():  # noqa: ASYNC110 - the state is set on another thread
            await asyncio.sleep(_POLL)


async def _sample_model(api: HarnessApi, recorder: Recorder) -> tuple[float, float]:
    session_id = await api.create_session("slow-model")
    before = len(recorder.slow)
    turn_id = await api.start_turn(session_id, "go")
    stream = api.subscribe(session_id, turn_id)
    await _until(lambda: len(recorder.slow) > before and recorder.slow[before].sent >= 3)
    started = time.monotonic()
    status = await api.cancel(session_id)
    answered = time.monotonic() - started
    if status != 200:
        raise RuntimeError(f"cancel answered {status}")
    await _until(lambda: recorder.slow[before].hung_up_at is not None)
    hung_up = recorder.slow[before].hung_up_at
    assert hung_up is not None
    await stream.wait_ended()
    return answered, hung_up - started


async def _sample_tool(api: HarnessApi) -> tuple[float, float]:
    session_id = await api.create_session("slow-tool")
    mcp_server.LOG.clear()
    turn_id = await api.start_turn(session_id, "nap")
    stream = api.subscribe(session_id, turn_id)
    await _until(lambda: mcp_server.LOG.of("sleep") == ["started"])
    started = time.monotonic()
    status = await api.cancel(session_id)
    answered = time.monotonic() - started
    if status != 200:
        raise RuntimeError(f"cancel answered {status}")
    await _until(lambda: mcp_server.LOG.when("sleep", "cancelled") is not None)
    cancelled = mcp_server.LOG.when("sleep", "cancelled")
    assert cancelled is not None
    await stream.wait_ended()
    return answered, cancelled - started


async def run(redis_url: str, samples: int) -> list[StageResult]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    await redis.flushdb()
    recorder = Recorder()
    with (
        AppThread(openai_server.create_app(recorder)) as model,
        AppThread(mcp_server.build().streamable_http_app()) as tools,
    ):
        env = {
            "HARNESS_REDIS_URL": redis_url,
            "HARNESS_EXECUTOR_ID": "agentb",
            "HARNESS_VALIDATE_RESPONSES": "false",  # as production serves (bench/processes.py)
            KEY_ENV: "bench-key",
            # The bench's model and MCP servers listen on loopback, which agents may not reach by default.
            "HARNESS_EGRESS_ALLOW_NETWORKS": '["127.0.0.0/8"]',
            "HARNESS_SECRETS": json.dumps(
                {"bench_key": {"env": KEY_ENV, "allowed_urls": [f"{model.root}/v1"]}}
            ),
        }
        serve = ApiProcess(env, with_executor=True, name="serve", detached=True).start(wait=False)
        try:
            await serve.wait_ready_async()
            async with new_http_client() as http:
                api = HarnessApi(http, serve.base_url)
                for body in (
                    {
                        "name": "slow-model",
                        "model": {
                            "name": "openai-compatible/slow",
                            "base_url": f"{model.root}/v1",
                            "api_key_secret": "bench_key",
                        },
                    },
                    {
                        "name": "slow-tool",
                        "model": {
                            "name": "scripted/script",
                            "params": {
                                "script": [{"tool_calls": [{"name": "sleep", "arguments": {"seconds": 30}}]}]
                            },
                        },
                        "mcp_servers": [{"name": "tools", "url": f"{tools.root}/mcp"}],
                    },
                ):
                    response = await http.post(f"{api.base}/registry/agents", json=body)
                    response.raise_for_status()
                model_runs = [await _sample_model(api, recorder) for _ in range(samples)]
                tool_runs = [await _sample_tool(api) for _ in range(samples)]
        finally:
            serve.stop()
            await redis.aclose()
    return [
        StageResult("slow model stream (openai-compatible)", *_summaries(model_runs)),
        StageResult("slow MCP tool call (streamable HTTP)", *_summaries(tool_runs)),
    ]


def _summaries(runs: list[tuple[float, float]]) -> tuple[Summary, Summary]:
    return Summary.of([a for a, _ in runs]), Summary.of([s for _, s in runs])


def table(results: list[StageResult]) -> list[str]:
    lines = [
        "| stage cancelled | n | cancel→200 p50 / p99 / max | cancel→stage stopped at its server, same |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.stage} | {r.answered.n} | {_ms(r.answered)} | {_ms(r.stopped)} |")
    return lines


def _ms(summary: Summary) -> str:
    return f"{summary.p50:.1f} / {summary.p99:.1f} / {summary.max:.1f} ms"
