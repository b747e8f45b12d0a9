"""server/auth.py: bearer JWTs checked with an HS256 secret, a public key file, a JWKS file or an
identity provider's JWKS URL (a local endpoint here); claims fail closed; with no key configured
(development mode) any token is accepted."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from server.auth import InvalidToken, TokenVerifier
from server.config import Settings

SECRET = "s3cret-" * 6


@pytest.fixture(autouse=True)
def no_harness_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read HARNESS_* variables: the tests configure them explicitly instead."""
    for name in list(os.environ):
        if name.startswith("HARNESS_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def public_key_file(tmp_path: Path, private_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "public.pem"
    path.write_text(_pem(private_key))
    return path


@pytest.fixture
def jwks_file(tmp_path: Path, private_key: rsa.RSAPrivateKey) -> Path:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    return path


def _claims(**claims: Any) -> dict[str, Any]:
    return {"sub": "user-1", "exp": int(time.time()) + 300, **claims}


def _hs256(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _rs256(claims: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    return jwt.encode(claims, key, algorithm="RS256")


# --- HS256 secret --------------------------------------------------------------------------------


async def test_hs256_token_signed_with_the_secret_identifies_the_caller() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    assert not verifier.development_mode
    caller = await verifier.verify(_hs256(_claims(email="alice@example.com")))
    assert caller.id == "user-1"
    assert caller.subject.subject_type == "user"
    assert caller.subject.subject_slug == "alice@example.com"
    assert caller.tenant is None
    assert caller.is_admin is False


async def test_hs256_token_signed_with_another_secret_is_refused() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims(), secret="not-the-secret-" * 3))


async def test_expired_token_is_refused() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims(exp=int(time.time()) - 60)))


async def test_token_without_expiry_is_refused_when_keys_are_configured() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken, match="exp"):
        await verifier.verify(_hs256({"sub": "user-1"}))


async def test_token_without_subject_is_refused() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256({"exp": int(time.time()) + 60}))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
async def test_a_token_that_is_not_a_jwt_is_refused_when_keys_are_configured(token: str) -> None:
    with pytest.raises(InvalidToken):
        await TokenVerifier(Settings(jwt_secret=SECRET)).verify(token)


async def test_unsigned_token_is_refused_when_keys_are_configured() -> None:
    unsigned = jwt.encode(_claims(), key=None, algorithm="none")
    with pytest.raises(InvalidToken):
        await TokenVerifier(Settings(jwt_secret=SECRET)).verify(unsigned)


# --- RS256 public key file and JWKS file ---------------------------------------------------------


async def test_rs256_token_is_checked_against_the_public_key_file(
    public_key_file: Path, private_key: rsa.RSAPrivateKey, other_private_key: rsa.RSAPrivateKey
) -> None:
    verifier = TokenVerifier(Settings(jwt_public_key_file=public_key_file))
    assert not verifier.development_mode
    assert (await verifier.verify(_rs256(_claims(), private_key))).id == "user-1"
    with pytest.raises(InvalidToken):
        await verifier.verify(_rs256(_claims(), other_private_key))


