"""Secrets an agent may use, declared by the operator (SECURITY.md).

A manifest names a declared secret (`model.api_key_secret`, `mcp_servers[].bearer_token_secret`),
never an environment variable or a file: the operator says where each secret's value comes from and
which URLs it may be sent to, so whoever registers an agent cannot read anything else (the JWT key,
say) nor send a secret anywhere but where it belongs.

    {"openai": {"env": "OPENAI_API_KEY", "allowed_urls": ["https://api.openai.com/v1"]},
     "tools": {"file": "/run/secrets/tools-token", "allowed_urls": ["https://tools.internal/mcp"]}}

An allowed URL is a prefix matched on its parts (scheme, host, port, then whole path segments), never
as a string: `https://api.openai.com/v1` admits `https://api.openai.com/v1/chat/completions`, not
`https://api.openai.com.evil/v1` nor `https://api.openai.com/v10`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

# What a manifest may write where it names a secret or a declared stdio server.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# A value source may never be one of the server's own settings (its JWT secret, Redis URL...).
RESERVED_PREFIX = "HARNESS_"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SecretNotUsable(Exception):
    """A manifest's secret cannot be used for a URL. The message says only that, whatever the reason
    (undeclared, another URL), so nothing can be learnt about the executor's environment."""


@dataclass(frozen=True)
class UrlPrefix:
    """An allowed URL, normalised: lower-case scheme and host, explicit port, path without a
    trailing slash."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, text: str) -> UrlPrefix:
        parts = _parts(text)
        if parts is None:
            raise ValueError(f"{text!r} is not an absolute http(s) URL without credentials")
        return cls(*parts[:3], parts[3].rstrip("/"))

    def matches(self, url: str | httpx2.URL) -> bool:
        parts = _parts(url)
        if parts is None:
            return False
        scheme, host, port, path = parts
        if (scheme, host, port) != (self.scheme, self.host, self.port):
            return False
        if any(segment in (".", "..") for segment in path.split("/")):
            return False  # whatever the server makes of `..`, it is not a path under the prefix
        return path == self.path or path.startswith(self.path + "/") or not self.path

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"


def _parts(url: str | httpx2.URL) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, decoded path) of an http(s) URL, as httpx (which sends it) reads it;
    None for anything else, or a URL carrying credentials (`https://a@b/` is host `b`)."""
    try:
        parsed = url if isinstance(url, httpx2.URL) else httpx2.URL(url)
    except (httpx2.InvalidURL, TypeError, ValueError):
        return None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.raw_host or parsed.userinfo:
        return None
    host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    return parsed.scheme, host, parsed.port or _DEFAULT_PORTS[parsed.scheme], parsed.path or "/"


class DeclaredSecret(BaseModel):
    """One secret: its value source (`env` or `file`) and the URLs it may be sent to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    file: Path | None = None
    allowed_urls: list[str] = Field(min_length=1)
    _prefixes: tuple[UrlPrefix, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _check(self) -> DeclaredSecret:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one value source: env or file")
        if self.env is not None and self.env.upper().startswith(RESERVED_PREFIX):
            raise ValueError(f"env {self.env!r} is one of the server's own HARNESS_* settings")
        self._prefixes = tuple(UrlPrefix.parse(url) for url in self.allowed_urls)
        return self

    @property
    def prefixes(self) -> tuple[UrlPrefix, ...]:
        return self._prefixes

    def allows(self, url: str | httpx2.URL) -> bool:
        return any(prefix.matches(url) for prefix in self._prefixes)

    def value(self) -> str | None:
        """The value, read now (a rotated file is picked up by the next turn); None when unset."""
        if self.env is not None:
            return os.environ.get(self.env) or None
        assert self.file is not None
        try:
            return self.file.read_text().strip() or None
        except OSError:
            return None


def declarations(variable: str, inline: Mapping[str, Any], file: Path | None) -> dict[str, Any]:
    """The raw declarations of `HARNESS_<variable>` (inline JSON) and `HARNESS_<variable>_FILE` (a
    YAML or JSON file), merged; a name given in both is refused as ambiguous."""
    found = dict(inline)
    if file is not None:
        try:
            loaded = yaml.safe_load(file.read_text())  # YAML reads JSON too
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"HARNESS_{variable}_FILE {str(file)!r}: cannot be read: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"HARNESS_{variable}_FILE {str(file)!r}: must hold a mapping of names")
        if clash := sorted(set(found) & set(loaded)):
            raise ValueError(f"HARNESS_{variable} and HARNESS_{variable}_FILE both declare {clash}")
        found.update(loaded)
    for name in found:
        if not isinstance(name, str) or not NAME.match(name):
            raise ValueError(f"HARNESS_{variable}: {name!r} is not a valid name ({NAME.pattern})")
    return found


def load(inline: Mapping[str, Any], file: Path | None) -> dict[str, DeclaredSecret]:
    """Every declared secret, validated; the error names the variable and the secret."""
    secrets: dict[str, DeclaredSecret] = {}
    for name, body in declarations("SECRETS", inline, file).items():
        try:
            secrets[name] = DeclaredSecret.model_validate(body)
        except ValidationError as exc:
            problems = "; ".join(_problem(error) for error in exc.errors())
            raise ValueError(f"HARNESS_SECRETS: secret {name!r}: {problems}") from None
    return secrets


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def usable_value(secrets: Mapping[str, DeclaredSecret], name: str, url: str) -> tuple[str, DeclaredSecret]:
    """The value of secret `name` for a request to `url`, re-checked at use: a session's manifest
    snapshot may predate the operator's last change of the declarations."""
    secret = secrets.get(name)
    if secret is None or not secret.allows(url):
        raise SecretNotUsable(f"secret {name!r} is not usable for {url}")
    value = secret.value()
    if value is None:
        raise SecretNotUsable(f"secret {name!r} has no value on this executor")
    return value, secret
