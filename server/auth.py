"""Bearer-JWT authentication: who the caller is, for which tenant, and with which roles.

Keys come from config: an HS256 secret (`HARNESS_JWT_SECRET`), a PEM public key file, a JWKS file,
or an identity provider's JWKS URL (`HARNESS_JWT_JWKS_URL`, fetched and cached). With none configured
the server runs in development mode (loudly logged) and accepts any bearer token: a JWT's claims are
read unverified, any other string becomes the caller's id.

Claims fail closed: a claim the server reads (subject, tenant, roles, subject type, email) that is
present with the wrong type refuses the token, so a misconfigured identity provider cannot turn a
tenant list into "every tenant" or a roles object into an admin.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from generated.models import Subject
from server.config import Settings

log = logging.getLogger(__name__)

# The gateway's known caller subject types; any other is refused at session creation (400).
SUBJECT_TYPES = frozenset({"user", "team", "serviceaccount", "virtualaccount", "agent-identity", "role"})

_RSA = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_EC = {"secp256r1": ("ES256",), "secp384r1": ("ES384",), "secp521r1": ("ES512",), "secp256k1": ("ES256K",)}
_MISSING = object()


@dataclass(frozen=True)
class Caller:
    subject: Subject
    tenant: str | None
    is_admin: bool
    roles: frozenset[str] = frozenset()
    may_manage_agents: bool = False
    """May create, replace and delete agents: the agent-admin or admin role, or development mode."""

    @property
    def id(self) -> str:
        return self.subject.subject_id


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Key:
    """A verification key and the only algorithms it may verify: an HS256 token is never checked
    against a public key (algorithm confusion), nor an RS256 one against the HMAC secret."""

    key: Any
    algorithms: tuple[str, ...]


def pem_key(pem: bytes) -> Key:
    public = serialization.load_pem_public_key(pem)
    if isinstance(public, rsa.RSAPublicKey):
        return Key(public, _RSA)
    if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name in _EC:
        return Key(public, _EC[public.curve.name])
    if isinstance(public, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return Key(public, ("EdDSA",))
    raise ValueError(f"unsupported public key type {type(public).__name__}")


def jwks_keys(jwk_set: jwt.PyJWKSet) -> dict[str | None, Key]:
    """A JWKS's signing keys by kid, each with its one algorithm (its `alg`, else its key type's).
    Symmetric (`oct`) keys are left out: a secret published in a key set is no secret."""
    return {
        jwk.key_id: Key(jwk.key, (jwk.algorithm_name,))
        for jwk in jwk_set.keys
        if jwk.key_type != "oct" and jwk.public_key_use in ("sig", None)
    }


class RemoteJwks:
    """An identity provider's key set, fetched by PyJWKClient on a worker thread (it is synchronous)
    and cached here, so the event loop never waits on the network and a verified request with a
    known kid touches no thread at all.

    One fetch runs at a time and every request needing keys waits on it, each for at most `timeout`
    (a hanging endpoint costs a request its bound, never a thread per request). A fetch happens when
    the set is missing, older than `lifespan`, or lacks the token's kid, and at most once per
    `cooldown` otherwise: tokens with made-up kids cannot make us hammer the provider. A failed
    refresh keeps the last good set.
    """

    def __init__(self, url: str, *, timeout: float, lifespan: float, cooldown: float) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        self._timeout = timeout
        self._lifespan = lifespan
        self._cooldown = cooldown
        self._keys: dict[str | None, Key] | None = None
        self._fetched_at = -math.inf
        self._attempted_at = -math.inf
        self._fetch: asyncio.Future[dict[str | None, Key]] | None = None

    async def keys(self, kid: str | None) -> list[Key]:
        now = time.monotonic()
        stale = self._keys is None or now - self._fetched_at >= self._lifespan
        unknown = kid is not None and self._keys is not None and kid not in self._keys
        if (stale or unknown) and (self._fetch is not None or now - self._attempted_at >= self._cooldown):
            try:
                await asyncio.wait_for(asyncio.shield(self._refresh()), self._timeout)
            except (TimeoutError, jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
                log.warning("JWKS fetch from %s failed: %s", self._client.uri, exc or "timed out")
        if self._keys is None:
            raise InvalidToken("the identity provider's signing keys are unavailable")
        if kid is None:
            return list(self._keys.values())
        return [self._keys[kid]] if kid in self._keys else []

    def _refresh(self) -> asyncio.Future[dict[str | None, Key]]:
        if self._fetch is None:
            self._attempted_at = time.monotonic()
            fetch = asyncio.ensure_future(self._download())
            fetch.add_done_callback(self._fetched)
            self._fetch = fetch
        return self._fetch

    async def _download(self) -> dict[str | None, Key]:
        keys = jwks_keys(await asyncio.to_thread(self._client.get_jwk_set, True))
        self._keys, self._fetched_at = keys, time.monotonic()
        return keys

    def _fetched(self, fetch: asyncio.Future[dict[str | None, Key]]) -> None:
        self._fetch = None
        if not fetch.cancelled():
            fetch.exception()  # retrieved: whoever waited has logged it, or nobody waits any more


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Keys without a kid to pick them by: each is tried when it accepts the token's algorithm.
        self._keys: list[Key] = []
        self._jwks: dict[str | None, Key] = {}
        self._remote: RemoteJwks | None = None
        if settings.jwt_secret:
            self._keys.append(Key(settings.jwt_secret, ("HS256",)))
        if settings.jwt_public_key_file:
            self._keys.append(pem_key(settings.jwt_public_key_file.read_bytes()))
        if settings.jwks_file:
            self._jwks = jwks_keys(jwt.PyJWKSet.from_dict(json.loads(settings.jwks_file.read_text())))
        if settings.jwt_jwks_url:
            self._remote = RemoteJwks(
                settings.jwt_jwks_url,
                timeout=settings.jwt_jwks_timeout_seconds,
                lifespan=settings.jwt_jwks_cache_seconds,
                cooldown=settings.jwt_jwks_refresh_cooldown_seconds,
            )
        self.development_mode = not (self._keys or self._jwks or self._remote)
        if self.development_mode:
            log.warning(
                "DEVELOPMENT MODE: no JWT key configured (HARNESS_JWT_SECRET, HARNESS_JWT_PUBLIC_KEY_FILE, "
                "HARNESS_JWKS_FILE or HARNESS_JWT_JWKS_URL); any bearer token is accepted as the caller's "
                "identity, and any caller may register agents"
            )

    async def verify(self, token: str) -> Caller:
        return self.caller(await self._claims(token))

    def caller(self, claims: dict[str, Any]) -> Caller:
        """The caller the (verified) claims name; InvalidToken for a claim of the wrong type."""
        settings = self._settings
        sub = _string(claims, settings.jwt_subject_claim)
        if sub is None:
            raise InvalidToken(f"token has no subject ({settings.jwt_subject_claim} claim)")
        slug = _string(claims, "email", empty_ok=True) or _string(claims, "preferred_username", empty_ok=True)
        roles = _roles(claims, settings.jwt_roles_claim)
        subject = Subject(
            subject_id=sub, subject_type=_string(claims, "subject_type") or "user", subject_slug=slug or sub
        )
        tenant = _string(claims, settings.jwt_tenant_claim)
        is_admin = settings.admin_role in roles
        agent_admin = self.development_mode or is_admin or settings.agent_admin_role in roles
        return Caller(subject, tenant, is_admin, roles, agent_admin)

    async def _claims(self, token: str) -> dict[str, Any]:
        if self.development_mode:
            try:
                claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
                return claims
            except jwt.PyJWTError:
                return {self._settings.jwt_subject_claim: token}
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("the token's kid header is not a string")
        candidates = [k for k in self._keys + await self._keyed(kid) if algorithm in k.algorithms]
        if not candidates:
            raise InvalidToken(f"no configured key verifies this token (alg {algorithm!r}, kid {kid!r})")
        settings = self._settings
        required = ["exp"] + ["iss"] * bool(settings.jwt_issuer) + ["aud"] * bool(settings.jwt_audience)
        last_error: Exception | None = None
        for key in candidates:
            try:
                verified: dict[str, Any] = jwt.decode(
                    token,
                    key.key,
                    algorithms=list(key.algorithms),
                    audience=settings.jwt_audience,
                    issuer=settings.jwt_issuer,
                    options={"verify_aud": settings.jwt_audience is not None, "require": required},
                )
                return verified
            except jwt.PyJWTError as exc:
                last_error = exc
        raise InvalidToken(str(last_error))

    async def _keyed(self, kid: str | None) -> list[Key]:
        """The JWKS keys (file, then URL) that may have signed a token with this kid: the one of that
        kid, or all of them for a token naming none."""
        if kid is not None and kid in self._jwks:
            return [self._jwks[kid]]
        found = list(self._jwks.values()) if kid is None else []
        if self._remote is not None:
            found += await self._remote.keys(kid)
        return found


def _lookup(claims: dict[str, Any], name: str) -> Any:
    """A claim by name, or by dotted path (`realm_access.roles`) when no claim has the whole name
    (Auth0's namespaced claims are URLs with dots)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _encodes(value: str) -> bool:
    # A lone surrogate (`"\ud800"` in the JSON) is a str that Redis and every response refuse to encode.
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _string(claims: dict[str, Any], name: str, *, empty_ok: bool = False) -> str | None:
    """The claim's string value, None when absent; present as anything but a string, refused."""
    value = _lookup(claims, name)
    if value is _MISSING:
        return None
    if not isinstance(value, str) or not (value or empty_ok) or not _encodes(value):
        raise InvalidToken(f"the {name} claim must be a non-empty string")
    return value or None


def _roles(claims: dict[str, Any], name: str) -> frozenset[str]:
    value = _lookup(claims, name)
    if value is _MISSING:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(role, str) and _encodes(role) for role in value):
        raise InvalidToken(f"the {name} claim must be a string or a list of strings")
    return frozenset(value)