def _forged_hs256(claims: dict[str, Any], secret: bytes) -> str:
    """An HS256 token keyed with bytes PyJWT itself refuses to use as an HMAC secret."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    signing_input = f"{b64(header)}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


async def test_hs256_token_keyed_with_the_public_key_is_refused(
    public_key_file: Path, private_key: rsa.RSAPrivateKey
) -> None:
    # Algorithm confusion: the public key is no secret, even when HS256 is also enabled.
    verifier = TokenVerifier(Settings(jwt_public_key_file=public_key_file, jwt_secret=SECRET))
    forged = _forged_hs256(_claims(), _pem(private_key).encode())  # the file's bytes
    with pytest.raises(InvalidToken):
        await verifier.verify(forged)
    # The forgery itself is well made: keyed with the real secret the same recipe is accepted.
    assert (await verifier.verify(_forged_hs256(_claims(), SECRET.encode()))).id == "user-1"


async def test_rs256_token_is_checked_against_the_jwks_file(
    jwks_file: Path, private_key: rsa.RSAPrivateKey, other_private_key: rsa.RSAPrivateKey
) -> None:
    verifier = TokenVerifier(Settings(jwks_file=jwks_file))
    assert not verifier.development_mode
    assert (await verifier.verify(_rs256(_claims(), private_key))).id == "user-1"
    with pytest.raises(InvalidToken):
        await verifier.verify(_rs256(_claims(), other_private_key))


async def test_hs256_token_is_refused_when_only_rs256_keys_are_configured(jwks_file: Path) -> None:
    with pytest.raises(InvalidToken):
        await TokenVerifier(Settings(jwks_file=jwks_file)).verify(_hs256(_claims()))


async def test_secret_and_public_key_file_both_verify_their_tokens(
    public_key_file: Path, private_key: rsa.RSAPrivateKey
) -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_public_key_file=public_key_file))
    assert (await verifier.verify(_hs256(_claims(sub="by-secret")))).id == "by-secret"
    assert (await verifier.verify(_rs256(_claims(sub="by-key"), private_key))).id == "by-key"
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims(), secret="wrong-secret-" * 3))


async def test_bad_hs256_token_is_refused_when_a_secret_and_a_jwks_file_are_configured(
    jwks_file: Path,
) -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwks_file=jwks_file))
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims(), secret="wrong-secret-" * 3))


# --- audience and issuer -------------------------------------------------------------------------


async def test_configured_audience_is_required() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_audience="harness"))
    assert (await verifier.verify(_hs256(_claims(aud="harness")))).id == "user-1"
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims(aud="someone-else")))
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims()))


async def test_audience_is_ignored_when_none_is_configured() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    assert (await verifier.verify(_hs256(_claims(aud="anything")))).id == "user-1"


async def test_configured_issuer_must_match() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_issuer="https://idp.example"))
    assert (await verifier.verify(_hs256(_claims(iss="https://idp.example")))).id == "user-1"
    with pytest.raises(InvalidToken):
        await verifier.verify(_hs256(_claims(iss="https://evil.example")))


# --- claims --------------------------------------------------------------------------------------


async def test_tenant_claim_names_the_callers_tenant() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    assert (await verifier.verify(_hs256(_claims(tenant="acme")))).tenant == "acme"


@pytest.mark.parametrize("tenant", [7, ["acme"], None, "", {"name": "acme"}, True])
async def test_a_tenant_claim_that_is_not_a_non_empty_string_refuses_the_token(tenant: Any) -> None:
    # Read as "no tenant", such a token would work on every tenant: fail closed instead.
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken, match="tenant"):
        await verifier.verify(_hs256(_claims(tenant=tenant)))


async def test_a_token_without_a_tenant_claim_names_no_tenant() -> None:
    assert (await TokenVerifier(Settings(jwt_secret=SECRET)).verify(_hs256(_claims()))).tenant is None


@pytest.mark.parametrize(
    "roles", [5, {"admin": False}, {"admin": True}, [1], ["admin", 5], None, [["admin"]]]
)
async def test_a_roles_claim_that_is_not_a_string_or_a_list_of_strings_refuses_the_token(roles: Any) -> None:
    # `roles: 5` used to be a 500 and `roles: {"admin": false}` an admin (`"admin" in {...}`).
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken, match="roles"):
        await verifier.verify(_hs256(_claims(roles=roles)))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", 5),
        ("sub", ""),
        ("sub", ["user-1"]),
        ("sub", "user-\ud800"),
        ("subject_type", 5),
        ("subject_type", ""),
        ("email", 5),
        ("email", ["a@example.com"]),
        ("preferred_username", {"x": 1}),
        ("tenant", "acme-\udfff"),
    ],
)
async def test_a_claim_of_the_wrong_type_refuses_the_token(claim: str, value: Any) -> None:
    # A lone surrogate travels as a `\ud800` escape in the JSON: decoded, nothing could encode it again.
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    with pytest.raises(InvalidToken, match=f"(?i){claim}"):
        await verifier.verify(_hs256(_claims(**{claim: value})))


async def test_an_empty_email_falls_back_to_the_username_then_the_subject() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    assert (await verifier.verify(_hs256(_claims(email="")))).subject.subject_slug == "user-1"
    caller = await verifier.verify(_hs256(_claims(email="", preferred_username="al")))
    assert caller.subject.subject_slug == "al"


async def test_the_callers_roles_are_kept() -> None:
    caller = await TokenVerifier(Settings(jwt_secret=SECRET)).verify(_hs256(_claims(roles=["a", "b", "a"])))
    assert caller.roles == frozenset({"a", "b"})
    assert (await TokenVerifier(Settings(jwt_secret=SECRET)).verify(_hs256(_claims()))).roles == frozenset()


async def test_claim_names_come_from_the_settings_and_may_be_dotted_paths() -> None:
    verifier = TokenVerifier(
        Settings(
            jwt_secret=SECRET,
            jwt_subject_claim="oid",
            jwt_tenant_claim="org.slug",
            jwt_roles_claim="realm_access.roles",
        )
    )
    claims = {"exp": int(time.time()) + 60, "oid": "u-7", "org": {"slug": "acme"}}
    caller = await verifier.verify(_hs256({**claims, "realm_access": {"roles": ["admin", "x"]}}))
    assert (caller.id, caller.tenant, caller.is_admin) == ("u-7", "acme", True)
    # The configured subject claim is the one required; `sub` alone does not do.
    with pytest.raises(InvalidToken, match="oid"):
        await verifier.verify(_hs256({"exp": int(time.time()) + 60, "sub": "u-7"}))
    # A path through something that is not an object finds no claim; a wrong leaf type is refused.
    assert (await verifier.verify(_hs256({**claims, "realm_access": ["admin"]}))).roles == frozenset()
    with pytest.raises(InvalidToken, match=r"realm_access\.roles"):
        await verifier.verify(_hs256({**claims, "realm_access": {"roles": {"admin": True}}}))


async def test_a_claim_whose_name_has_dots_is_read_whole_first() -> None:
    # Auth0's custom claims are namespaced by URL: `https://harness.example/roles`.
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_roles_claim="https://harness.example/roles"))
    token = _hs256(_claims(**{"https://harness.example/roles": ["admin"]}))
    assert (await verifier.verify(token)).is_admin


async def test_development_mode_fails_closed_on_claims_too() -> None:
    with pytest.raises(InvalidToken, match="tenant"):
        await TokenVerifier(Settings()).verify(
            _hs256({"sub": "bob", "tenant": ["acme"]}, "unchecked-key-" * 3)
        )


@pytest.mark.parametrize(
    ("roles", "is_admin"), [(["reader", "admin"], True), ("admin", True), (["reader"], False), ([], False)]
)
async def test_admin_role_in_the_roles_claim_makes_an_admin(roles: Any, is_admin: bool) -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    assert (await verifier.verify(_hs256(_claims(roles=roles)))).is_admin is is_admin


async def test_admin_role_name_comes_from_the_settings() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, admin_role="harness-admin"))
    assert (await verifier.verify(_hs256(_claims(roles=["harness-admin"])))).is_admin
    assert not (await verifier.verify(_hs256(_claims(roles=["admin"])))).is_admin


async def test_subject_type_and_slug_come_from_the_claims() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET))
    caller = await verifier.verify(
        _hs256(_claims(subject_type="serviceaccount", preferred_username="ci-bot"))
    )
    assert caller.subject.subject_type == "serviceaccount"
    assert caller.subject.subject_slug == "ci-bot"
    assert (await verifier.verify(_hs256(_claims()))).subject.subject_slug == "user-1"


# --- development mode ----------------------------------------------------------------------------


async def test_no_key_configured_is_development_mode_and_says_so_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.auth"):
        verifier = TokenVerifier(Settings())
    assert verifier.development_mode
    assert any("DEVELOPMENT MODE" in record.getMessage() for record in caplog.records)


async def test_keys_configured_is_not_development_mode_and_logs_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.auth"):
        TokenVerifier(Settings(jwt_secret=SECRET))
    assert not caplog.records


async def test_development_mode_takes_any_opaque_token_as_the_callers_id() -> None:
    caller = await TokenVerifier(Settings()).verify("alice")
    assert caller.id == "alice"
    assert caller.subject.subject_slug == "alice"
    assert caller.tenant is None
    assert not caller.is_admin


async def test_development_mode_reads_a_jwts_claims_without_checking_it() -> None:
    token = _hs256(
        {"sub": "bob", "tenant": "acme", "roles": ["admin"], "exp": int(time.time()) - 60},
        "unchecked-key-" * 3,
    )
    caller = await TokenVerifier(Settings()).verify(token)
    assert (caller.id, caller.tenant, caller.is_admin) == ("bob", "acme", True)


async def test_development_mode_still_requires_a_jwt_to_name_its_subject() -> None:
    with pytest.raises(InvalidToken):
        await TokenVerifier(Settings()).verify(_hs256({"tenant": "acme"}, "unchecked-key-" * 3))


# --- an identity provider's JWKS URL -------------------------------------------------------------


class JwksServer:
    """A JWKS endpoint on the loopback: the keys it publishes can be rotated, its requests are
    counted, and it can be made to hang (until closed) to stand for an unreachable provider."""

    def __init__(self) -> None:
        self.jwks: list[dict[str, Any]] = []
        self.hits = 0
        self.hanging = False
        self.released = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                if owner.hanging:
                    owner.released.wait(30)
                    return
                body = json.dumps({"keys": owner.jwks}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return None

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/jwks.json"

    def publish(self, *keys: tuple[str, rsa.RSAPrivateKey]) -> None:
        self.jwks = [
            {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig"}
            for kid, key in keys
        ]

    def close(self) -> None:
        self.released.set()
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def idp() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.close()


def _kid_token(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str | None) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid} if kid else None)


def _jwks_settings(idp: JwksServer, **overrides: Any) -> Settings:
    return Settings(jwt_jwks_url=idp.url, **{"jwt_jwks_refresh_cooldown_seconds": 0, **overrides})


async def test_a_token_is_checked_against_the_key_of_its_kid_at_the_jwks_url(
    idp: JwksServer, private_key: rsa.RSAPrivateKey, other_private_key: rsa.RSAPrivateKey
) -> None:
    idp.publish(("k1", private_key))
    verifier = TokenVerifier(_jwks_settings(idp))
    assert not verifier.development_mode
    assert (await verifier.verify(_kid_token(_claims(), private_key, "k1"))).id == "user-1"
    # Signed by another key under the published kid: the signature does not verify.
    with pytest.raises(InvalidToken, match=r"[Ss]ignature"):
        await verifier.verify(_kid_token(_claims(), other_private_key, "k1"))
    # The cached set serves the next tokens: one fetch so far.
    assert (await verifier.verify(_kid_token(_claims(sub="u2"), private_key, "k1"))).id == "u2"
    assert idp.hits == 1


async def test_a_rotated_key_is_accepted_without_a_restart_and_a_forged_kid_is_refused(
    idp: JwksServer, private_key: rsa.RSAPrivateKey, other_private_key: rsa.RSAPrivateKey
) -> None:
    idp.publish(("k1", private_key))
    verifier = TokenVerifier(_jwks_settings(idp))
    assert (await verifier.verify(_kid_token(_claims(), private_key, "k1"))).id == "user-1"

    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.publish(("k2", rotated))
    # An unknown kid refetches the set: the new key verifies, the retired one no longer does.
    assert (await verifier.verify(_kid_token(_claims(sub="after"), rotated, "k2"))).id == "after"
    assert idp.hits == 2
    with pytest.raises(InvalidToken, match="kid 'k1'"):
        await verifier.verify(_kid_token(_claims(), private_key, "k1"))

    # A key the provider never published, under a kid of its own: refused after a refetch.
    with pytest.raises(InvalidToken, match="kid 'forged'"):
        await verifier.verify(_kid_token(_claims(), other_private_key, "forged"))


async def test_unknown_kids_refetch_the_jwks_at_most_once_per_cooldown(
    idp: JwksServer, private_key: rsa.RSAPrivateKey, other_private_key: rsa.RSAPrivateKey
) -> None:
    idp.publish(("k1", private_key))
    verifier = TokenVerifier(_jwks_settings(idp, jwt_jwks_refresh_cooldown_seconds=3600))
    assert (await verifier.verify(_kid_token(_claims(), private_key, "k1"))).id == "user-1"
    for n in range(20):
        with pytest.raises(InvalidToken):
            await verifier.verify(_kid_token(_claims(), other_private_key, f"made-up-{n}"))
    assert idp.hits == 1


async def test_a_token_without_a_kid_is_tried_against_every_published_key(
    idp: JwksServer, private_key: rsa.RSAPrivateKey, other_private_key: rsa.RSAPrivateKey
) -> None:
    idp.publish(("a", other_private_key), ("b", private_key))
    verifier = TokenVerifier(_jwks_settings(idp))
    assert (await verifier.verify(_kid_token(_claims(), private_key, None))).id == "user-1"


async def test_a_hanging_jwks_endpoint_refuses_the_token_within_the_timeout(
    idp: JwksServer, private_key: rsa.RSAPrivateKey
) -> None:
    idp.hanging = True
    verifier = TokenVerifier(_jwks_settings(idp, jwt_jwks_timeout_seconds=0.5))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    results = await asyncio.gather(
        *(verifier.verify(_kid_token(_claims(), private_key, "k1")) for _ in range(10)),
        return_exceptions=True,
    )
    elapsed = time.monotonic() - started
    ticker.cancel()
    assert all(isinstance(r, InvalidToken) and "unavailable" in str(r) for r in results), results
    assert elapsed < 0.5 + 2
    # The fetch ran on a thread: the event loop kept running meanwhile.
    assert ticks > 5
    # Ten requests waiting on the keys shared one fetch.
    assert idp.hits == 1


async def test_a_failed_refresh_keeps_the_last_good_keys(
    idp: JwksServer, private_key: rsa.RSAPrivateKey
) -> None:
    idp.publish(("k1", private_key))
    verifier = TokenVerifier(_jwks_settings(idp, jwt_jwks_timeout_seconds=0.5))
    assert (await verifier.verify(_kid_token(_claims(), private_key, "k1"))).id == "user-1"
    idp.hanging = True
    with pytest.raises(InvalidToken, match="kid 'new'"):
        await verifier.verify(_kid_token(_claims(), private_key, "new"))
    assert (await verifier.verify(_kid_token(_claims(sub="still"), private_key, "k1"))).id == "still"


async def test_an_hs256_token_is_refused_by_a_jwks_url_verifier(
    idp: JwksServer, private_key: rsa.RSAPrivateKey
) -> None:
    idp.publish(("k1", private_key))
    verifier = TokenVerifier(_jwks_settings(idp))
    # Keyed with the published public key (algorithm confusion) or anything else: no key takes HS256.
    pem = _pem(private_key).encode()
    for forged in (_forged_hs256(_claims(), pem), jwt.encode(_claims(), SECRET, headers={"kid": "k1"})):
        with pytest.raises(InvalidToken, match="alg 'HS256'"):
            await verifier.verify(forged)


async def test_a_symmetric_key_in_a_jwks_is_never_used(idp: JwksServer) -> None:
    secret = SECRET.encode()
    idp.jwks = [{"kty": "oct", "kid": "s", "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode()}]
    verifier = TokenVerifier(_jwks_settings(idp))
    with pytest.raises(InvalidToken):
        await verifier.verify(jwt.encode(_claims(), secret, headers={"kid": "s"}))


@pytest.mark.parametrize("source", ["secret", "public_key_file", "jwks_file", "jwks_url"])
async def test_issuer_and_audience_are_enforced_for_every_kind_of_key(
    source: str,
    idp: JwksServer,
    public_key_file: Path,
    jwks_file: Path,
    private_key: rsa.RSAPrivateKey,
) -> None:
    idp.publish(("k1", private_key))
    sources: dict[str, dict[str, Any]] = {
        "secret": {"jwt_secret": SECRET},
        "public_key_file": {"jwt_public_key_file": public_key_file},
        "jwks_file": {"jwks_file": jwks_file},
        "jwks_url": {"jwt_jwks_url": idp.url},
    }
    keys = sources[source]
    verifier = TokenVerifier(Settings(jwt_issuer="https://idp.example", jwt_audience="harness", **keys))

    def sign(**claims: Any) -> str:
        if source == "secret":
            return _hs256(_claims(**claims))
        return _kid_token(_claims(**claims), private_key, "k1")

    good = {"iss": "https://idp.example", "aud": "harness"}
    assert (await verifier.verify(sign(**good))).id == "user-1"
    for bad in (
        {**good, "iss": "https://evil.example"},
        {**good, "aud": "other"},
        {"aud": "harness"},
        {"iss": good["iss"]},
    ):
        with pytest.raises(InvalidToken):
            await verifier.verify(sign(**bad))


@pytest.mark.parametrize(
    ("curve", "algorithm"), [(ec.SECP256R1(), "ES256"), (ec.SECP384R1(), "ES384")], ids=["p256", "p384"]
)
async def test_an_ec_public_key_file_verifies_its_curves_algorithm_only(
    tmp_path: Path, curve: ec.EllipticCurve, algorithm: str
) -> None:
    key = ec.generate_private_key(curve)
    path = tmp_path / "ec.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    verifier = TokenVerifier(Settings(jwt_public_key_file=path))
    assert (await verifier.verify(jwt.encode(_claims(), key, algorithm=algorithm))).id == "user-1"
    with pytest.raises(InvalidToken, match="alg 'HS256'"):
        await verifier.verify(_forged_hs256(_claims(), path.read_bytes()))
