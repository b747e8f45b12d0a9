"""What `agent-harness serve` prints once it listens, read from the real process's output: the base
URL, the docs URL, the tenant and, in development mode, a token and a curl line that work as pasted."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from server.banner import SAMPLE_TOKEN
from testkit.processes import ApiProcess, wait_until


@pytest.fixture
def serve(redis_url: str) -> Iterator[Any]:
    started: list[ApiProcess] = []

    def start(**env: str) -> ApiProcess:
        process = ApiProcess({"HARNESS_REDIS_URL": redis_url, **env}, log_level="info").start()
        started.append(process)
        wait_until(lambda: "agent-harness is serving" in process.log.read_text(), 30, "the banner is out")
        return process

    yield start
    for process in started:
        process.stop()


def _banner_lines(process: ApiProcess) -> list[str]:
    lines = process.log_lines()
    first = next(i for i, line in enumerate(lines) if line.endswith("agent-harness is serving"))
    return [line.strip() for line in lines[first + 1 :] if line.startswith("  ")]


def test_the_text_banner_gives_the_urls_the_tenant_and_a_curl_line_that_works(serve: Any) -> None:
    process = serve(HARNESS_LOG_FORMAT="text")
    api, docs, token, curl = _banner_lines(process)[:4]
    assert api == f"API:    {process.root}/truefoundry   (tenant truefoundry)"
    assert docs == f"Docs:   {process.root}/docs/"
    assert token == f"Token:  development mode: any bearer token works, e.g. {SAMPLE_TOKEN}"
    command = curl.removeprefix("Try:    ")
    assert command.startswith("curl ")
    pasted = subprocess.run(
        [*shlex.split(command), "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30
    )
    body, status = pasted.stdout.rsplit("\n", 1)
    assert status == "200", pasted.stdout + pasted.stderr
    assert json.loads(body)["data"] == []


def test_the_banner_is_one_json_record_with_its_fields_when_not_on_a_terminal(serve: Any) -> None:
    process = serve()  # HARNESS_LOG_FORMAT unset: auto, and the output is a file, not a terminal
    records = [json.loads(line) for line in process.log_lines()]  # every line is JSON
    (banner,) = [r for r in records if r["message"].startswith("agent-harness is serving")]
    assert banner["base_url"] == f"{process.root}/truefoundry"
    assert banner["docs_url"] == f"{process.root}/docs/"
    assert banner["default_tenant"] == "truefoundry"
    assert banner["sample_token"] == SAMPLE_TOKEN


def test_with_a_jwt_key_the_banner_offers_no_token(serve: Any) -> None:
    process = serve(HARNESS_LOG_FORMAT="text", HARNESS_JWT_SECRET="s3cret-for-the-banner-test")
    lines = _banner_lines(process)
    assert not any(line.startswith("Try:") or SAMPLE_TOKEN in line for line in lines)
    assert lines[2].startswith("Token:  a JWT the configured keys verify")


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "--version"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"agent-harness {version('agent-harness')}"
