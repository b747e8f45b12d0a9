"""The three URL forms a zone's Redis may be given in, and the start-up errors for every other one."""

from __future__ import annotations

import ssl

import pytest
from pydantic import ValidationError

from server.cli import invalid_settings_message
from server.config import Settings
from server.store.deployments import BadRedisUrl, Mode, parse


def test_standalone_urls_go_to_redis_py_unchanged() -> None:
    for url in ("redis://h:1/2", "rediss://u:p@h:1", "unix:///tmp/redis.sock"):
        deployment = parse(url)
        assert (deployment.mode, deployment.url) == (Mode.STANDALONE, url)
    assert parse("rediss://h").tls


def test_a_cluster_url_names_its_startup_nodes_and_credentials() -> None:
    deployment = parse("redis+cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2,[::1]:7002")
    assert deployment.mode is Mode.CLUSTER and not deployment.tls
    assert deployment.nodes == (("10.0.0.1", 7000), ("10.0.0.2", 6379), ("::1", 7002))
    assert (deployment.username, deployment.password) == ("app", "s@cret")


def test_a_sentinel_url_names_sentinels_service_db_and_the_sentinels_own_auth() -> None:
    deployment = parse(
        "rediss+sentinel://:datapw@s1:26380,s2/mymaster/3?sentinel_password=sentpw&ssl_cert_reqs=none"
    )
    assert deployment.mode is Mode.SENTINEL and deployment.tls
    assert deployment.nodes == (("s1", 26380), ("s2", 26379))
    assert (deployment.service, deployment.db) == ("mymaster", 3)
    assert (deployment.username, deployment.password) == (None, "datapw")
    assert (deployment.sentinel_username, deployment.sentinel_password) == (None, "sentpw")
    assert deployment.tls_options == {"ssl_cert_reqs": ssl.CERT_NONE}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+sentinel://s1:26379", "needs the service name"),
        ("redis+sentinel://s1/svc/x", "database must be a number"),
        ("redis+sentinel://s1/svc/1/2", "/<service>[/db]"),
        ("redis+cluster://h:1/3", "only database 0"),
        ("redis+cluster://h:1,:2", "is not host[:port]"),
        ("redis+cluster://h:99999", "out of range"),
        ("redis+cluster://h:1?ssl_cert_reqs=none", "unknown query parameter 'ssl_cert_reqs'"),
        ("rediss+cluster://h:1?ssl_cert_reqs=maybe", "none, optional or required"),
        ("redis+cluster://h:1?sentinel_password=x", "unknown query parameter 'sentinel_password'"),
        ("http://h:1", "unknown URL scheme 'http'"),
        ("localhost:6379", "unknown URL scheme"),
    ],
)
def test_a_bad_url_is_refused_saying_why(url: str, says: str) -> None:
    with pytest.raises(BadRedisUrl) as raised:
        parse(url)
    assert says in str(raised.value)


def test_a_bad_url_stops_start_up_naming_the_setting_but_not_its_password() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(redis_url="redis+sentinel://app:hunter2@s1:26379")
    message = invalid_settings_message(raised.value)
    assert "HARNESS_REDIS_URL" in message and "needs the service name" in message
    assert "hunter2" not in message

    with pytest.raises(ValidationError) as raised:
        Settings(zones={"eu": "redis+cluster://app:hunter2@h:1/4"})
    message = invalid_settings_message(raised.value)
    assert "HARNESS_ZONES" in message and "zone 'eu'" in message and "hunter2" not in message


def test_a_deployment_never_shows_its_passwords() -> None:
    deployment = parse("redis+sentinel://u:hunter2@s1/svc?sentinel_password=hunter3")
    assert "hunter" not in repr(deployment) and "hunter" not in str(deployment)
