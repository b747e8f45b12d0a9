"""The Redis client's errors, for code above the store that must tell "Redis failed" from its own
failures (the executor retries, logs and fences on these) without importing the client itself."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError as RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["RedisConnectionError", "RedisError", "RedisTimeoutError"]
