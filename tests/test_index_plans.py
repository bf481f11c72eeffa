"""No query looks an entity up by id except through the unique id index.

Checked by the plan, not by timing: each declared Cypher text whose search
starts from ``(x:Entity {id: $param})`` is EXPLAINed on the embedded store (and
on Neo4j when one is reachable), and the plan must seek the index and never
scan every Entity. The first test shows the check catches the shape it guards
against: ``s.id = $state OR ($state IS NULL AND s:State)`` scans.

Texts the embedded store's optimizer does not plan yet ("Using Traditional
Execution": those after an ``UNWIND``, ``around``, ``entity_links``,
``allShortestPaths``) show no access path in EXPLAIN and are skipped there;
the Neo4j test covers every one.
"""

from __future__ import annotations

import re

import pytest

from statecrime.graph.cypher import declared
from statecrime.graph.store import Store

START_BY_ID = re.compile(r"^\s*MATCH \((\w+):Entity \{id: \$\w+\}\)", re.MULTILINE)


def _id_lookups():
    import statecrime.queries.around
    import statecrime.queries.chains
    import statecrime.queries.paths  # noqa: F401  (their texts are declared at import)
    from statecrime.queries.files import all_queries

    all_queries()
    return [t for t in declared() if START_BY_ID.search(t.text)]


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


@pytest.mark.parametrize("text", _id_lookups(), ids=lambda t: t.name)
def test_id_lookups_seek_the_index_on_the_embedded_store(store: Store, text) -> None:
    variable = START_BY_ID.search(text.text).group(1)
    plan = _embedded_plan(store, text.text, text.params)
    if "Using Traditional Execution" in plan:
        pytest.skip("the embedded optimizer does not plan this text; its EXPLAIN shows no access path")
    assert f"NodeIndexSeek({variable}:Entity)" in plan, plan
    assert not _scans_entities(plan, variable), plan


def _operators(plan) -> list[tuple[str, str]]:
    found = [(plan.get("operatorType", ""), str(plan.get("args", {}).get("Details", "")))]
    for child in plan.get("children", []):
        found += _operators(child)
    return found


@pytest.mark.parametrize("text", _id_lookups(), ids=lambda t: t.name)
def test_id_lookups_seek_the_index_on_neo4j(neo4j_uri: str, text) -> None:
    from statecrime.graph.connect import open_store

    variable = START_BY_ID.search(text.text).group(1)
    with open_store(neo4j_uri) as neo4j, neo4j.session() as session:
        result = session.run("EXPLAIN " + text.text, text.params)
        result.data()
        operators = _operators(result.consume().plan)
    assert any("IndexSeek" in op and f"{variable}:Entity" in details for op, details in operators), operators
    assert not any(
        op.startswith("AllNodesScan") or (op.startswith("NodeByLabelScan") and f"{variable}:Entity" in details)
        for op, details in operators
    ), operators
