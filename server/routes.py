"""Which methods the spec declares for a path, for the `Allow` header of a 405.

starlette answers a wrong method with the methods of the first route whose path matched, but
connexion registers one route per operation, so `Allow` would name only one of a path's methods.
"""

from __future__ import annotations

import re
from typing import Any

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class AllowedMethods:
    def __init__(self, spec: dict[str, Any]) -> None:
        self._table = [
            (
                re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(path)) + "$"),
                ", ".join(m.upper() for m in _METHODS if m in item),
            )
            for path, item in spec.get("paths", {}).items()
        ]

    def for_path(self, path: str) -> str | None:
        return next((methods for pattern, methods in self._table if pattern.match(path)), None)
