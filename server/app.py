"""Build the ASGI application: the spec in spec/, routed by connexion to the handlers, behind the
tenancy layer, with every error mapped to the spec's envelope; `/metrics` beside it, and the request
context (request id, log fields) around everything."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import connexion
from connexion.exceptions import ResolverError
from connexion.middleware import MiddlewarePosition
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import ASGIApp, Receive, Scope, Send

from server import agent_files, connexion_cache, error_handlers, json_codec, metrics
from server.body_limit import BodyLimit
from server.config import Settings, get_settings
from server.docs_page import WithDocs
from server.handlers import agents, health, sessions, turns
from server.handlers.context import Bearer
from server.http_telemetry import HttpTelemetry
from server.openapi31 import VALIDATOR_MAP, accept_openapi_31, load_spec
from server.request_context import RequestContext
from server.runtime import running
from server.shutdown import ShutdownSignal
from server.stream_host import StreamHost
from server.tenancy import TenantPrefix

HANDLER_MODULES = (sessions, turns, agents, health)


def _snake(operation_id: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id)


def resolve(operation_id: str) -> Callable[..., Any]:
    """operationId `createSession` → the `create_session` function of a handler module."""
    name = _snake(operation_id)
    for module in HANDLER_MODULES:
        if hasattr(module, name):
            handler: Callable[..., Any] = getattr(module, name)
            return handler
    raise ResolverError(f"no handler for operationId {operation_id!r}")


class WithMetrics:
    """`GET /metrics` (Prometheus exposition), outside the tenant prefix and the spec, like /docs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics = metrics.asgi_app()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/metrics":
            await self.metrics(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def may_stream(scope: Scope) -> bool:
    """Create turn and subscribe: the operations that answer with an SSE stream."""
    path: str = scope["path"]
    return scope["method"] == "POST" and path.endswith(("/turns", "/subscribe"))


def create_app(
    settings: Settings | None = None,
    *,
    with_executor: bool = True,
    agent_paths: list[Path] | None = None,
    agents_tenant: str = "truefoundry",
    shutdown: ShutdownSignal | None = None,
) -> ASGIApp:
    """`shutdown` delivers the server's SIGTERM to the app (see server/shutdown.py)."""
    settings = settings or get_settings()
    accept_openapi_31()
    connexion_cache.build_handlers_once()
    manifests = agent_files.read_manifests(agent_paths or [])

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[dict[str, Any]]:
        async with running(settings, with_executor=with_executor) as runtime:
            await agent_files.apply(runtime, agents_tenant, manifests)
            if shutdown is not None:
                shutdown.bind(runtime.begin_shutdown)
            try:
                yield {"runtime": runtime}
            finally:
                if shutdown is not None:
                    shutdown.unbind()

    app = connexion.AsyncApp(
        __name__,
        lifespan=lifespan,
        pythonic_params=True,
        strict_validation=True,
        # Every response checked against the spec in development and the tests; off in production,
        # where it re-parsed each body to find bugs the tests exist to find (BENCHMARKS.md, Profiling).
        validate_responses=settings.responses_validated,
        jsonifier=json_codec.jsonifier(),
        validator_map=VALIDATOR_MAP,
        security_map={"bearer": Bearer},
        resolver=Resolver(function_resolver=resolve),
        # /docs and /openapi.json are served by server/docs_page.py (Swagger UI 5, for OpenAPI 3.1).
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
    )
    # Routes are `/v1/...`: the tenant segment of the spec's server URL is handled by TenantPrefix.
    spec = load_spec()
    app.add_api(spec, base_path="")
    app.add_middleware(
        BodyLimit, position=MiddlewarePosition.BEFORE_ROUTING, max_bytes=settings.max_body_bytes
    )
    for exception, handler in error_handlers.handlers(spec):
        app.add_error_handler(exception, handler)
    # Errors raised outside connexion's exception layer still leave as the envelope, not a bare 500.
    stack = app.middleware.middlewares
    stack[stack.index(ServerErrorMiddleware)] = functools.partial(
        ServerErrorMiddleware, handler=error_handlers.unhandled
    )
    docs = WithDocs(TenantPrefix(app), spec, default_tenant=agents_tenant)
    # Spans, request metrics and log fields cover a stream's body, which runs outside connexion.
    return HttpTelemetry(RequestContext(StreamHost(WithMetrics(docs), may_stream)), spec)
