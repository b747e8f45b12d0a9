"""Opaque page tokens: base64url of a small JSON object, so clients cannot depend on their form."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from server.errors import BadRequest


def encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, required: tuple[str, ...]) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict) or any(not isinstance(payload.get(k), str | int) for k in required):
        raise BadRequest(
            "page_token is not a token this server issued", code="invalid_page_token", param="page_token"
        )
    return payload
