"""server/egress.py: which addresses agents' outbound requests may reach, and what of an upstream's
answer reaches a turn's error."""

from __future__ import annotations

import ipaddress

import httpx2
import pytest

from server.egress import EgressPolicy, EgressRefused, EgressTransport, excerpt, policy, refusal_in
from server.secrets import UrlPrefix

DEFAULT = EgressPolicy()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str, kind: str) -> None:
    assert DEFAULT.refusal(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert DEFAULT.refusal(ipaddress.ip_address(address)) is None


def test_an_allowed_network_lifts_the_refusal_for_its_addresses_only() -> None:
    allowing = policy([ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")])
    assert allowing.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert allowing.refusal(ipaddress.ip_address("::1")) is None
    assert allowing.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert allowing.refusal(ipaddress.ip_address("10.0.0.1")) == "private"


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost/v1", True),
        ("http://LOCALHOST./v1", True),
        ("http://app.localhost/v1", True),
        ("http://[::1]/v1", True),
        ("http://169.254.169.254/latest", True),
        ("https://user@api.example.com/v1", True),
        ("https://api.example.com/v1", False),  # a name: judged when it is resolved
        ("http://127.1/v1", False),  # not a literal to a URL parser; the resolver refuses it
    ],
)
def test_registration_judges_what_the_url_itself_says(url: str, refused: bool) -> None:
    assert (DEFAULT.url_refusal(url) is not None) == refused


async def test_every_resolved_address_is_checked() -> None:
    with pytest.raises(EgressRefused, match=r"127\.1 resolves to a loopback address"):
        await DEFAULT.addresses("127.1", 80)
    with pytest.raises(EgressRefused, match="localhost resolves to a loopback address"):
        await DEFAULT.addresses("localhost", 80)
    with pytest.raises(EgressRefused, match="cannot resolve"):
        await DEFAULT.addresses("no-such-host.invalid", 80)
    allowing = policy([ipaddress.ip_network("127.0.0.0/8")])
    assert await allowing.addresses("127.1", 80) == ["127.0.0.1"]


async def test_the_transport_refuses_a_credentialed_request_outside_the_secrets_urls() -> None:
    transport = EgressTransport(DEFAULT, credential_urls=(UrlPrefix.parse("https://api.example.com/v1"),))
    async with httpx2.AsyncClient(transport=transport) as client:
        with pytest.raises(EgressRefused, match="not usable for this URL"):
            await client.get("https://api.example.com.evil/v1/chat")


async def test_the_transport_refuses_before_connecting_and_the_refusal_is_found_behind_wrappers() -> None:
    async with httpx2.AsyncClient(transport=EgressTransport(DEFAULT)) as client:
        with pytest.raises(EgressRefused) as raised:
            await client.get("http://127.0.0.1:9/")
    try:
        raise RuntimeError("an SDK's error") from raised.value
    except RuntimeError as wrapped:
        group = ExceptionGroup("task group", [wrapped])
        assert refusal_in(group) is raised.value


def test_an_excerpt_is_short_printable_and_on_one_line() -> None:
    text = "first\r\nSet-Cookie: x\x00\x1b[31m" + "y" * 500
    short = excerpt(text)
    assert len(short) <= 200 and short.isprintable() and "\n" not in short
    assert short.startswith("first Set-Cookie: x") and short.endswith("...")
    assert excerpt("fine") == "fine"
