"""Every Cypher text statecrime ships runs on a real Neo4j, as it does on the embedded store.

tests/test_cypher_catalogue.py checks each text with Neo4j's front end and runs it
on the embedded store; this runs each one for real on the test Neo4j (NEO4J_URI)
with its sample parameters, on the curated graph, in a transaction rolled back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import NotificationSeverity

from statecrime.catalogue import shipped_cypher
from statecrime.graph.store import Store, transaction_rolled_back
from tests.support.stores import curated_files

TEXTS = shipped_cypher()
ATTACK_SHAPED = Path(__file__).parent / "data" / "stix" / "attack-shaped-2.1.json"


@pytest.fixture(scope="module")
def curated_neo4j(neo4j_store: Store) -> Store:
    from statecrime.loaders.load import load_paths

    load_paths(neo4j_store, curated_files())
    # ATT&CK-shaped records bring the software kinds and USES, which the curated data lacks:
    # a text naming a relation type the graph has never held draws a warning from Neo4j
    load_paths(neo4j_store, [ATTACK_SHAPED], "stix")
    return neo4j_store


def test_the_schema_is_in_place_on_neo4j(curated_neo4j: Store) -> None:
    """The schema texts ran when the store opened: their constraint and index exist."""
    names = {row["name"] for row in curated_neo4j.read("SHOW CONSTRAINTS YIELD name")}
    indexes = {row["name"] for row in curated_neo4j.read("SHOW INDEXES YIELD name")}
    assert "entity_id" in names
    assert len(indexes) >= 2


@pytest.mark.parametrize("text", [t for t in TEXTS if not t.name.startswith("schema.")], ids=lambda t: t.name)
def test_every_text_runs_on_neo4j(text, curated_neo4j: Store) -> None:
    with transaction_rolled_back(curated_neo4j) as tx:
        summary = tx.run(text.text, text.params).consume()
    warnings = [
        status.status_description
        for status in summary.gql_status_objects
        if status.is_notification and status.severity == NotificationSeverity.WARNING
    ]
    assert not warnings, f"{text.name}: Neo4j warns: {warnings}"
