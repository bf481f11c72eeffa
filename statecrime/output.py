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
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import orjson
from rich.console import Console
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
    else:
        # Text cells, not strings: names from the data must never be read as rich markup.
        table = Table(title=title, show_lines=False, header_style="bold")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(Text(flat(row.get(c))) for c in columns))
        console().print(table)
