"""TLS and ACL users in the cluster and sentinel URL forms (`rediss+cluster://`, `rediss+sentinel://`):
every node speaks TLS only, with a certificate of the test's own CA (`ssl_ca_certs`); the data nodes
admit only the URL's user (their default user is off), and sentinels with a password of their own get
it from `sentinel_password` alone. Wrong credentials, or a CA the client does not trust, are a store
that cannot be reached, never a crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.store import channels, keys
from server.store.redis import Store
from testkit.deployments import FULL_MATRIX, ClusterDeployment, Launched, SentinelDeployment

# A TLS cluster takes seconds more to form: every run has TLS behind sentinels and ACL on a cluster,
# `make test-cluster` a cluster with both.
KINDS = ["sentinel-tls", "cluster", *(["cluster-tls"] if FULL_MATRIX else [])]


@pytest.fixture(scope="module", params=KINDS)
def guarded(request: pytest.FixtureRequest) -> Iterator[Launched]:
    deployment: Launched
    tls = request.param.endswith("-tls")
    if request.param.startswith("sentinel"):
        deployment = SentinelDeployment("app", "data-pw", sentinel_password="sentinel-pw", tls=tls)
    else:
        deployment = ClusterDeployment("app", "data-pw", tls=tls)
    with deployment:
        yield deployment


async def _works(url: str) -> None:
    store = await Store.open(url, "g", 2.0)
    try:
        assert await store.ping()
        for n in range(8):  # keys of several slots: every node of a cluster logs the user in
            await store.redis.set(f"k{n}", n)
        assert await store.redis.get("k7") == "7"
        channel = keys.executor_cancel_channel("authx")
        async with channels.listen(store.zone, channel):
            assert await channels.publish(store.zone, channel, "u1 client-cancelled") == 1
    finally:
        await store.close()


async def _refused(url: str) -> None:
    store = await Store.open(url, "g", 1.0)
    try:
        assert not await store.ping()
    finally:
        await store.close()


async def test_the_urls_acl_user_reaches_every_node(guarded: Launched) -> None:
    await _works(guarded.url)


async def test_a_wrong_password_is_a_store_that_cannot_be_reached(guarded: Launched) -> None:
    await _refused(guarded.url.replace(":data-pw@", ":wrong@"))
    if isinstance(guarded, SentinelDeployment):
        # The data nodes' password is not the sentinels': without sentinel_password they refuse.
        await _refused(guarded.url.replace("sentinel_password=sentinel-pw&", ""))


async def test_a_node_whose_certificate_the_client_cannot_verify_is_refused(guarded: Launched) -> None:
    if "ssl_ca_certs=" not in guarded.url:
        pytest.skip("a deployment without TLS")
    without_ca = guarded.url.split("ssl_ca_certs=")[0].rstrip("?&")
    await _refused(without_ca)
    await _works(guarded.url)
