"""A table of strings printed two ways: aligned plain text for the terminal, Markdown for
BENCHMARKS.md. The first column is left-aligned, the others right-aligned."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    def _widths(self) -> list[int]:
        return [max(len(row[i]) for row in [self.columns, *self.rows]) for i in range(len(self.columns))]

    def text(self) -> list[str]:
        widths = self._widths()

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

        rule = "-" * len(line(self.columns))
        return [rule, line(self.columns), rule, *(line(r) for r in self.rows), rule]

    def markdown(self) -> list[str]:
        def cell(text: str) -> str:
            # Markdown drops leading spaces; an indented (subordinate) row keeps its indent.
            indent = len(text) - len(text.lstrip(" "))
            return "&emsp;" * (indent // 2) + text.lstrip(" ").replace("|", "\\|")

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(cell(c) for c in cells) + " |"

        align = ["---", *("---:" for _ in self.columns[1:])]
        return [line(self.columns), "|" + "|".join(align) + "|", *(line(r) for r in self.rows)]
