"""server/store/keys.py: tenant data lives under tenant-scoped keys; no two tenants ever share one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.store import keys
from server.tenancy import TENANT

SESSION_ID = "01arz3ndektsv4rrffq69g5fav.g"
TURN_ID = "01arz3ndektsv4rrffq69g5fav.g.ab12cd"

# Every tenant-scoped key, as a function of the tenant, for fixed ids.
TENANT_KEYS: dict[str, Callable[[str], str]] = {
    "agent": lambda t: keys.agent(t, "support-bot"),
    "agents": lambda t: keys.agents(t),
    "session": lambda t: keys.session(t, SESSION_ID),
    "agent_sessions": lambda t: keys.agent_sessions(t, "support-bot"),
    "agent_sessions_of": lambda t: keys.agent_sessions_of(t, "support-bot", "user-1"),
    "turn": lambda t: keys.turn(t, TURN_ID),
    "turn_events": lambda t: keys.turn_events(t, TURN_ID),
}

tenants = st.from_regex(TENANT, fullmatch=True)


@pytest.mark.parametrize("kind", sorted(TENANT_KEYS))
def test_same_id_in_two_tenants_gets_two_keys(kind: str) -> None:
    key_of = TENANT_KEYS[kind]
    assert key_of("acme") != key_of("globex")


@given(a=tenants, b=tenants)
@settings(max_examples=200, deadline=None)
def test_no_key_of_one_tenant_is_a_key_of_another(a: str, b: str) -> None:
    keys_a = {key_of(a) for key_of in TENANT_KEYS.values()}
    keys_b = {key_of(b) for key_of in TENANT_KEYS.values()}
    assert (keys_a == keys_b) is (a == b)
    if a != b:
        assert not keys_a & keys_b


@given(tenant=tenants)
@settings(max_examples=100, deadline=None)
def test_the_tenant_of_a_key_can_be_read_back(tenant: str) -> None:
    for key_of in TENANT_KEYS.values():
        prefix, owner, _ = key_of(tenant).split(":", 2)
        assert (prefix, owner) == (keys.PREFIX, tenant)


def test_different_kinds_of_data_never_share_a_key() -> None:
    all_keys = [key_of("acme") for key_of in TENANT_KEYS.values()]
    assert len(set(all_keys)) == len(all_keys)


def test_different_ids_get_different_keys() -> None:
    other_turn = "01arz3ndektsv4rrffq69g5fav.g.zz99"
    assert keys.turn("acme", TURN_ID) != keys.turn("acme", other_turn)
    assert keys.turn_events("acme", TURN_ID) != keys.turn_events("acme", other_turn)
    assert keys.agent_sessions_of("acme", "bot", "u1") != keys.agent_sessions_of("acme", "bot", "u2")
    assert keys.agent_sessions_of("acme", "bot", "u1") != keys.agent_sessions("acme", "bot")


def test_executor_keys_are_shared_by_all_tenants_and_per_executor() -> None:
    assert keys.executor_inbox("ab12cd") != keys.executor_inbox("zz99")
    assert keys.executor_cancel_channel("ab12cd") != keys.executor_inbox("ab12cd")
    assert keys.executors().startswith(f"{keys.PREFIX}:")


@pytest.mark.parametrize("sequence_number", [1, 2, 10, 999_999_999_999_999_999])
def test_event_stream_ids_round_trip_to_the_sequence_number(sequence_number: int) -> None:
    stream_id = keys.event_stream_id(sequence_number)
    assert stream_id == f"0-{sequence_number}"
    assert keys.sequence_of(stream_id) == sequence_number


# Every key (and channel) shared by all tenants, as a function of an executor id.
GLOBAL_KEYS: dict[str, Callable[[str], str]] = {
    "executors": lambda e: keys.executors(),
    "leases": lambda e: keys.leases(),
    "executor_inbox": keys.executor_inbox,
    "executor_cancel_channel": keys.executor_cancel_channel,
    "executor_draining": keys.executor_draining,
}

executor_ids = st.from_regex(r"^[a-z0-9]{1,32}$", fullmatch=True)
any_id = st.text(min_size=1, max_size=40)


@given(tenant=tenants, executor=executor_ids, name=any_id, owner=any_id, other=any_id)
@settings(max_examples=300, deadline=None)
def test_no_tenant_key_equals_or_prefixes_a_global_key(
    tenant: str, executor: str, name: str, owner: str, other: str
) -> None:
    """Whatever the ids inside them, so a SCAN or a prefix of one kind never reaches the other."""
    tenant_keys = [
        keys.agent(tenant, name),
        keys.agents(tenant),
        keys.session(tenant, other),
        keys.agent_sessions(tenant, name),
        keys.agent_sessions_of(tenant, name, owner),
        keys.turn_prefix(tenant),
        keys.turn(tenant, other),
        keys.turn_events(tenant, other),
    ]
    for global_key in (key_of(executor) for key_of in GLOBAL_KEYS.values()):
        for tenant_key in tenant_keys:
            assert not global_key.startswith(tenant_key), (global_key, tenant_key)
            assert not tenant_key.startswith(global_key), (tenant_key, global_key)


@pytest.mark.parametrize("tenant", ["executor", "executors", "leases", "_", "ah"])
def test_tenants_named_like_global_keys_do_not_meet_them(tenant: str) -> None:
    # `_` is no tenant (the name must start with a letter or digit); the others once collided.
    global_keys = {key_of("ab12cd") for key_of in GLOBAL_KEYS.values()}
    for key_of in TENANT_KEYS.values():
        key = key_of(tenant)
        assert key not in global_keys
        assert not any(key.startswith(g) or g.startswith(key) for g in global_keys)
    assert (TENANT.fullmatch(tenant) is None) is (tenant == "_")


def test_global_keys_live_in_a_namespace_no_tenant_can_name() -> None:
    namespace = keys.GLOBAL.removeprefix(f"{keys.PREFIX}:")
    assert TENANT.fullmatch(namespace) is None
    for key_of in GLOBAL_KEYS.values():
        assert key_of("ab12cd").startswith(f"{keys.GLOBAL}:")


def test_the_cancel_channel_parts_rebuild_every_channel() -> None:
    prefix, suffix = keys.EXECUTOR_CANCEL_CHANNEL
    assert f"{prefix}ab12cd{suffix}" == keys.executor_cancel_channel("ab12cd")
