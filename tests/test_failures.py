"""server/executor/failures.py: the fact behind an SDK's layered connection error, in plain words."""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl

import httpx2
import pytest

from server.egress import EgressRefused, EgressTransport, policy
from server.executor.failures import layers, plain_cause
from testkit.processes import free_port

LOOPBACK = policy([ipaddress.ip_network("127.0.0.0/8")])


def _as_the_mcp_sdk_raises(exc: BaseException) -> ExceptionGroup[Exception]:
    """Two task groups around what failed, as `mcp.Client` does."""
    try:
        raise ExceptionGroup("unhandled errors in a TaskGroup", [exc])
    except ExceptionGroup as inner:
        return ExceptionGroup("unhandled errors in a TaskGroup", [inner])


async def test_a_refused_connection_behind_task_groups_is_connection_refused() -> None:
    async with httpx2.AsyncClient(transport=EgressTransport(LOOPBACK)) as client:
        with pytest.raises(httpx2.ConnectError) as raised:
            await client.post(f"http://127.0.0.1:{free_port()}/mcp")
    # What the old message showed: the group's own text, and httpx's "All connection attempts failed".
    assert plain_cause(_as_the_mcp_sdk_raises(raised.value)) == "connection refused"


def test_a_name_that_does_not_resolve() -> None:
    with pytest.raises(socket.gaierror) as raised:
        socket.getaddrinfo("no-such-host.invalid", 80)
    assert plain_cause(raised.value) == "name not resolved"
    # The egress policy resolves names itself; its "cannot resolve" is a DNS failure, not a refusal.
    assert (
        plain_cause(_as_the_mcp_sdk_raises(EgressRefused("cannot resolve 'x.invalid'")))
        == "name not resolved"
    )


def test_the_egress_policy_refusal_is_said_and_wins_over_what_else_failed() -> None:
    refusal = EgressRefused("10.0.0.1 is a private address, which this deployment does not allow")
    group = ExceptionGroup("g", [ConnectionRefusedError(errno.ECONNREFUSED, "refused"), refusal])
    assert plain_cause(group) == (
        "refused by the egress policy: 10.0.0.1 is a private address, which this deployment does not allow"
    )


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (httpx2.ReadTimeout("timed out"), "timed out"),
        (httpx2.ConnectTimeout("timed out"), "timed out"),
        (TimeoutError(), "timed out"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "network unreachable"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "host unreachable"),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "connection reset by the server"),
        (
            httpx2.RemoteProtocolError("Server disconnected without sending a response."),
            "the server broke off the HTTP exchange (Server disconnected without sending a response.)",
        ),
    ],
)
def test_common_failures_in_plain_words(exc: BaseException, said: str) -> None:
    try:
        raise httpx2.ConnectError("All connection attempts failed") from exc
    except httpx2.ConnectError as wrapped:
        assert plain_cause(wrapped) == said


def test_tls_failures_say_tls_and_why() -> None:
    mismatch = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    mismatch.reason = "WRONG_VERSION_NUMBER"
    assert plain_cause(mismatch) == "TLS failure (wrong version number)"
    untrusted = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    untrusted.verify_message = "self-signed certificate"
    assert (
        plain_cause(untrusted)
        == "TLS failure (the server's certificate is not trusted: self-signed certificate)"
    )


def test_an_unrecognised_failure_is_its_type_and_a_short_printable_excerpt() -> None:
    said = plain_cause(_as_the_mcp_sdk_raises(ValueError("odd\r\nSet-Cookie: x " + "y" * 500)))
    assert said.startswith("ValueError: odd Set-Cookie: x yyy") and said.endswith("...")
    assert len(said) <= 200 and said.isprintable()
    assert "TaskGroup" not in said


def test_layers_visit_each_exception_once_even_in_a_cycle() -> None:
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__context__, second.__context__ = second, first
    assert list(layers(first)) == [first, second]
