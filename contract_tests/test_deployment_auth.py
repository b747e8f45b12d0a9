"""ACL users in the cluster and sentinel URL forms: the data nodes admit only the URL's user (their
default user is off), and sentinels with a password of their own get it from `sentinel_password`
alone. The wrong credentials are a store that cannot be reached, never a crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests.deployments import ClusterDeployment, Launched, SentinelDeployment
from server.store import channels, keys
from server.store.redis import Store


@pytest.fixture(scope="module", params=["sentinel", "cluster"])
def guarded(request: pytest.FixtureRequest) -> Iterator[Launched]:
    deployment: Launched
    if request.param == "sentinel":
        deployment = SentinelDeployment("app", "data-pw", sentinel_password="sentinel-pw")
    else:
        deployment = ClusterDeployment("app", "data-pw")
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
        await _refused(guarded.url.split("?")[0])
