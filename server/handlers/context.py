"""Where a handler finds its runtime, tenant and caller (put there by the lifespan, the tenancy
layer and the bearer check)."""

from __future__ import annotations

from typing import Any

from connexion import context
from connexion.exceptions import OAuthProblem
from connexion.lifecycle import ConnexionRequest
from connexion.security import BearerSecurityHandler

from server.auth import Caller, InvalidToken
from server.domain.context import CallContext
from server.errors import Forbidden, NotFound
from server.ids import zone_of
from server.runtime import Runtime
from server.tenancy import tenant_of


def runtime() -> Runtime:
    found: Runtime = context.scope["state"]["runtime"]
    return found


def call_context(session_id: str | None = None) -> CallContext:
    """The request's context, on the Redis of the session's zone (the home zone without a session)."""
    rt = runtime()
    caller: Caller = context.context["token_info"]["caller"]
    store = rt.store
    if session_id is not None:
        zone = zone_of(session_id)
        found = rt.zone(zone)
        if found is None:
            # A well-formed id of a zone not served here names no session this server could have.
            raise NotFound(
                f"session {session_id!r} names zone {zone!r}, which this server does not serve",
                code="unknown_zone",
                param="sessionId",
            )
        store = found
    return CallContext(store, rt.settings, tenant_of(context.scope), caller, rt.local_executor)


async def verify_bearer(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    state = request.scope["state"]
    try:
        caller = await state["runtime"].verifier.verify(token)
    except InvalidToken as exc:
        raise OAuthProblem(detail=f"invalid bearer token: {exc}") from None
    tenant = state.get("tenant")
    if caller.tenant is not None and caller.tenant != tenant:
        raise Forbidden(f"this token is for tenant {caller.tenant!r}, not {tenant!r}")
    return {"sub": caller.id, "caller": caller}


class Bearer(BearerSecurityHandler):  # type: ignore[misc]
    """Bearer checks call verify_bearer without naming it in the spec (no `x-bearerInfoFunc`)."""

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return verify_bearer
