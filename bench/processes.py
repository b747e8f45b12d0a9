"""The servers under test, as the bench starts them (`testkit.processes`, detached: each in a session
of its own, SIGTERM should the bench die, stopped at exit), and the bench's own open-file limit."""

from __future__ import annotations

import resource

from testkit.processes import ApiProcess, ExecutorProcess


def _env(redis_url: str, executor_id: str) -> dict[str, str]:
    # The bench holds all its streams with one token: the per-caller stream cap must not be its limit.
    # It serves in development mode (any token) but validates responses as production does, not at
    # all (development's default re-checks every body against the spec: a test aid, not a cost a
    # deployment pays).
    return {
        "HARNESS_REDIS_URL": redis_url,
        "HARNESS_EXECUTOR_ID": executor_id,
        "HARNESS_MAX_STREAMS_PER_CALLER": "100000",
        "HARNESS_MAX_STREAMS": "100000",
        "HARNESS_VALIDATE_RESPONSES": "false",
    }


def api_process(
    redis_url: str, executor_id: str, *, with_executor: bool, name: str | None = None
) -> ApiProcess:
    """`serve` (`with_executor`: its in-process executor under `executor_id`) on a free port."""
    name = name or ("serve" if with_executor else "api")
    return ApiProcess(_env(redis_url, executor_id), with_executor=with_executor, name=name, detached=True)


def executor_process(redis_url: str, executor_id: str, name: str = "executor") -> ExecutorProcess:
    return ExecutorProcess(executor_id, _env(redis_url, executor_id), name=name, detached=True)


def raise_fd_limit(needed: int) -> int:
    """Raise this process's open-file limit (the servers inherit it) towards `needed`, within the
    hard limit: a held SSE stream costs a socket here, and one socket plus one Redis connection in
    the API. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft
