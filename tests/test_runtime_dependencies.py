"""`make run` installs the runtime dependencies only (no `[dev]` extra): everything the server and
the operator commands import must come with those, or a lean install fails at start-up."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
LOCAL = {"server", "harness_cli", "generated"}
# Loaded only behind conformance's ImportError guard: schemathesis comes with the dev extra.
DEV_ONLY = {ROOT / "harness_cli" / "conformance" / name for name in ("runner.py", "fuzz.py", "schema.py")}


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def runtime_closure() -> set[str]:
    """agent-harness's dependencies without its own extras, and theirs, transitively (following the
    extras a dependency is asked for with, like `PyJWT[crypto]`)."""
    seen: set[tuple[str, str]] = set()
    todo = [("agent-harness", "")]
    while todo:
        distribution, extra = todo.pop()
        for line in requires(distribution) or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
                continue
            name = _name(requirement.name)
            for wanted in ("", *sorted(requirement.extras)):
                if (name, wanted) not in seen:
                    seen.add((name, wanted))
                    todo.append((name, wanted))
    return {name for name, _ in seen}


def imported_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in [*(ROOT / "server").rglob("*.py"), *(ROOT / "harness_cli").rglob("*.py")]:
        if path in DEV_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in LOCAL and top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, path)
    return found


def test_what_serving_imports_comes_with_the_runtime_dependencies() -> None:
    closure = runtime_closure()
    providers = packages_distributions()
    missing = {
        module: str(path.relative_to(ROOT))
        for module, path in imported_modules().items()
        if not {_name(d) for d in providers.get(module, [])} & closure
    }
    assert not missing, f"imported but not a runtime dependency (move it out of [dev]): {missing}"
