"""The settings reference, generated from `Settings`: the README's table and `.env.example`.

`make docs-settings` (`python -m server.settings_reference`) rewrites both from the class, so a setting
added anywhere in server/config.py reaches the docs with one command; `--check` (and
tests/test_settings_reference.py) fails while either disagrees with the code.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from pydantic.fields import FieldInfo

from server.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"
BEGIN = "<!-- settings-reference:begin: generated from server/config.py by `make docs-settings` -->"
END = "<!-- settings-reference:end -->"
_DAY = 24 * 3600


def env_name(field: str) -> str:
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


def env_names() -> dict[str, str]:
    """Every variable the settings read, mapped to its field."""
    return {env_name(field): field for field in Settings.model_fields}


def _env_value(value: object) -> str:
    """A value as it is written in the environment (pydantic-settings parses lists and dicts as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict | tuple):
        return json.dumps(value)
    return str(value)


def default_value(info: FieldInfo) -> str | None:
    """The default as it would be written in the environment; None when unset or computed per process."""
    factory = info.default_factory
    if factory is not None:
        # Builtin containers are fixed values; any other factory computes one per process.
        return _env_value(factory()) if factory in (list, dict, tuple, set) else None
    return None if info.default is None else _env_value(info.default)


def _readable(field: str, value: str) -> str:
    """A gloss for large round figures: `604800` seconds is 7 days."""
    try:
        number = float(value)
    except ValueError:
        return ""
    if field.endswith("_seconds") and number >= _DAY and number % _DAY == 0:
        return f" ({number / _DAY:g} days)"
    if field.endswith("_bytes") and number >= 1024 * 1024 and number % (1024 * 1024) == 0:
        return f" ({number / (1024 * 1024):g} MiB)"
    return ""


def _default_cell(field: str, info: FieldInfo) -> str:
    value = default_value(info)
    if value is not None:
        return f"`{value}`{_readable(field, value)}"
    return "computed" if info.default_factory is not None else "unset"


def reference_table() -> str:
    """The Markdown table: variable, default, meaning, in the class's order."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for field, info in Settings.model_fields.items():
        meaning = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{env_name(field)}` | {_default_cell(field, info)} | {meaning} |")
    return "\n".join(lines)


def readme_with_table(readme: str) -> str:
    """`readme` with the text between the markers replaced by the current table."""
    head, begin, rest = readme.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"README.md lacks the settings-reference markers {BEGIN!r} ... {END!r}")
    return f"{head}{BEGIN}\n{reference_table()}\n{END}{tail}"


def env_example() -> str:
    """`.env.example`: every variable, commented out at its default, under its description."""
    out = [
        "# Every HARNESS_* variable the server reads, commented out at its default: uncomment one to",
        "# change it.",
        "# Generated from server/config.py by `make docs-settings`; do not edit by hand.",
        "# Lists and mappings are JSON. The reference table is in README.md (Configuration).",
    ]
    for field, info in Settings.model_fields.items():
        out.append("")
        out += textwrap.wrap(info.description or "", width=100, initial_indent="# ", subsequent_indent="# ")
        out.append(f"# {env_name(field)}={default_value(info) or ''}")
    return "\n".join(out) + "\n"


def stale_files() -> list[Path]:
    """The generated files that disagree with the code."""
    stale = []
    if README.read_text() != readme_with_table(README.read_text()):
        stale.append(README)
    if not ENV_EXAMPLE.exists() or ENV_EXAMPLE.read_text() != env_example():
        stale.append(ENV_EXAMPLE)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the files are current")
    args = parser.parse_args(argv)
    stale = stale_files()
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} disagrees with server/config.py: run `make docs-settings`")
        return 1 if stale else 0
    README.write_text(readme_with_table(README.read_text()))
    ENV_EXAMPLE.write_text(env_example())
    for path in stale:
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
