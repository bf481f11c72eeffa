"""The command line as an analyst uses it: load, look up, run Cypher, in each format.

These run the real CLI in-process (typer's runner) on a store folder of their
own, opened beside the session's store in the same Java runtime.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statecrime.graph.store import COUNT_BY_KIND, COUNT_BY_TYPE, Store
from tests.support.cli_stores import run, store_loaded_with

RECORDS = """
sources:
  - {id: s1, publisher: "HM Treasury", title: "A notice", date: 2024-10-01, url: "https://example.org/n"}
entities:
  - {id: ru, kind: State, name: Russia, country: RU}
  - {id: ru-fsb, kind: StateAgency, name: Federal Security Service, aliases: [FSB], country: RU}
  - {id: odd, kind: OrganisedCrimeGroup, name: "O'Neil \\"[bold]Gang[/bold]\\" \\\\ RETURN 1"}
links:
  - {source: ru-fsb, type: PART_OF, target: ru, grading: A1, sources: [s1], since: 1995}
  - {source: ru-fsb, type: PAYS, target: odd, grading: B2, sources: [s1]}
"""


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return store_loaded_with(tmp_path_factory, "cli-store", RECORDS)


def test_load_reports_added_then_unchanged(cli_store: str, tmp_path: Path) -> None:
    records = tmp_path / "again.yaml"
    records.write_text(RECORDS, encoding="utf-8")
    code, out = run(cli_store, "--format", "json", "load", str(records))
    assert code == 0, out
    document = json.loads(out)
    assert document["schemaVersion"] == 1 and document["command"] == "load"
    assert document["entities"] == {"added": 0, "updated": 0, "unchanged": 3}
    assert document["links"] == {"added": 0, "updated": 0, "unchanged": 2}


def test_a_folder_loads_the_record_files_in_it(cli_store: str, tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "again.yaml").write_text(RECORDS, encoding="utf-8")
    (folder / "notes.txt").write_text("not records", encoding="utf-8")
    code, out = run(cli_store, "--format", "json", "load", str(folder))
    assert code == 0, out
    document = json.loads(out)
    assert document["files"] == [str(folder / "again.yaml")]
    assert document["entities"]["unchanged"] == 3


def test_a_refused_load_exits_non_zero_and_names_the_record(cli_store: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    link = {"source": "ru", "type": "TASKS", "target": "nowhere", "grading": "B2", "sources": ["s1"]}
    bad.write_text(json.dumps(link) + "\n")
    code, out = run(cli_store, "load", str(bad))
    assert code == 1
    assert "bad.jsonl: line 1" in out and "no entity with id 'nowhere'" in out


def test_search_finds_by_alias_and_prints_names_as_text(cli_store: str) -> None:
    code, out = run(cli_store, "--format", "csv", "search", "fsb")
    assert code == 0
    assert out.splitlines()[1].startswith("ru-fsb,StateAgency,Federal Security Service,FSB,RU")
    code, out = run(cli_store, "search", "gang")
    assert '"[bold]Gang[/bold]"' in out  # rich markup in data is shown, not interpreted


def test_show_lists_links_with_evidence(cli_store: str) -> None:
    code, out = run(cli_store, "--format", "json", "show", "ru-fsb")
    assert code == 0
    document = json.loads(out)
    links = {(link["type"], link["other"]): link for link in document["links"]}
    assert set(links) == {("PART_OF", "ru"), ("PAYS", "odd")}
    assert links[("PART_OF", "ru")]["sources"][0]["publisher"] == "HM Treasury"
    assert links[("PART_OF", "ru")]["since"] == "1995"


def test_show_of_an_unknown_id_fails_clearly(cli_store: str) -> None:
    code, out = run(cli_store, "show", "nobody")
    assert code == 1 and "no entity with id 'nobody'" in out


def test_cypher_parameters_are_values_never_code(cli_store: str) -> None:
    name = 'O\'Neil "[bold]Gang[/bold]" \\ RETURN 1'
    code, out = run(
        cli_store,
        "--format",
        "json",
        "cypher",
        "MATCH (n:Entity {name: $name}) RETURN n.id AS id",
        "--param",
        f"name={name}",
    )
    assert code == 0, out
    assert json.loads(out)["rows"] == [{"id": "odd"}]
    code, out = run(
        cli_store,
        "--format",
        "json",
        "cypher",
        "RETURN $x AS x, $y AS y",
        "-p",
        "x=[1,2]",
        "-p",
        "y=007",
    )
    assert json.loads(out)["rows"] == [{"x": [1, 2], "y": "007"}]


def test_cypher_is_read_only_unless_asked(cli_store: str) -> None:
    code, out = run(cli_store, "cypher", "CREATE (n:Entity {id: 'made-up', name: 'X'})")
    assert code == 3 and "--write" in out
    code, out = run(
        cli_store,
        "--format",
        "json",
        "cypher",
        "MATCH (n:Entity {id: 'made-up'}) RETURN count(n) AS c",
    )
    assert json.loads(out)["rows"] == [{"c": 0}]
    code, out = run(
        cli_store,
        "cypher",
        "--write",
        "MATCH (n:Entity {id: 'odd'}) SET n.flag = true RETURN n.id AS id",
    )
    assert code == 0, out
    code, out = run(
        cli_store,
        "--format",
        "json",
        "cypher",
        "MATCH (n:Entity {id: 'odd'}) RETURN n.flag AS flag",
    )
    assert json.loads(out)["rows"] == [{"flag": True}]


def test_stats_counts_by_kind_and_type(cli_store: str) -> None:
    _, out = run(cli_store, "--format", "json", "stats")
    document = json.loads(out)
    assert document["entities"]["StateAgency"] == 1 and document["links"]["PAYS"] == 1
    assert document["totals"]["entities"] >= 4


def test_stats_from_the_engines_type_counts_agree_with_counting_in_cypher(
    curated_store: Store,
) -> None:
    """The embedded store's ``stats`` reads the engine's count of each type; every node and
    link counted by Cypher gives the same figures."""
    kinds, types = curated_store.counts()
    assert curated_store.in_process is not None  # the engine's counts were the ones read
    by_kind = {row["kind"]: row["count"] for row in curated_store.read(COUNT_BY_KIND)}
    by_type = {row["type"]: row["count"] for row in curated_store.read(COUNT_BY_TYPE)}
    assert kinds == by_kind and list(kinds) == sorted(by_kind)
    assert types == by_type and list(types) == sorted(by_type)
    assert sum(kinds.values()) > 100 and len(types) > 10
