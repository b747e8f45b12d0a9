"""The `agent-harness` console script."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

import uvicorn

from harness_cli import commands as client_commands
from server.config import get_settings


def _serve(args: argparse.Namespace) -> None:
    from server.app import create_app  # here, so client commands start without the server's imports

    settings = get_settings()
    app = create_app(
        settings,
        with_executor=not args.no_executor,
        agent_paths=args.agents,
        agents_tenant=args.agents_tenant,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=5)


async def _run_executor() -> None:
    from server.runtime import running

    settings = get_settings()
    if settings.redis_url is None:
        raise SystemExit("agent-harness executor needs HARNESS_REDIS_URL: the Redis its API replicas use")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(settings, with_executor=True):
        await stop.wait()


def _executor(args: argparse.Namespace) -> None:
    asyncio.run(_run_executor())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="agent-harness", description="Self-hosted Agent Harness server")
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
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=_serve)
    executor = commands.add_parser(
        "executor", help="run an executor only: it takes turns from Redis (HARNESS_REDIS_URL) and runs them"
    )
    executor.add_argument("--log-level", default="info")
    executor.set_defaults(func=_executor)
    client_commands.register(commands)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(args, "log_level", "warning").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    status = args.func(args)
    if status:
        raise SystemExit(status)


if __name__ == "__main__":
    main()
