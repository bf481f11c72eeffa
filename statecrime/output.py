"""What commands print: a rich table, stable JSON, or CSV.

``--format`` is only ever about what a command prints. JSON is one object with
``schemaVersion`` (bumped on any incompatible change), ``command`` and the
command's own keys, documented in the README with an example per command. CSV
and tables print one flat row per item; nested values (lists, evidence) are
joined so the row stays one line.

CSV is what a spreadsheet opens, and a spreadsheet runs a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula: a name such as
``=HYPERLINK(...)`` in the data would run for whoever opens the output. So text
cells that start so are printed with a ``'`` before them (OWASP's advice on CSV
injection); numbers are printed as they are. This is only what commands print:
record files and Neo4j import files (:mod:`statecrime.views.export`) stay exact.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, TextIO

import orjson
from rich.cells import cell_len, get_character_cell_size
from rich.console import Console
from rich.control import strip_control_codes
from rich.table import Table
from rich.text import Text

SCHEMA_VERSION = 1


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def console() -> Console:
    """The console tables and messages go to (stdout; messages for humans go to stderr)."""
    return Console(soft_wrap=False)


def err_console() -> Console:
    return Console(stderr=True)


def json_document(command: str, payload: Mapping[str, Any]) -> bytes:
    """The JSON a command prints: versioned, keys in a stable order, UTF-8."""
    document = {"schemaVersion": SCHEMA_VERSION, "command": command, **payload}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def flat(value: Any) -> str:
    """One cell: lists joined by '; ', mappings as k=v, None as empty."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:  # most cells; the Mapping check below is an ABC's, slow per cell
        return value
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={flat(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(flat(v) for v in value)
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell as ``-f csv`` prints it: text that a spreadsheet would run is defused.

    >>> print(csv_cell('=HYPERLINK("http://x")'), csv_cell("-5"), csv_cell(-5), csv_cell("Corp"))
    '=HYPERLINK("http://x") '-5 -5 Corp
    """
    cell = flat(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return cell
    if cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def emit(
    fmt: OutputFormat,
    command: str,
    payload: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    title: str | None = None,
) -> None:
    """Print a command's result in the format asked for.

    ``payload`` is the whole JSON document body; ``rows`` and ``columns`` are
    the flat view of it for tables and CSV.
    """
    if fmt is OutputFormat.json:
        sys.stdout.buffer.write(json_document(command, payload) + b"\n")
        sys.stdout.flush()
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([csv_cell(c) for c in columns])
        for row in rows:
            writer.writerow([csv_cell(row.get(c)) for c in columns])
    elif len(rows) > RICH_TABLE_ROWS:
        out = console()
        cells = [[flat(row.get(c)) for c in columns] for row in rows]
        write_lines(plain_table(list(columns), cells, out.width, title), sys.stdout)
    else:
        # Text cells, not strings: names from the data must never be read as rich markup.
        table = Table(title=title, show_lines=False, header_style="bold")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(Text(flat(row.get(c))) for c in columns))
        console().print(table)


RICH_TABLE_ROWS = 200
"""Tables of more rows than this are drawn by :func:`plain_table`, not by rich.

Why: rich measures and lays out every cell through its renderables, about 1.7 ms
of CPU a row of the chains table: 39 s for a state's 23,405 chains at 1M, twenty
times the search. :func:`plain_table` draws the same box, cells and folding
plainly, in a few microseconds a cell. Smaller tables keep rich (its bold header,
its exact column widths)."""


def write_lines(lines: Iterator[str], stream: TextIO, chunk: int = 2_000) -> None:
    """Write ``lines`` to ``stream`` a few thousand at a time (one write per line is slow)."""
    batch: list[str] = []
    for text in lines:
        batch.append(text)
        if len(batch) >= chunk:
            stream.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        stream.write("\n".join(batch) + "\n")
    stream.flush()


def _cells(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _chop(word: str, width: int) -> Iterator[str]:
    """``word`` cut into pieces at most ``width`` cells wide (rich's "fold")."""
    if word.isascii():
        for start in range(0, len(word), width):
            yield word[start : start + width]
        return
    piece, used = "", 0
    for char in word:
        size = get_character_cell_size(char)
        if used + size > width and piece:
            yield piece
            piece, used = "", 0
        piece += char
        used += size
    yield piece


def fold(line: str, width: int) -> list[str]:
    """One line of a cell wrapped at spaces into ``width`` cells, long words cut."""
    if _cells(line) <= width:
        return [line]
    out: list[str] = []
    current, used = "", 0
    for word in line.split(" "):
        size = _cells(word)
        if current and used + 1 + size <= width:
            current, used = f"{current} {word}", used + 1 + size
            continue
        if current:
            out.append(current)
        if size > width:
            *whole, word = _chop(word, width)
            out += whole
            size = _cells(word)
        current, used = word, size
    out.append(current)
    return out


def _ratio_reduce(total: int, ratios: list[int], most: list[int], values: list[int]) -> list[int]:
    """``total`` taken off ``values`` by ``ratios``, at most ``most`` each (as rich does)."""
    ratios = [ratio if top else 0 for ratio, top in zip(ratios, most, strict=True)]
    left, weight, out = total, sum(ratios), []
    for ratio, top, value in zip(ratios, most, values, strict=True):
        if ratio and weight > 0:
            taken = min(top, round(ratio * left / weight))
            out.append(value - taken)
            left -= taken
            weight -= ratio
        else:
            out.append(value)
    return out


def _widths(columns: list[str], lines: list[list[list[str]]], width: int) -> list[int]:
    """The columns' text widths, chosen as rich's table chooses them for folded columns.

    Each column wants its longest line; while the table is too wide, the widest
    columns give way to the next widest, then all give way evenly.
    """
    natural = [
        2 + max([_cells(h)] + [_cells(part) for row in lines for part in row[i]])
        for i, h in enumerate(columns)
    ]
    room = width - (len(columns) + 1)  # the bars between and around the cells
    widths = list(natural)
    if sum(widths) > room:
        excess = sum(widths) - room
        while excess > 0:
            widest = max(widths)
            step = widest - max(w if w != widest else 0 for w in widths)
            if not step:
                break
            ratios = [1 if w == widest else 0 for w in widths]
            widths = _ratio_reduce(excess, ratios, [min(excess, step)] * len(widths), widths)
            excess = sum(widths) - room
        if excess > 0:
            widths = _ratio_reduce(excess, [1] * len(widths), widths, widths)
        widths = [min(n, w) for n, w in zip(natural, widths, strict=True)]
    return [max(1, w - 2) for w in widths]


def plain_table(
    columns: list[str], cells: list[list[str]], width: int, title: str | None = None
) -> Iterator[str]:
    """The lines of a table as rich draws one (heavy head, folded cells), drawn plainly.

    The cells are shown as rich shows :class:`~rich.text.Text`: no markup is read,
    the control codes rich strips are stripped, tabs are expanded, a newline
    starts a new line of the cell. Lines are wider than ``width`` only when the
    columns cannot be narrower.
    """
    clean: dict[str, list[str]] = {}  # cells repeat (gradings, sources): each cleaned once

    def lines_of(cell: str) -> list[str]:
        found = clean.get(cell)
        if found is None:
            if cell.isprintable():  # no control code, tab or newline: most cells
                found = clean[cell] = [cell]
            else:
                found = clean[cell] = strip_control_codes(cell).expandtabs(8).split("\n")
        return found

    lines = [[lines_of(cell) for cell in row] for row in cells]
    widths = _widths(columns, lines, width)
    total = sum(widths) + 3 * len(widths) + 1
    if title:
        yield title.center(total) if _cells(title) < total else title
    drawn: list[dict[int, list[str]]] = [{} for _ in widths]  # by id of the cleaned cell

    def padded(column: int, cell: list[str]) -> list[str]:
        found = drawn[column].get(id(cell))
        if found is None:
            w = widths[column]
            found = [f" {p}{' ' * (w - _cells(p))} " for line in cell for p in fold(line, w)]
            drawn[column][id(cell)] = found
        return found

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + right

    blanks = [" " * (w + 2) for w in widths]

    def row_lines(row: list[list[str]], bar: str, bottom: bool = False) -> Iterator[str]:
        parts = [padded(i, cell) for i, cell in enumerate(row)]
        height = max(len(p) for p in parts)
        if bottom:  # header cells sit on the rule below them
            parts = [[blanks[i]] * (height - len(p)) + p for i, p in enumerate(parts)]
        for n in range(height):
            texts = [p[n] if n < len(p) else blanks[i] for i, p in enumerate(parts)]
            yield bar + bar.join(texts) + bar

    yield rule("┏", "━", "┳", "┓")
    yield from row_lines([[h] for h in columns], "┃", bottom=True)
    yield rule("┡", "━", "╇", "┩")
    for row in lines:
        yield from row_lines(row, "│")
    yield rule("└", "─", "┴", "┘")
