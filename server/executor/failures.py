"""Why a call to an agent's model provider or MCP server failed, in plain words for the turn's error.

What the SDKs raise is layered: the MCP SDK wraps a refused connection in task-group exception
groups around httpx's ConnectError around httpcore's around the OSError that says what happened;
the openai SDK wraps httpx's in APIConnectionError. The turn's author needs the innermost fact
(connection refused, name not resolved, timed out, a TLS failure, an HTTP status, the egress
policy's refusal), so this walks every layer and names the first fact it recognises, most specific
first. Anything it does not recognise is reported as its type and a short, sanitised excerpt.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator

import httpx2

from server.egress import EgressRefused, excerpt

# The egress policy's own wording when a name does not resolve (server/egress.py): a DNS failure,
# not a refusal by the policy.
_UNRESOLVED = "cannot resolve "
_ERRNO_WORDS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by the server",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "timed out",
}


def layers(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything behind it: the members of exception groups, then causes and contexts
    (a context hidden by `raise ... from None` too: it still says what happened)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _tls(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"TLS failure (the server's certificate is not trusted: {exc.verify_message})"
    reason = exc.reason.lower().replace("_", " ") if exc.reason else str(exc)
    return f"TLS failure ({reason})"


def plain_cause(exc: BaseException) -> str:
    """The fact behind `exc`, as a short phrase: "connection refused", "timed out", ..."""
    found = list(layers(exc))
    for layer in found:  # the policy's refusal first: it is why nothing else was tried
        if isinstance(layer, EgressRefused) and not str(layer).startswith(_UNRESOLVED):
            return f"refused by the egress policy: {excerpt(layer)}"
    for layer in found:
        if isinstance(layer, socket.gaierror) or (
            isinstance(layer, EgressRefused) and str(layer).startswith(_UNRESOLVED)
        ):
            return "name not resolved"
        if isinstance(layer, ssl.SSLError):
            return excerpt(_tls(layer))
        if isinstance(layer, (TimeoutError, httpx2.TimeoutException)):
            return "timed out"
        if isinstance(layer, OSError) and layer.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[layer.errno]
        if isinstance(layer, httpx2.HTTPStatusError):
            return f"HTTP {layer.response.status_code} {layer.response.reason_phrase}".rstrip()
        if isinstance(layer, httpx2.RemoteProtocolError):
            return f"the server broke off the HTTP exchange ({excerpt(layer)})"
    # What failed, not the task groups around it.
    failed = next((e for e in found if not isinstance(e, BaseExceptionGroup)), exc)
    return excerpt(f"{type(failed).__name__}: {failed}")
