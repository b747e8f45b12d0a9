"""server/executor/providers: the scripted providers, provider choice, and the model names the spec allows."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from server.config import Settings
from server.executor.providers import SCRIPTED, Providers
from server.executor.providers.base import ModelChunk, ModelRequest, ProviderConfigError, Usage
from server.executor.providers.openai_compatible import OpenAICompatible
from server.executor.providers.scripted import ScriptedEcho, ScriptedScript
from tests._support import component_validator

TEXT = "the quick brown fox jumps over the lazy dog"


def _request(text: str = TEXT, **params: Any) -> ModelRequest:
    return ModelRequest(params=params, instructions=None, messages=[{"role": "user", "content": text}])


async def _collect(request: ModelRequest) -> tuple[list[ModelChunk], ModelChunk]:
    chunks = [chunk async for chunk in ScriptedEcho().stream(request)]
    return chunks[:-1], chunks[-1]


@pytest.mark.parametrize("n", [1, 2, 3, 7, len(TEXT), len(TEXT) + 5])
async def test_chunks_param_splits_the_text_into_that_many_pieces_that_rebuild_it(n: int) -> None:
    content, _ = await _collect(_request(chunks=n))
    assert len(content) == n
    assert "".join(c.content for c in content) == TEXT
    sizes = [len(c.content) for c in content]
    assert max(sizes) - min(sizes) <= 1


async def test_one_chunk_by_default() -> None:
    content, _ = await _collect(_request())
    assert [c.content for c in content] == [TEXT]


@pytest.mark.parametrize("n", [0, -3])
async def test_chunks_below_one_stream_a_single_chunk(n: int) -> None:
    content, _ = await _collect(_request(chunks=n))
    assert [c.content for c in content] == [TEXT]


async def test_stream_ends_with_stop_and_usage() -> None:
    content, last = await _collect(_request(chunks=3))
    assert (last.content, last.finish_reason) == ("", "stop")
    assert last.usage == Usage(input_tokens=9, output_tokens=9)
    assert all(c.finish_reason is None for c in content)


async def test_echoes_the_last_user_message() -> None:
    request = ModelRequest(
        params={},
        instructions="be brief",
        messages=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "second"},
            {"role": "assistant", "content": "not me"},
        ],
    )
    content, _ = await _collect(request)
    assert "".join(c.content for c in content) == "second"


async def test_no_user_message_echoes_nothing() -> None:
    request = ModelRequest(params={}, instructions=None, messages=[])
    content, last = await _collect(request)
    assert "".join(c.content for c in content) == ""
    assert last.finish_reason == "stop"


async def test_delay_ms_waits_before_each_chunk() -> None:
    started = time.monotonic()
    content, _ = await _collect(_request(chunks=3, delay_ms=40))
    assert len(content) == 3
    assert time.monotonic() - started >= 0.11


async def test_stream_can_be_cancelled_while_it_waits() -> None:
    async def consume() -> None:
        async for _ in ScriptedEcho().stream(_request(chunks=2, delay_ms=60_000)):
            pass

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(consume(), timeout=0.05)
    assert time.monotonic() - started < 5


SECRET_ENV = "TEST_PROVIDER_KEY"
SETTINGS = Settings(secrets={"llm": {"env": SECRET_ENV, "allowed_urls": ["https://llm.example.com/v1"]}})


def _providers() -> Providers:
    return Providers(SETTINGS)


def test_providers_finds_the_scripted_models() -> None:
    assert isinstance(_providers().for_model({"name": "scripted/echo"}), ScriptedEcho)
    assert isinstance(_providers().for_model({"name": "scripted/script"}), ScriptedScript)


def test_providers_builds_an_openai_compatible_client_for_the_named_model() -> None:
    provider = _providers().for_model(
        {"name": "openai-compatible/openai-main/gpt-4o", "base_url": "http://h/v1"}
    )
    assert isinstance(provider, OpenAICompatible)
    assert (provider.model, provider.base_url) == ("openai-main/gpt-4o", "http://h/v1")


def test_the_api_key_is_the_value_of_the_declared_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "sk-test")
    provider = _providers().for_model(
        {"name": "openai-compatible/m", "base_url": "https://llm.example.com/v1", "api_key_secret": "llm"}
    )
    assert isinstance(provider, OpenAICompatible)
    assert provider.api_key == "sk-test"


@pytest.mark.parametrize(
    ("secret", "base_url"),
    [("llm", "https://elsewhere.example.com/v1"), ("undeclared", "https://llm.example.com/v1")],
)
def test_a_secret_not_usable_for_the_url_is_a_configuration_error_saying_only_that(
    monkeypatch: pytest.MonkeyPatch, secret: str, base_url: str
) -> None:
    monkeypatch.setenv(SECRET_ENV, "sk-test")
    model = {"name": "openai-compatible/m", "base_url": base_url, "api_key_secret": secret}
    with pytest.raises(ProviderConfigError) as raised:
        _providers().for_model(model)
    assert str(raised.value) == f"model.api_key_secret: secret {secret!r} is not usable for {base_url}"


def test_a_declared_secret_without_a_value_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    model = {"name": "openai-compatible/m", "base_url": "https://llm.example.com/v1", "api_key_secret": "llm"}
    with pytest.raises(ProviderConfigError, match="has no value"):
        _providers().for_model(model)


def test_the_retired_api_key_env_field_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # A manifest snapshot stored before secrets were declared: the variable it names is never read.
    monkeypatch.setenv("OLD_STYLE_KEY", "sk-old")
    provider = _providers().for_model({"name": "openai-compatible/m", "api_key_env": "OLD_STYLE_KEY"})
    assert isinstance(provider, OpenAICompatible) and provider.api_key == "no-key"


@pytest.mark.parametrize("model", ["openai/gpt-4o", "scripted/other", "", "scripted", "openai-compatible/"])
def test_providers_refuses_unknown_models(model: str) -> None:
    with pytest.raises(LookupError):
        _providers().for_model({"name": model})


def _script_request(script: list[dict[str, Any]], messages: list[dict[str, Any]]) -> ModelRequest:
    return ModelRequest(params={"script": script}, instructions=None, messages=messages)


SCRIPT = [
    {"content": "calling", "tool_calls": [{"name": "add", "arguments": {"a": 1}}]},
    {"content": "result was {last}"},
]


async def test_a_script_plays_the_step_of_the_model_call_it_is_on() -> None:
    first = [
        c async for c in ScriptedScript().stream(_script_request(SCRIPT, [{"role": "user", "content": "go"}]))
    ]
    assert "".join(c.content for c in first) == "calling"
    calls = [call for c in first for call in c.tool_calls]
    assert [(c.index, c.name, c.arguments) for c in calls] == [(0, "add", '{"a": 1}')]
    assert calls[0].id and calls[0].id.startswith("call_")
    assert first[-1].finish_reason == "tool_calls"
    history = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "calling", "tool_calls": []},
        {"role": "tool", "tool_call_id": "x", "content": "2"},
    ]
    second = [c async for c in ScriptedScript().stream(_script_request(SCRIPT, history))]
    assert "".join(c.content for c in second) == "result was 2"
    assert second[-1].finish_reason == "stop"
    assert not [call for c in second for call in c.tool_calls]


async def test_past_the_end_a_script_repeats_its_last_step() -> None:
    history = [{"role": "assistant", "content": "x"}] * 5 + [{"role": "user", "content": "again"}]
    chunks = [c async for c in ScriptedScript().stream(_script_request(SCRIPT, history))]
    assert "".join(c.content for c in chunks) == "result was again"


def _model_name_validator(spec: dict[str, Any]) -> Draft202012Validator:
    return component_validator(spec, "AgentModel")


def test_the_spec_accepts_every_model_name_the_executor_can_run(spec: dict[str, Any]) -> None:
    for name in [*SCRIPTED, "openai-compatible/gpt-4o-mini", "openai-compatible/openai-main/gpt-4o"]:
        _model_name_validator(spec).validate({"name": name})


@pytest.mark.parametrize(
    "name",
    ["openai/gpt-4o", "scripted/echo2", "scripted/", "xscripted/echo", "Scripted/Echo", "openai-compatible/"],
)
def test_the_spec_refuses_model_names_the_executor_cannot_run(spec: dict[str, Any], name: str) -> None:
    # An agent naming a model without a provider must fail at registration (400), not mid-turn.
    with pytest.raises(LookupError):
        _providers().for_model({"name": name})
    assert not _model_name_validator(spec).is_valid({"name": name})


def test_the_spec_refuses_a_model_name_with_a_trailing_newline(spec: dict[str, Any]) -> None:
    assert "scripted/echo\n" not in SCRIPTED
    assert not _model_name_validator(spec).is_valid({"name": "scripted/echo\n"})


def test_the_specs_echo_params_default_to_what_the_provider_does(spec: dict[str, Any]) -> None:
    params = spec["components"]["schemas"]["AgentModelParams"]["properties"]
    assert params["chunks"]["default"] == 1
    assert params["delay_ms"]["default"] == 0
    assert params["chunks"]["minimum"] == 1
