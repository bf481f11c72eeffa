"""The same code path against a real Neo4j 5, when one is reachable.

tests/run.sh starts a real Neo4j (scripts/neo4j-local.sh) and sets ``NEO4J_URI``,
``NEO4J_USER`` and ``NEO4J_PASSWORD``; without them these are skipped and say why.
``neo4j_store`` (conftest.py) empties that database first: point NEO4J_URI only
at a disposable one.
"""

from __future__ import annotations

from statecrime.loaders.load import load_paths
from tests.support.stores import curated_files


def test_curated_dataset_round_trips_on_neo4j(neo4j_store, store) -> None:
    from tests.support.stores import wipe

    report = load_paths(neo4j_store, curated_files())
    assert report.links.added > 100
    again = load_paths(neo4j_store, curated_files())
    assert again.links.added == again.links.updated == 0
    wipe(store)
    load_paths(store, curated_files())
    assert sorted(neo4j_store.all_links(), key=lambda x: x.key) == sorted(
        store.all_links(), key=lambda x: x.key
    )
    assert sorted(neo4j_store.all_entities(), key=lambda e: e.id) == sorted(
        store.all_entities(), key=lambda e: e.id
    )


def test_unique_constraint_exists_on_neo4j(neo4j_store) -> None:
    rows = neo4j_store.read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
    assert "entity_id" in rows[0]["names"]
