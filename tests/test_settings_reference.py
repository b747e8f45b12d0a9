"""The settings are configured in one place: `server/config.py`, documented from it, read only by it."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SUITE_HARNESS_VARIABLES
from server import settings_reference
from server.config import Settings

ROOT = Path(__file__).resolve().parent.parent
# `HARNESS_` not preceded by a name character: `AGENT_HARNESS_URL` (the CLI's client side) is not one.
HARNESS_VARIABLE = re.compile(r"(?<![A-Za-z0-9_])HARNESS_[A-Z0-9_]+")


def test_every_setting_has_a_description() -> None:
    missing = [name for name, info in Settings.model_fields.items() if not (info.description or "").strip()]
    assert missing == [], f"give these settings a Field(description=...): {missing}"


def test_the_readme_table_and_env_example_are_generated_from_the_class() -> None:
    stale = settings_reference.stale_files()
    assert stale == [], f"{[p.name for p in stale]} disagree with server/config.py: run `make docs-settings`"


def test_the_table_lists_every_variable_once_with_its_default() -> None:
    table = settings_reference.reference_table()
    for name, field in settings_reference.env_names().items():
        rows = [line for line in table.splitlines() if line.startswith(f"| `{name}` |")]
        assert len(rows) == 1, name
        default = settings_reference.default_value(Settings.model_fields[field])
        if default is not None:
            assert f"`{default}`" in rows[0]
    assert "| `HARNESS_CANCEL_TIMEOUT_SECONDS` | `10.0` |" in table
    assert "| `HARNESS_ZONES` | `{}` |" in table
    assert "| `HARNESS_REDIS_URL` | unset |" in table
    assert "| `HARNESS_EXECUTOR_ID` | computed |" in table  # random per process: no fixed value


def test_the_env_example_defaults_parse_back_to_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uncommenting every line of .env.example that has a value changes nothing."""
    assignments = [
        line.removeprefix("# ").split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("# HARNESS_")
    ]
    assert {name for name, _ in assignments} == set(settings_reference.env_names())
    for name in SUITE_HARNESS_VARIABLES:  # the suite's own, not a default
        monkeypatch.delenv(name)
    for name, value in assignments:
        if value:
            monkeypatch.setenv(name, value)
    assert Settings().model_dump(exclude={"executor_id"}) == Settings.model_construct().model_dump(
        exclude={"executor_id"}
    )


def _environment_reads(path: Path) -> list[tuple[int, str]]:
    """(line, variable) for each `os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)` naming a
    literal `HARNESS_*` variable, however the call is spread over lines."""
    reads = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        target: ast.expr | None = None
        if isinstance(node, ast.Subscript):
            target = node.value
            arguments: list[ast.expr] = [node.slice]
        elif isinstance(node, ast.Call):
            target = node.func
            arguments = list(node.args)
        if target is None or not re.search(r"\benviron\b|\bgetenv\b", ast.unparse(target)):
            continue
        for argument in arguments:
            for constant in ast.walk(argument):
                value = constant.value if isinstance(constant, ast.Constant) else None
                if isinstance(value, str) and HARNESS_VARIABLE.match(value):
                    reads.append((node.lineno, value))
    return reads


def test_no_harness_variable_is_read_outside_the_settings_module() -> None:
    offenders = []
    for package in ("server", "harness_cli"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "server" / "config.py":
                continue
            offenders += [
                f"{path.relative_to(ROOT)}:{line}: {name}" for line, name in _environment_reads(path)
            ]
            # The plain grep too, for reads the AST walk cannot see (a name built at run time).
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"environ|getenv", line) and HARNESS_VARIABLE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "read these through server.config.Settings instead:\n" + "\n".join(offenders)


def test_the_check_catches_a_read_outside_the_settings_module(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        'import os\nurl = os.environ.get(\n    "HARNESS_REDIS_URL"\n)\n'
        'client = os.getenv("AGENT_HARNESS_URL")\n'
    )
    assert _environment_reads(sneaky) == [(2, "HARNESS_REDIS_URL")]


@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [
        ("HARNESS_CANCEL_TIMEOUT_SECONDS", "abc", "serve"),
        ("HARNESS_ZONE", "Not A Zone", "executor"),
        ("HARNESS_ZONES", "{not json", "serve"),
    ],
)
def test_an_invalid_value_stops_the_server_with_one_line_naming_it(
    variable: str, value: str, command: str
) -> None:
    env = {**os.environ, variable: value, "HARNESS_REDIS_URL": "redis://127.0.0.1:1/0"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert variable in lines[0] and "Traceback" not in done.stderr
    assert lines[0].startswith("agent-harness: invalid settings:")


def test_a_secret_is_named_but_not_echoed() -> None:
    from pydantic import ValidationError

    from server.cli import invalid_settings_message

    with pytest.raises(ValidationError) as raised:
        Settings(jwt_secret=["hunter2"])
    message = invalid_settings_message(raised.value)
    assert "HARNESS_JWT_SECRET" in message and "hunter2" not in message
