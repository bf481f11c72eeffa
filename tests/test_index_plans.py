"""No query looks an entity up by id except through the unique id index.

Checked without timing, two ways:

- By the plan: each declared Cypher text whose search starts from
  ``(x:Entity {id: $param})`` is EXPLAINed on the embedded store, and every text
  that looks an entity up (by ``{id: ...}`` or by element id) on Neo4j when one
  is reachable; the plan must seek (the index, or the element id) and never
  scan every node of a label. The first test shows the check catches the shape
  it guards against: ``s.id = $state OR ($state IS NULL AND s:State)`` scans.
- By what a query touches: the embedded optimizer gives no plan for some texts
  ("Using Traditional Execution": those after an ``UNWIND``, ``around``,
  ``allShortestPaths``...), so every lookup text is also run on an embedded
  store holding :data:`FILLER` entities, with its sample parameters (ids the
  store does not hold), and the database's own counters must show no type
  iterated and far fewer records read than the store holds. A scan reads every
  record of the type whatever the id (the bad shape reads all of them here).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from statecrime.graph.cypher import CypherText, declared
from statecrime.graph.store import Store, transaction_rolled_back
from statecrime.loaders.load import load_paths

START_BY_ID = re.compile(r"^\s*MATCH \((\w+):Entity \{id: \$\w+\}\)", re.MULTILINE)
LOOKUP = re.compile(r"\((\w+):Entity \{id: [$\w.]+\}\)|elementId\((\w+)\) = ")
"""Any entity looked up by id (a parameter or an UNWOUND row's field) or by element id."""

FILLER = 2000
"""Entities in the store the touch check runs on: a scan reads at least this many."""

KNOWN_SCANS: dict[str, str] = {}
"""Texts the touch check shows scanning today: expected failures, so the suite says so."""


def _all_texts() -> list[CypherText]:
    import statecrime.cli_analysis
    import statecrime.queries.around
    import statecrime.queries.chains
    import statecrime.queries.paths
    import statecrime.queries.side  # noqa: F401  (their texts are declared at import)
    from statecrime.queries.files import all_queries

    all_queries()
    return declared()


def _id_lookups() -> list[CypherText]:
    return [t for t in _all_texts() if START_BY_ID.search(t.text)]


CREATE_ONLY = "bulk.probe_"
"""The bulk path's type probes: ``CREATE (a:Entity {id: $a})`` writes, it looks nothing up."""


def _every_lookup() -> list[CypherText]:
    return [t for t in _all_texts() if LOOKUP.search(t.text) and not t.name.startswith(CREATE_ONLY)]


def _marked(texts: list[CypherText]) -> list[Any]:
    return [
        pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=KNOWN_SCANS[t.name]), id=t.name)
        if t.name in KNOWN_SCANS
        else pytest.param(t, id=t.name)
        for t in texts
    ]


def _embedded_plan(store: Store, text: str, params: dict) -> str:
    with store.session() as session:
        result = session.run("EXPLAIN " + text, params)
        result.data()
        return result.consume().plan["args"]["string-representation"]


def _scans_entities(plan: str, variable: str) -> bool:
    return f"NodeByLabelScan({variable}:Entity)" in plan or "AllNodesScan" in plan


def test_the_check_catches_a_scan(store: Store) -> None:
    text = "MATCH (s:Entity) WHERE s.id = $state OR ($state IS NULL AND s:State) RETURN s.id"
    assert _scans_entities(_embedded_plan(store, text, {"state": "ru"}), "s")
    good = "MATCH (s:Entity {id: $state}) RETURN s.id"
    plan = _embedded_plan(store, good, {"state": "ru"})
    assert "NodeIndexSeek(s:Entity)" in plan and not _scans_entities(plan, "s")


def test_there_are_id_lookups_to_check() -> None:
    names = {t.name for t in _id_lookups()}
    assert "queries.chains" in names and "queries.around" in names
    every = {t.name for t in _every_lookup()}
    assert {"queries.chains.hop", "queries.chains.start", "store.fetch_entities"} <= every
    assert {"queries.side.hop", "queries.side.start", "queries.side.taskers"} <= every
    assert {"queries.paths_between.hop", "queries.paths_between.end"} <= every


@pytest.mark.parametrize("text", _id_lookups(), ids=lambda t: t.name)
def test_id_lookups_seek_the_index_on_the_embedded_store(store: Store, text) -> None:
    variable = START_BY_ID.search(text.text).group(1)
    plan = _embedded_plan(store, text.text, text.params)
    if "Using Traditional Execution" in plan:
        pytest.skip("no plan from the embedded optimizer: the touch check below covers this text")
    assert f"NodeIndexSeek({variable}:Entity)" in plan, plan
    assert not _scans_entities(plan, variable), plan


