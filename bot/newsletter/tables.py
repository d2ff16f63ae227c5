"""Tables in a story: kept as one paragraph in Markdown's pipe form, rendered as an HTML table.

A table paragraph is a header row, a separator row and body rows, every line starting and
ending with "|" ("| Year | Visitors |", "| --- | --- |", "| 2021 | 30 |"); importers of Word
and Markdown produce it, the renderer turns it into a table WeChat keeps.
"""

from __future__ import annotations

import re

# More columns than this do not fit a phone's width (about 340 CSS pixels of text).
PHONE_COLUMNS = 4
# Nor does a row whose widest cells add up to more characters than this at the article's size.
PHONE_ROW_CHARS = 60

_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    cells, current, escaped = [], "", False
    for char in inner:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def is_table(paragraph: str) -> bool:
    """True for a pipe table: at least a header and a separator row, each line in pipes."""
    lines = paragraph.split("\n")
    if len(lines) < 2 or not all(
        line.strip().startswith("|") and line.strip().endswith("|") and len(line.strip()) > 1
        for line in lines
    ):
        return False
    return all(_SEPARATOR_CELL.match(cell) for cell in _cells(lines[1]))


def rows(paragraph: str) -> list[list[str]]:
    """The rows of a table paragraph (header first, separator left out), each padded to width."""
    lines = paragraph.split("\n")
    found = [_cells(line) for i, line in enumerate(lines) if i != 1]
    width = max(len(row) for row in found)
    return [row + [""] * (width - len(row)) for row in found]


def _escape(cell: str) -> str:
    return " ".join(cell.replace("\\", "\\\\").replace("|", "\\|").split())


def to_paragraph(table: list[list[str]]) -> str:
    """Rows (header first) as a pipe table paragraph; ragged rows are padded."""
    width = max((len(row) for row in table), default=0)
    table = [row + [""] * (width - len(row)) for row in table]
    lines = ["| " + " | ".join(_escape(c) for c in row) + " |" for row in table]
    lines.insert(1, "| " + " | ".join(["---"] * width) + " |")
    return "\n".join(lines)


def too_wide(paragraph: str) -> str | None:
    """Why the table would not fit a phone's width, or None when it does."""
    table = rows(paragraph)
    columns = len(table[0])
    if columns > PHONE_COLUMNS:
        return f"{columns} columns (a phone shows at most {PHONE_COLUMNS})"
    widest = [max(len(row[c]) for row in table) for c in range(columns)]
    # Long cells wrap; what cannot wrap is the longest word of each column side by side.
    words = [
        max((len(w) for row in table for w in row[c].split()), default=0) for c in range(columns)
    ]
    if sum(words) > PHONE_ROW_CHARS:
        return f"words too long to wrap in {columns} columns ({sum(widest)} characters a row)"
    return None
