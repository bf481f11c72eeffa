"""Long tables are drawn plainly, and look as rich draws them.

Why: rich lays out every cell through its renderables, about 1.7 ms a row of the
chains table, so a state's 23,405 chains at 1M took 39 s to print as a table.
Past ``RICH_TABLE_ROWS`` rows, :func:`statecrime.output.plain_table` draws the
table instead. An analyst must not be able to tell: the same box, the same
column widths, the same folding, the same cells (no markup read, the same
control codes stripped). These tests compare its lines with rich's own.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from statecrime.output import RICH_TABLE_ROWS, OutputFormat, emit, flat, plain_table

COLUMNS = ["#", "grading", "hops", "chain", "sources"]


def _rows(n: int) -> list[dict]:
    rows = [
        {
            "#": i,
            "grading": "B2",
            "hops": 1 + i % 4,
            "chain": " ".join(
                f"Synthetic Person {i * 7919 % 100_003} -TASKS->" for _ in range(1 + i % 3)
            )
            + f" Synthetic Company {i}",
            "sources": ["statecrime benchmarks, 2026-01-01", "Publisher Two, n.d."],
        }
        for i in range(1, n + 1)
    ]
    rows.append(
        {
            "#": n + 1,
            "grading": "F6",
            "hops": 1,
            "chain": "名字 Группа\nsecond line\x07 averyveryverylongwordwithoutanyspaces_0123456789",
            "sources": "[bold]not markup[/bold] =HYPERLINK(x)",
        }
    )
    return rows


def _rich(rows: list[dict], width: int, title: str) -> str:
    out = io.StringIO()
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(flat(row.get(c))) for c in COLUMNS))
    Console(file=out, soft_wrap=False, width=width).print(table)
    return out.getvalue()


def _plain(rows: list[dict], width: int, title: str) -> str:
    cells = [[flat(row.get(c)) for c in COLUMNS] for row in rows]
    return "".join(line + "\n" for line in plain_table(COLUMNS, cells, width, title))


@pytest.mark.parametrize("width", [60, 80, 120, 250])
def test_plain_table_is_richs_table(width: int) -> None:
    rows = _rows(40)
    assert _plain(rows, width, "Proxy chains from s1 (41)") == _rich(
        rows, width, "Proxy chains from s1 (41)"
    )


def test_plain_table_keeps_every_character_when_very_narrow() -> None:
    rows = _rows(12)

    def characters(text: str) -> Counter[str]:
        return Counter(c for c in text if not c.isspace() and c not in "│┃━─┏┓┳┡┩╇└┘┴")

    # at 30 columns rich leaves a blank line where a folded word fills its cell, so the
    # lines differ; what is printed is the same
    assert characters(_plain(rows, 30, "T")) == characters(_rich(rows, 30, "T"))


def test_long_tables_are_printed_whole_and_plain(capsys) -> None:
    rows = _rows(RICH_TABLE_ROWS + 50)
    emit(OutputFormat.table, "chains", {}, rows, COLUMNS, title="Proxy chains")
    printed = capsys.readouterr().out
    assert printed == _rich(rows, Console().width, "Proxy chains")
    assert "[bold]not markup[/bold]" in printed and "\x07" not in printed
    assert f"│ {RICH_TABLE_ROWS + 51} " in printed
