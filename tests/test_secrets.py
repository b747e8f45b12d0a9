"""server/secrets.py: allowed-URL prefixes matched on their parts, and the operator's declarations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from server import secrets
from server.config import Settings
from server.secrets import SecretNotUsable, UrlPrefix, usable_value

ALLOWED = "https://api.openai.com/v1"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1",
        "https://api.openai.com/v1/",
        "https://api.openai.com/v1/chat/completions",
        "https://API.OpenAI.com/v1/chat/completions",
        "https://api.openai.com:443/v1/models?limit=1",
        "https://api.openai.com./v1",
    ],
)
def test_a_url_under_the_prefix_matches(url: str) -> None:
    assert UrlPrefix.parse(ALLOWED).matches(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com.evil/v1",  # passes a plain string prefix check
        "https://api.openai.com.evil.example/v1/chat",
        "https://evil.example/https://api.openai.com/v1",
        "https://api.openai.com@evil.example/v1",  # host evil.example, with credentials
        "https://user:pw@api.openai.com/v1",
        "http://api.openai.com/v1",
        "https://api.openai.com:8443/v1",
        "https://api.openai.com/v10",
        "https://api.openai.com/v",
        "https://api.openai.com/",
        "https://api.openai.com/v1/%2e%2e/admin",
        "ftp://api.openai.com/v1",
        "not a url",
    ],
)
def test_a_url_outside_the_prefix_does_not_match(url: str) -> None:
    assert not UrlPrefix.parse(ALLOWED).matches(url)


def test_a_prefix_with_a_trailing_slash_or_default_port_is_the_same_prefix() -> None:
    assert UrlPrefix.parse("https://api.openai.com:443/v1/") == UrlPrefix.parse(ALLOWED)
    assert UrlPrefix.parse("https://tools.internal").matches("https://tools.internal/mcp")


@pytest.mark.parametrize("text", ["api.openai.com/v1", "ftp://x/", "https://u@x/", "https://"])
def test_an_allowed_url_that_is_not_an_absolute_http_url_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        UrlPrefix.parse(text)


def _settings(**declared: object) -> Settings:
    return Settings(secrets=declared)


@pytest.mark.parametrize("env", ["HARNESS_JWT_SECRET", "HARNESS_REDIS_URL", "harness_jwt_secret"])
def test_a_harness_variable_is_never_a_secrets_source(env: str) -> None:
    with pytest.raises(ValidationError, match=r"HARNESS_SECRETS: secret 'leak': env .* HARNESS_\* settings"):
        _settings(leak={"env": env, "allowed_urls": [ALLOWED]})


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"allowed_urls": [ALLOWED]}, "exactly one value source"),
        ({"env": "A", "file": "/f", "allowed_urls": [ALLOWED]}, "exactly one value source"),
        ({"env": "A"}, "allowed_urls"),
        ({"env": "A", "allowed_urls": []}, "allowed_urls"),
        ({"env": "A", "allowed_urls": ["api.openai.com"]}, "not an absolute http"),
        ({"env": "A", "allowed_urls": [ALLOWED], "url": "x"}, "url"),
    ],
)
def test_a_bad_declaration_stops_the_settings_naming_the_variable_and_the_secret(
    body: dict[str, object], says: str
) -> None:
    with pytest.raises(ValidationError, match="HARNESS_SECRETS: secret 'openai'") as raised:
        _settings(openai=body)
    assert says in str(raised.value)


def test_secrets_come_from_the_inline_json_and_the_file(tmp_path: Path) -> None:
    file = tmp_path / "secrets.yaml"
    file.write_text("tools:\n  file: /run/secrets/tools\n  allowed_urls: [https://tools.internal/mcp]\n")
    settings = Settings(
        secrets={"openai": {"env": "OPENAI_API_KEY", "allowed_urls": [ALLOWED]}}, secrets_file=file
    )
    assert set(settings.declared_secrets) == {"openai", "tools"}
    as_json = tmp_path / "secrets.json"
    as_json.write_text(json.dumps({"openai": {"env": "X", "allowed_urls": [ALLOWED]}}))
    with pytest.raises(ValidationError, match="both declare"):
        Settings(
            secrets={"openai": {"env": "OPENAI_API_KEY", "allowed_urls": [ALLOWED]}}, secrets_file=as_json
        )


def test_an_unreadable_secrets_file_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="HARNESS_SECRETS_FILE"):
        Settings(secrets_file=tmp_path / "missing.yaml")


def test_the_declarations_are_read_from_harness_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_SECRETS", json.dumps({"openai": {"env": "K", "allowed_urls": [ALLOWED]}}))
    assert Settings().declared_secrets["openai"].env == "K"


def test_a_secrets_value_is_read_at_use_from_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "token"
    file.write_text("from-the-file\n")
    declared = secrets.load(
        {
            "a": {"env": "SECRET_TEST_A", "allowed_urls": [ALLOWED]},
            "b": {"file": str(file), "allowed_urls": [ALLOWED]},
        },
        None,
    )
    monkeypatch.setenv("SECRET_TEST_A", "from-the-env")
    assert usable_value(declared, "a", f"{ALLOWED}/chat")[0] == "from-the-env"
    assert usable_value(declared, "b", ALLOWED)[0] == "from-the-file"
    file.unlink()
    with pytest.raises(SecretNotUsable, match="has no value"):
        usable_value(declared, "b", ALLOWED)


@pytest.mark.parametrize(("name", "url"), [("a", "https://evil.example/v1"), ("PATH", ALLOWED)])
def test_an_unusable_secret_says_only_that(name: str, url: str) -> None:
    declared = secrets.load({"a": {"env": "SECRET_TEST_A", "allowed_urls": [ALLOWED]}}, None)
    with pytest.raises(SecretNotUsable) as raised:
        usable_value(declared, name, url)
    assert str(raised.value) == f"secret {name!r} is not usable for {url}"


def test_a_stdio_server_is_declared_with_an_absolute_command() -> None:
    settings = Settings(mcp_stdio_servers={"demo": {"command": "/usr/bin/python3", "args": ["-m", "x"]}})
    assert settings.declared_stdio_servers["demo"].args == ["-m", "x"]
    with pytest.raises(ValidationError, match=r"HARNESS_MCP_STDIO_SERVERS: server 'demo'.*absolute"):
        Settings(mcp_stdio_servers={"demo": {"command": "python3"}})
    with pytest.raises(ValidationError, match="server 'demo'"):
        Settings(mcp_stdio_servers={"demo": {"command": "/bin/x", "shell": True}})
