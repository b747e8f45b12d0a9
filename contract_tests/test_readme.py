"""The README's shell snippets, run as a newcomer pastes them, against what `make run` serves.

The convention README.md follows:
- Every ```sh or ```bash fenced block runs, top to bottom, in ONE bash session under
  `set -euo pipefail`, so a variable a block sets (`S=$(curl ... | jq -r .data.id)`) is there for
  the blocks after it, and any command failing fails the test.
- A block right after the line `<!-- readme-test: skip -->` does not run: `make run` itself, a server
  started "in another terminal", settings or commands meant for a deployment.
- Snippets reach the server at `http://127.0.0.1:8080` (where `make run` listens). The test serves
  `agent-harness serve --agents examples/agents` on a free port instead, with loopback egress allowed
  (as `make run` does) and the test Redis, and points every `http://127.0.0.1:8080` at it. The demo MCP
  server the README starts in another terminal (port 8765) the test starts too, on a free port, with
  the `approver` agent's URL pointed at it.
- A call expected to succeed uses `curl -fsS` (an HTTP error fails it). A call expected to be refused
  prints its status with `-w '\\nHTTP %{http_code}\\n'`; the `HTTP nnn` lines the run prints must be
  those of the README's sample outputs (```text blocks), in order. A call that prints its status on
  success (`-w 'HTTP %{http_code}\\n'`) takes part the same way.
- The sample outputs show what the server sends: each streamed turn's `event:` types, in order, must
  be those its sample shows (`data:` lines may be cut short with `...`); for a turn the sample shows
  cancelled, only the first and last, since how far it got before the cancel is timing.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from testkit.processes import ApiProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SKIP = "<!-- readme-test: skip -->"
MAKE_RUN_ROOT = "http://127.0.0.1:8080"
DEMO_MCP_URL = "http://127.0.0.1:8765/mcp"
RUN_EGRESS = '["127.0.0.0/8","::1/128"]'
_FENCE = re.compile(r"^```(\w*)\s*$")
_STATUS = re.compile(r"^HTTP (\d{3})$", re.MULTILINE)


def blocks(text: str) -> list[tuple[str, str, bool]]:
    """Each fenced block as (language, body, skipped), in the file's order."""
    found: list[tuple[str, str, bool]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        before = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
        end = next(n for n in range(index + 1, len(lines)) if lines[n].startswith("```"))
        found.append((opening.group(1), "\n".join(lines[index + 1 : end]), before == SKIP))
        index = end + 1
    return found


def runnable(text: str) -> list[str]:
    return [body for language, body, skipped in blocks(text) if language in ("sh", "bash") and not skipped]


def documented_statuses(text: str) -> list[str]:
    return [
        code for language, body, _ in blocks(text) if language == "text" for code in _STATUS.findall(body)
    ]


def test_the_convention_picks_the_blocks_a_newcomer_would_paste() -> None:
    text = README.read_text()
    scripts = runnable(text)
    assert scripts, "the README has no shell snippets to run"
    assert not any(re.search(r"^make run\b", s, re.MULTILINE) for s in scripts), "`make run` must be skipped"
    assert any(MAKE_RUN_ROOT in s for s in scripts), f"the snippets should reach {MAKE_RUN_ROOT}"
    # No id pasted from someone else's run: ids come from the responses (`$(... | jq -r ...)`).
    for script in scripts:
        assert not re.search(r"\b01[0-9a-z]{24}\.[a-z]\b|call_01[0-9a-z]{24}", script), script


def samples(text: str) -> str:
    return "\n".join(body for language, body, _ in blocks(text) if language == "text")


@dataclass
class Stream:
    events: list[str] = field(default_factory=list)
    cancelled: bool = False


def streams(output: str) -> list[Stream]:
    """The SSE streams in `output` (a run's, or the samples'): their event types, in order, each
    stream starting at its `turn.created`; and whether it ended cancelled."""
    found: list[Stream] = []
    for event, data in re.findall(r"^event: (\S+)\ndata: (.*)$", output, re.MULTILINE):
        if event == "turn.created" or not found:
            found.append(Stream())
        found[-1].events.append(event)
        if event == "turn.done" and '"status":"cancelled"' in data:
            found[-1].cancelled = True
    return found


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def demo_mcp_port() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "mcp" / "demo_server.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            assert process.poll() is None, "the demo MCP server exited"
            assert time.monotonic() < deadline, "the demo MCP server did not listen within 30s"
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def agents_dir(tmp_path: Path, demo_mcp_port: int) -> Path:
    """examples/agents, with the approver pointed at the demo MCP server on its free port."""
    directory = tmp_path / "agents"
    directory.mkdir()
    for manifest in (ROOT / "examples" / "agents").glob("*.yaml"):
        (directory / manifest.name).write_text(manifest.read_text())
    approver = directory / "approver.yaml"
    assert DEMO_MCP_URL in approver.read_text()
    approver.write_text(approver.read_text().replace(DEMO_MCP_URL, f"http://127.0.0.1:{demo_mcp_port}/mcp"))
    return directory


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq") and shutil.which("bash")),
    reason="the README's snippets need bash, curl and jq (`make test` installs them with apt when missing)",
)
def test_the_readme_snippets_run_as_pasted(redis_url: str, agents_dir: Path, tmp_path: Path) -> None:
    text = README.read_text()
    env = {"HARNESS_REDIS_URL": redis_url, "HARNESS_EGRESS_ALLOW_NETWORKS": RUN_EGRESS}
    api = ApiProcess(env, with_executor=True, agents=agents_dir).start()
    try:
        script = "set -euo pipefail\n" + "\n".join(runnable(text)).replace(MAKE_RUN_ROOT, api.root)
        work = tmp_path / "work"
        work.mkdir()
        ran = subprocess.run(
            ["bash", "-c", script],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"},
        )
        report = f"exit {ran.returncode}\n--- stdout\n{ran.stdout[-6000:]}\n--- stderr\n{ran.stderr[-3000:]}"
        assert ran.returncode == 0, f"{report}\n--- server\n{api.log_tail()}"
        assert _STATUS.findall(ran.stdout) == documented_statuses(text), report
        printed, shown = streams(ran.stdout), streams(samples(text))
        assert len(printed) == len(shown), report
        for run, sample in zip(printed, shown, strict=True):
            if sample.cancelled:  # how far a turn got before its cancel is timing: its ends are not
                assert [run.events[0], run.events[-1]] == [sample.events[0], sample.events[-1]], report
            else:
                assert run.events == sample.events, report
    finally:
        api.stop()
