"""The same code path against a real Neo4j 5, when one is reachable.

Set ``NEO4J_URI`` (and ``NEO4J_USER``/``NEO4J_PASSWORD``) to run these, for
example against ``docker/docker-compose.yml``; without it they are skipped and
say why. They load the curated dataset into a database that must be empty,
check it reads back whole, and clean up after themselves.
"""

from __future__ import annotations

import pytest

from statecrime.graph.connect import open_store
from statecrime.loaders.load import load_paths
from tests.support.stores import curated_files


@pytest.fixture
def neo4j_store(neo4j_uri: str):
    with open_store(neo4j_uri) as store:
        with store.session() as session:
            count = session.run("MATCH (n) RETURN count(n) AS c").single()["c"]
        if count:
            pytest.skip(f"the Neo4j database at {neo4j_uri} is not empty; use a fresh one")
        try:
            yield store
        finally:
            with store.session() as session:
                session.run("MATCH (n:Entity) DETACH DELETE n").consume()


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
