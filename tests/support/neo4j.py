"""Helpers for the tests that run on the real Neo4j (NEO4J_URI, started by tests/run.sh).

Neo4j Community has a single user database, so modules share it: each module that
uses it starts from an empty graph (``neo4j_store`` in conftest.py wipes it), and
the schema statecrime creates stays. The database named by NEO4J_URI must be a
disposable one: these tests delete everything in it.
"""

from __future__ import annotations

import os

from statecrime.graph.store import Store


def neo4j_env() -> dict[str, str]:
    """The environment a ``statecrime`` subprocess needs to reach the test Neo4j."""
    uri = os.environ["NEO4J_URI"]
    return {
        **os.environ,
        "STATECRIME_STORE": uri,
        "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
        "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", ""),
    }


def wipe_neo4j(store: Store) -> None:
    """Delete every node and relationship, in batches (large graphs stay within memory)."""
    with store.session() as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
        ).consume()
