"""Bearer-JWT authentication: who the caller is, for which tenant, and whether they are an admin.

Keys come from config: an HS256 secret (`HARNESS_JWT_SECRET`), an RS256 public key file or a JWKS
file. With none configured the server runs in development mode (loudly logged) and accepts any
bearer token: a JWT's claims are read unverified, any other string becomes the caller's id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import jwt

from generated.models import Subject
from server.config import Settings

log = logging.getLogger(__name__)

# The gateway's known caller subject types; any other is refused at session creation (400).
SUBJECT_TYPES = frozenset({"user", "team", "serviceaccount", "virtualaccount", "agent-identity", "role"})


@dataclass(frozen=True)
class Caller:
    subject: Subject
    tenant: str | None
    is_admin: bool
    may_manage_agents: bool = False
    """May create, replace and delete agents: the agent-admin or admin role, or development mode."""

    @property
    def id(self) -> str:
        return self.subject.subject_id


class InvalidToken(Exception):
    pass


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Each key with its own algorithm: trying an HS256 token against an RSA key object is a
        # TypeError in PyJWT, and accepting RS256 with the HS secret would be algorithm confusion.
        self._keys: list[tuple[Any, list[str]]] = []
        if settings.jwt_secret:
            self._keys.append((settings.jwt_secret, ["HS256"]))
        if settings.jwt_public_key_file:
            self._keys.append((settings.jwt_public_key_file.read_text(), ["RS256"]))
        if settings.jwks_file:
            jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwks_file.read_text()))
            self._keys.extend((k.key, ["RS256"]) for k in jwks.keys)
        self.development_mode = not self._keys
        if self.development_mode:
            log.warning(
                "DEVELOPMENT MODE: no JWT key configured (HARNESS_JWT_SECRET, HARNESS_JWT_PUBLIC_KEY_FILE "
                "or HARNESS_JWKS_FILE); any bearer token is accepted as the caller's identity, and any "
                "caller may register agents"
            )

    def verify(self, token: str) -> Caller:
        claims = self._claims(token)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("token has no subject (sub claim)")
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = [roles]
        subject = Subject(
            subject_id=sub,
            subject_type=str(claims.get("subject_type", "user")),
            subject_slug=str(claims.get("email") or claims.get("preferred_username") or sub),
        )
        tenant = claims.get("tenant")
        is_admin = self._settings.admin_role in roles
        agent_admin = self.development_mode or is_admin or self._settings.agent_admin_role in roles
        return Caller(subject, tenant if isinstance(tenant, str) else None, is_admin, agent_admin)

    def _claims(self, token: str) -> dict[str, Any]:
        if self.development_mode:
            try:
                claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
                return claims
            except jwt.PyJWTError:
                return {"sub": token}
        last_error: Exception | None = None
        for key, algorithms in self._keys:
            try:
                verified: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=algorithms,
                    audience=self._settings.jwt_audience,
                    issuer=self._settings.jwt_issuer,
                    options={
                        "verify_aud": self._settings.jwt_audience is not None,
                        "require": ["sub", "exp"],
                    },
                )
                return verified
            except jwt.PyJWTError as exc:
                last_error = exc
        raise InvalidToken(str(last_error))
