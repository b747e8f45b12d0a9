"""Who may import whom, read from every module's imports (ast: nothing is imported or run).

The shipped packages (server/, harness_cli/) never depend on test support. The support the tests and
the bench share lives in testkit/, so bench/ and contract_tests/ do not reach into each other (a
contract test may run the bench in a subprocess: that is no import), and the unit tests (tests/) need
no contract test module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["server", "harness_cli", "testkit", "bench", "contract_tests", "tests", "deploy"]

# package -> the top-level packages of this repository it must not import.
FORBIDDEN = {
    "server": {"testkit", "bench", "contract_tests", "tests", "deploy"},
    "harness_cli": {"server", "testkit", "bench", "contract_tests", "tests", "deploy"},
    "testkit": {"bench", "contract_tests", "tests", "deploy"},
    "bench": {"contract_tests", "tests"},
    "contract_tests": {"bench", "tests"},
    "tests": {"contract_tests"},
    "deploy": {"bench", "contract_tests", "tests"},
}
# The one import across: `agent-harness` (server/cli.py) offers the client's subcommands too. The
# client never imports the server, so it runs with the generated client alone.
ALLOWED = {("server", "server/cli.py", "harness_cli")}


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """Each absolute import's top-level package, with its line (relative imports stay inside)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def violations(package: str) -> list[str]:
    found = []
    for path in modules(package):
        relative = path.relative_to(ROOT).as_posix()
        for line, top in imported(path):
            if top in FORBIDDEN[package] and (package, relative, top) not in ALLOWED:
                found.append(f"{relative}:{line} imports {top}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_layers_beneath_it(package: str) -> None:
    assert list(modules(package)), f"no modules under {package}/"
    assert violations(package) == []


def test_the_check_sees_imports_in_functions_and_from_forms(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import bench.load\n\ndef f():\n    from contract_tests.faults import RedisProxy\n")
    assert sorted(top for _, top in imported(module)) == ["bench", "contract_tests"]
