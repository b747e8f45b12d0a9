"""The `agent-harness` console script."""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import logging
import re
import signal
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
import uvloop
from pydantic import ValidationError
from pydantic_settings import SettingsError

from harness_cli import commands as client_commands
from server import heap, logs, metrics
from server.banner import Banner
from server.config import get_settings
from server.settings_reference import env_name
from server.shutdown import ServerWithShutdown, ShutdownSignal

if TYPE_CHECKING:
    from server.executor.worker import Worker

log = logging.getLogger("server.cli")  # not `__main__` under `python -m server.cli`


class _ApiServer(ServerWithShutdown):
    def __init__(
        self, config: uvicorn.Config, shutdown: ShutdownSignal, tenant: str, *, announce: bool = True
    ) -> None:
        super().__init__(config, shutdown)
        self.tenant = tenant
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        heap.freeze_startup_heap()  # once the app's lifespan startup has built all it keeps
        if self.started and self.announce:
            self._banner().announce()

    def _banner(self) -> Banner:
        # The lifespan's state holds the runtime, whose verifier knows whether any key is configured.
        runtime = getattr(self.lifespan, "state", {}).get("runtime")
        development_mode = runtime.verifier.development_mode if runtime is not None else None
        bound = [sock.getsockname() for server in self.servers for sock in server.sockets]
        port = bound[0][1] if bound else self.config.port  # the real one, should --port be 0
        return Banner.for_bind(self.config.host, port, self.tenant, development_mode)


def _serve(args: argparse.Namespace) -> int:
    from server import workers

    settings = get_settings()
    count = workers.worker_count(args.workers, settings)
    if count == 1:
        serve_one(args)
        return 0
    return workers.supervise(args, settings, count)


def serve_one(
    args: argparse.Namespace, *, sockets: list[socket.socket] | None = None, announce: bool = True
) -> None:
    """One API process: the whole server, or one of `--workers` on the sockets its parent bound."""
    # Imported after logs.configure: connexion's import emits a warning that belongs in the log stream.
    from server import tracing
    from server.app import create_app

    settings = get_settings()
    tracing.configure(settings, _version())
    shutdown = ShutdownSignal()
    app = create_app(
        settings,
        with_executor=not args.no_executor,
        agent_paths=args.agents,
        agents_tenant=args.agents_tenant,
        shutdown=shutdown,
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        # Named, not "auto": without them uvicorn would quietly fall back to asyncio's own loop and
        # h11, at about twice the CPU per request (both are dependencies).
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        log_config=None,  # logs.configure already routed uvicorn's loggers
        access_log=False,  # server.access logs each request, with its request id
        # Open streams end at the signal, so this bounds only ordinary requests (a cancel waits up to
        # cancel_timeout_seconds); the in-process executor's drain runs within the same period.
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_seconds)),
    )
    _ApiServer(config, shutdown, args.agents_tenant, announce=announce).run(sockets)


async def _run_executor(args: argparse.Namespace) -> None:
    from server import tracing
    from server.runtime import running  # here, so client commands start without the executor's imports

    settings = get_settings()
    if settings.redis_url is None:
        raise SystemExit("agent-harness executor needs HARNESS_REDIS_URL: the Redis its API replicas use")
    tracing.configure(settings, _version())
    workers: list[Worker] = []  # filled once they run: /healthz says "starting" until then
    metrics_server = None
    if args.metrics_port is not None:
        metrics_server = metrics.serve_executor_http(
            args.metrics_port, args.metrics_host, lambda: executor_health(workers)
        )
        log.info("metrics and /healthz on http://%s:%d", args.metrics_host, args.metrics_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        async with running(settings, with_executor=True) as runtime:
            workers.extend(runtime.workers)
            heap.freeze_startup_heap()

            def on_signal() -> None:
                # The first signal drains (see Worker.stop); a second ends the grace period at once.
                if stop.is_set():
                    runtime.begin_shutdown()
                stop.set()

            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, on_signal)
            await stop.wait()
            runtime.begin_shutdown()
            log.info("executor shutting down: grace period %gs", settings.shutdown_grace_seconds)
    finally:
        if metrics_server is not None:
            metrics_server.shutdown()


