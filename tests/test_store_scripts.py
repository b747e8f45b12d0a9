"""server/store/lua.py and the store boundary: each script's KEYS/ARGV come from its declared fields,
its state names from store/turn_states.py, and nothing above the store talks Redis or spells a field."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from server.store import lua
from server.store.records import AgentField, SessionField, TurnField
from server.store.turn_states import LUA_CONSTANTS, Status

ROOT = Path(__file__).resolve().parents[1]
ABOVE_THE_STORE = sorted([*(ROOT / "server/domain").glob("*.py"), *(ROOT / "server/executor").rglob("*.py")])
SCRIPTS = {cls.__name__: cls for cls in lua.ALL}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_no_script_spells_a_state_name(name: str) -> None:
    """Every state a script compares or writes is one of LUA_CONSTANTS (RUNNING, ...). A literal right
    after a key is a hash field's name (the session's `running` lock), not a state."""
    source = re.sub(r"K\.\w+, '\w+'", "", SCRIPTS[name].SOURCE)
    literals = re.findall(r"'([^']*)'|\"([^\"]*)\"", source)
    spelled = {value for pair in literals for value in pair if value}
    assert not spelled & {s.value for s in Status}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_state_constant_a_script_uses_is_a_status(name: str) -> None:
    code = re.sub(r"'[^']*'|\"[^\"]*\"|--[^\n]*", "", SCRIPTS[name].SOURCE)  # strings and comments out
    used = set(re.findall(r"\b[A-Z]{4,}\b", code))
    assert used <= {s.name for s in Status}
    for status in Status:
        assert f"local {status.name} = '{status.value}'" in LUA_CONSTANTS


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_a_script_reads_only_the_keys_and_arguments_it_declares(name: str) -> None:
    cls = SCRIPTS[name]
    keys, args = cls._layout()
    source = cls.SOURCE
    assert set(re.findall(r"\bK\.(\w+)", source)) == set(keys), "every key declared is used, and no other"
    assert set(re.findall(r"\bA\.(\w+)", source)) == set(args), (
        "every argument declared is used, and no other"
    )
    assert re.search(r"\b(KEYS|ARGV)\b", source) is None, "no positional KEYS/ARGV in the body"


def test_a_call_lays_out_its_keys_and_arguments_in_declared_order() -> None:
    call = lua.FinishTurn(
        turn="t", events="e", session="s", status="done", state="{}", done_event="{}", turn_id="u",
        retention_seconds=9, now="n", lapsed_only="0", pending="", token="k",
    )  # fmt: skip
    assert call.keys() == ["t", "e", "s"]
    assert call.args() == ["done", "{}", "{}", "u", 9, "n", "0", "", "k", ""]
    lua_source = lua.FinishTurn.lua()
    assert "local K = {turn = KEYS[1], events = KEYS[2], session = KEYS[3]}" in lua_source
    assert "local A = {status = ARGV[1], state = ARGV[2]," in lua_source


# What talking to Redis looks like in Python: the client's own package, and its command methods.
# (Names shared with ordinary Python, such as `get` or `set`, are left to the attribute check.)
_REDIS_COMMANDS = {
    "hget", "hgetall", "hmget", "hset", "hdel", "hsetnx", "expire", "zadd", "zrem", "zscore", "zrange",
    "zrangebylex", "zrevrangebylex", "zcount", "xadd", "xrange", "xread", "xreadgroup", "xack", "xdel",
    "xgroup_create", "pipeline", "publish", "pubsub", "register_script", "evalsha", "blocking_read",
}  # fmt: skip
_FIELD_NAMES = {
    value
    for fields in (SessionField, TurnField, AgentField)
    for name, value in vars(fields).items()
    if not name.startswith("_")
}
# Words that are hash fields but also words of the wire contract, a metrics label ("executor") or a
# script's reply ("deleted").
_ALSO_WIRE = {
    "doc", "status", "state", "input", "manifest", "updated_at", "created_at", "created_by", "version",
    "trace", "executor", "deleted",
}  # fmt: skip


def _module(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize("path", ABOVE_THE_STORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_above_the_store_imports_the_redis_client(path: Path) -> None:
    for node in ast.walk(_module(path)):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "redis" for a in node.names), ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "redis", ast.unparse(node)


@pytest.mark.parametrize("path", ABOVE_THE_STORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_above_the_store_sends_a_redis_command(path: Path) -> None:
    for node in ast.walk(_module(path)):
        if isinstance(node, ast.Attribute) and node.attr in {"redis", "blocking", "scripts"}:
            raise AssertionError(f"{path.name}: {ast.unparse(node)} reaches past the store's functions")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in _REDIS_COMMANDS or _is_store_call(node.func), ast.unparse(node)


def _is_store_call(func: ast.Attribute) -> bool:
    """`session_store.delete(...)` and the like: a store module's function of the same name."""
    return isinstance(func.value, ast.Name) and func.value.id.endswith(("_store", "executors"))


@pytest.mark.parametrize("path", ABOVE_THE_STORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_above_the_store_spells_a_hash_field(path: Path) -> None:
    """A field's name lives in store/records.py; its only other spelling is a Lua script's."""
    strings: list[Any] = [
        node.value
        for node in ast.walk(_module(path))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not set(strings) & (_FIELD_NAMES - _ALSO_WIRE), path.name


def test_the_field_check_knows_the_fields_that_matter() -> None:
    # The lock, the chain, the cancel and the approvals: the fields a domain module once spelled.
    checked = _FIELD_NAMES - _ALSO_WIRE
    assert {"running", "last_turn", "cancel", "pending", "seq", "owner", "finished_by"} <= checked
