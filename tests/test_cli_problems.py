"""A refused load at real-data size, as the command line reports it; CSV output defused.

The real CLI in-process (typer's runner) on a store folder of its own.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from statecrime.cli import app
from tests.support.cli_stores import store_loaded_with

RECORDS = """
sources:
  - {id: s1, publisher: "HM Treasury", title: "A notice", date: 2024-10-01}
entities:
  - {id: ru, kind: State, name: Russia, country: RU}
  - {id: f1, kind: OrganisedCrimeGroup, name: "=HYPERLINK(\\"http://evil.example/\\", \\"x\\")"}
  - {id: f2, kind: OrganisedCrimeGroup, name: "@SUM(1+1)*cmd|' /C calc'!A0"}
  - {id: f3, kind: OrganisedCrimeGroup, name: "+cmd|' /C notepad'!'A1'"}
  - {id: f4, kind: OrganisedCrimeGroup, name: "-2+3", aliases: ["\\tTabbed", "\\rReturned"]}
  - {id: f5, kind: OrganisedCrimeGroup, name: "Plain Gang"}
"""

BAD_LINES = 718


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return store_loaded_with(tmp_path_factory, "cli-problems-store", RECORDS)


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    """718 sources with an impossible date, then 2 with an unknown field."""
    lines = [
        json.dumps(
            {"id": f"b{n}", "kind": "Source", "name": "S", "date": f"2024-13-{n % 28 + 1:02d}"}
        )
        for n in range(BAD_LINES)
    ]
    lines += [
        json.dumps({"id": f"c{n}", "kind": "Source", "name": "S", "colour": "red"})
        for n in range(2)
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(store: str) -> dict[str, int]:
    result = CliRunner().invoke(app, ["--store", store, "-f", "json", "stats"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["totals"]


def test_json_refusal_prints_every_problem_on_stdout(cli_store: str, bad_file: Path) -> None:
    before = counts(cli_store)
    result = CliRunner().invoke(app, ["--store", cli_store, "-f", "json", "load", str(bad_file)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["command"] == "load" and document["refused"] is True
    assert document["problemCount"] == BAD_LINES + 2 == len(document["problems"])
    first = document["problems"][0]
    assert first == {
        "file": str(bad_file),
        "record": "line 1 (id 'b0')",
        "field": "date",
        "message": "'2024-13-01' is not a valid date: month must be in 1..12",
    }
    groups = {(g["field"], g["count"]) for g in document["groups"]}
    assert ("date", BAD_LINES) in groups and ("colour", 2) in groups
    assert counts(cli_store) == before


def test_terminal_refusal_groups_repeats(cli_store: str, bad_file: Path) -> None:
    result = CliRunner().invoke(app, ["--store", cli_store, "load", str(bad_file)])
    assert result.exit_code == 1
    err = " ".join(result.stderr.split())  # rich wraps long lines
    assert f"{BAD_LINES + 2} problem(s)" in err
    assert f"bad.jsonl: {BAD_LINES} lines, field 'date':" in err
    assert "2 lines, field 'colour': unknown field" in err
    assert "and 718 more" not in err and "--problems FILE" in err
    assert len(result.stderr.splitlines()) < 20


def test_problems_file_holds_every_problem(cli_store: str, bad_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "problems.jsonl"
    result = CliRunner().invoke(
        app, ["--store", cli_store, "load", "--problems", str(out), str(bad_file)]
    )
    assert result.exit_code == 1
    problems = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(problems) == BAD_LINES + 2
    assert {p["record"].split(" (")[0] for p in problems} == {
        f"line {n}" for n in range(1, BAD_LINES + 3)
    }
    assert all(set(p) == {"file", "record", "field", "message"} for p in problems)
    assert f"every problem is written to {out}" in " ".join(result.stderr.split())

    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "ok1", "kind": "State", "name": "Fine"}) + "\n", "utf-8")
    result = CliRunner().invoke(
        app, ["--store", cli_store, "load", "--problems", str(out), str(good)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8") == "", "a successful load leaves an empty problems file"


def test_csv_output_defuses_formulas(cli_store: str) -> None:
    result = CliRunner().invoke(
        app, ["--store", cli_store, "-f", "csv", "search", "a", "--limit", "50"]
    )
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["f1"]["name"] == '\'=HYPERLINK("http://evil.example/", "x")'
    assert rows["f2"]["name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows["f3"]["name"] == "'+cmd|' /C notepad'!'A1'"
    assert rows["f4"]["name"] == "'-2+3"
    assert rows["f5"]["name"] == "Plain Gang"
    assert rows["ru"]["name"] == "Russia"
    for row in rows.values():
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r", row


def test_csv_output_defuses_cypher_columns_and_keeps_numbers(cli_store: str) -> None:
    result = CliRunner().invoke(
        app,
        ["--store", cli_store, "-f", "csv", "cypher", "RETURN -5 AS `=n`, '\tx' AS t, '-5' AS s"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["'=n,t,s", "-5,'\tx,'-5"]


def test_json_output_stays_exact(cli_store: str) -> None:
    result = CliRunner().invoke(app, ["--store", cli_store, "-f", "json", "show", "f2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entity"]["name"] == "@SUM(1+1)*cmd|' /C calc'!A0"