def executor_health(workers: list[Worker]) -> tuple[bool, dict[str, object]]:
    """The executor process's `/healthz`: healthy when every zone's worker is (Worker.health)."""
    reports = [worker.health() for worker in workers]
    healthy = bool(reports) and all(report["healthy"] for report in reports)
    status = "ok" if healthy else "starting" if not reports else "unhealthy"
    return healthy, {"status": status, "workers": reports}


def _executor(args: argparse.Namespace) -> None:
    # uvloop, as `serve` runs under: on asyncio's own loop the executor's socket writes and selector
    # are Python, a sixth of its CPU per turn (BENCHMARKS.md, Profiling).
    uvloop.run(_run_executor(args))


def _logging_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--log-level", default="info")
    command.add_argument(
        "--log-format",
        choices=("auto", "json", "text"),
        default=None,
        help="json: one object per line (timestamp, level, logger, message, request/turn context); "
        "text: short lines for reading in a terminal; auto: text when stderr is a terminal, else json "
        "(default: HARNESS_LOG_FORMAT, else auto)",
    )


def _settings_or_exit() -> None:
    """Read the settings now, so a bad value stops the process with one line naming the variable."""
    try:
        get_settings()
    except ValidationError as error:
        raise SystemExit(f"agent-harness: {invalid_settings_message(error)}") from None
    except SettingsError as error:  # a list or mapping that is not JSON, caught before validation
        field = re.search(r'field "(\w+)"', str(error))
        name = env_name(field.group(1)) if field else "a HARNESS_* variable"
        raise SystemExit(
            f"agent-harness: invalid settings: {name}: not valid JSON ({error.__cause__})"
        ) from None


_URL_FIELDS = {"redis_url", "zones"}


def invalid_settings_message(error: ValidationError) -> str:
    problems = []
    for detail in error.errors():
        field = str(detail["loc"][0]) if detail["loc"] else ""
        # Secrets are named, never echoed (a Redis URL may hold a password).
        value = (
            "" if "secret" in field or field in _URL_FIELDS else f" (got {str(detail.get('input'))[:80]!r})"
        )
        problems.append(f"{env_name(field)}: {detail['msg']}{value}")
    return "invalid settings: " + "; ".join(problems)


def _version() -> str:
    try:
        return importlib.metadata.version("agent-harness")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and flag (tests/test_deploy_kit.py checks the deploy kit's command lines here)."""
    parser = argparse.ArgumentParser(prog="agent-harness", description="Self-hosted Agent Harness server")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API (with an in-process executor by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--agents",
        type=Path,
        action="append",
        default=[],
        help="agent manifest file or directory of *.yaml to register at startup (repeatable)",
    )
    serve.add_argument(
        "--agents-tenant", default="truefoundry", help="tenant the --agents manifests belong to"
    )
    serve.add_argument("--no-executor", action="store_true", help="run no executor in this process")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="API worker processes on the one port, each with its own executor unless --no-executor "
        "(default: HARNESS_WORKERS, else one per CPU in production, 1 in development)",
    )
    _logging_options(serve)
    serve.set_defaults(func=_serve)
    executor = commands.add_parser(
        "executor", help="run an executor only: it takes turns from Redis (HARNESS_REDIS_URL) and runs them"
    )
    executor.add_argument(
        "--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port (default: none)"
    )
    executor.add_argument("--metrics-host", default="127.0.0.1", help="address of the metrics endpoint")
    _logging_options(executor)
    executor.set_defaults(func=_executor)
    client_commands.register(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "executor"):
        _settings_or_exit()
    # serve and executor choose (flag, else HARNESS_LOG_FORMAT); the client commands log warnings as text.
    log_format = (args.log_format or get_settings().log_format) if hasattr(args, "log_format") else "text"
    logs.configure(log_format, getattr(args, "log_level", "warning"))
    status = args.func(args)
    if status:
        raise SystemExit(status)


if __name__ == "__main__":
    main()