# --- by what a query touches, on the embedded store --------------------------------------


@pytest.fixture(scope="module")
def filler_file(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """FILLER entities and links as a JSONL file, none with a sample id."""
    path = tmp_path_factory.mktemp("filler") / "filler.jsonl"
    lines = [
        {"id": "filler-src", "kind": "Source", "publisher": "tests", "title": "Filler records"}
    ]
    lines += [
        {"id": f"filler-{i}", "kind": "Person" if i % 2 else "State", "name": f"Filler {i}"}
        for i in range(FILLER)
    ]
    lines += [
        {
            "source": f"filler-{i}",
            "type": "LINKED_TO",
            "target": f"filler-{(i * 7 + 1) % FILLER}",
            "grading": "B2",
            "sources": ["filler-src"],
        }
        for i in range(FILLER)
    ]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


@pytest.fixture(scope="module")
def filled_store(store: Store, filler_file: Any) -> Store:
    """The session's store holding the filler records."""
    from tests.support.stores import wipe

    wipe(store)
    load_paths(store, [filler_file])
    return store


@pytest.fixture(scope="module")
def filled_neo4j(neo4j_store: Store, filler_file: Any) -> Store:
    """The test Neo4j holding the curated dataset and the filler records.

    Its planner chooses by the counts the database holds: on an empty one a label scan
    costs nothing, and where no link of the chain relations exists, every plan of a
    chain costs the same. So the plans are read where a scan would cost, as in use, and
    planned anew on fresh index samples: Neo4j keeps a plan it made on other contents, and
    samples an index's selectivity in the background (run alone after the database was
    emptied, 6 to 12 of these checks read such plans and failed).
    """
    from tests.support.stores import curated_files, wipe

    wipe(neo4j_store)
    load_paths(neo4j_store, [*curated_files(), filler_file])
    with neo4j_store.session() as session:
        session.run("CALL db.resampleOutdatedIndexes()").consume()
        session.run("CALL db.awaitIndexes(300)").consume()
        session.run("CALL db.clearQueryCaches()").consume()
    return neo4j_store


def _counters(store: Store) -> dict[str, int]:
    """The embedded database's own counters (records read, types iterated, ...)."""
    assert store.bulk is not None  # the in-process database, either ArcadeDB build
    (stats,) = store.bulk.database.query("sql", "SELECT FROM schema:stats").to_list()
    return {str(k): int(v) for k, v in stats.items() if isinstance(v, int)}


def _touched(store: Store, text: str, params: dict) -> dict[str, int]:
    before = _counters(store)
    with transaction_rolled_back(store) as tx:
        tx.run(text, params).consume()
    after = _counters(store)
    return {k: after[k] - before.get(k, 0) for k in after}


def test_the_touch_check_catches_a_scan(filled_store: Store) -> None:
    bad = "MATCH (s:Entity) WHERE s.id = $state OR ($state IS NULL AND s:State) RETURN s.id"
    touched = _touched(filled_store, bad, {"state": "ru"})
    assert touched["iterateType"] >= 1 and touched["readRecord"] >= FILLER
    good = _touched(filled_store, "MATCH (s:Entity {id: $state}) RETURN s.id", {"state": "ru"})
    assert good["iterateType"] == 0 and good["readRecord"] <= 2


@pytest.mark.parametrize("text", _marked(_every_lookup()))
def test_lookups_touch_no_more_than_they_find(filled_store: Store, text: CypherText) -> None:
    touched = _touched(filled_store, text.text, text.params)
    assert touched["iterateType"] == 0 and touched.get("scanType", 0) == 0, touched
    assert touched["readRecord"] < FILLER // 10, touched


# --- on Neo4j, by the plan, every lookup text ---------------------------------------------


def _operators(plan) -> list[tuple[str, str]]:
    found = [(plan.get("operatorType", ""), str(plan.get("args", {}).get("Details", "")))]
    for child in plan.get("children", []):
        found += _operators(child)
    return found


@pytest.mark.parametrize("text", _every_lookup(), ids=lambda t: t.name)
def test_id_lookups_seek_the_index_on_neo4j(filled_neo4j: Store, text) -> None:
    match = LOOKUP.search(text.text)
    variable = match.group(1) or match.group(2)
    with filled_neo4j.session() as session:
        result = session.run("EXPLAIN " + text.text, text.params)
        result.data()
        operators = _operators(result.consume().plan)
    seek = "ElementIdSeek" if match.group(2) else "IndexSeek"
    assert any(seek in op and variable in details for op, details in operators), operators
    assert not any(
        op.startswith("AllNodesScan")
        or (op.startswith("NodeByLabelScan") and f"{variable}:Entity" in details)
        for op, details in operators
    ), operators
