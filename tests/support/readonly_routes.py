"""Every way we know for an analyst's read-only Cypher to try to change the store.

Shared by the embedded and the Neo4j tests of the read-only promise. Each route
is a query that, run without ``--write``, must be refused by the database and
leave the store exactly as it was (counts, indexes and constraints). The list
comes from issue 8's findings, plus their close relatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from statecrime.graph.store import Store


@dataclass(frozen=True)
class Route:
    name: str
    text: str
    procedure: bool = False
    """A procedure of the embedded store's library: Neo4j without APOC does not know it."""


ROUTES = [
    Route("create", "CREATE (n:Entity {id: 'zz-made', kind: 'State', name: 'Made Up'})"),
    Route("set", "MATCH (n:Entity {id: 'ru'}) SET n.name = 'renamed' RETURN n.name"),
    Route("remove", "MATCH (n:Entity {id: 'ru'}) REMOVE n.name"),
    Route("label", "MATCH (n:Entity {id: 'ru'}) SET n:Renamed"),
    Route("merge", "MERGE (n:Entity {id: 'zz-merged'}) RETURN n.id"),
    Route("delete-link", "MATCH ()-[r]->() WITH r LIMIT 1 DELETE r"),
    Route("detach-delete", "MATCH (n:Entity {id: 'ru'}) DETACH DELETE n"),
    Route(
        "delete-in-transactions",
        "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS",
    ),
    Route(
        "set-in-transactions",
        "MATCH (n) CALL { WITH n SET n.touched = true } IN TRANSACTIONS OF 10 ROWS",
    ),
    Route(
        "unique-constraint",
        "CREATE CONSTRAINT evil_name IF NOT EXISTS FOR (n:Entity) REQUIRE n.name IS UNIQUE",
    ),
    Route(
        "type-constraint",
        "CREATE CONSTRAINT evil_type IF NOT EXISTS FOR (n:Entity) REQUIRE n.notes IS :: STRING",
    ),
    Route("index", "CREATE INDEX evil_index IF NOT EXISTS FOR (n:Entity) ON (n.notes)"),
    # fails on the embedded store as root (aliases are lists); must leave no property type
    Route("failing-index", "CREATE INDEX evil_aliases FOR (n:Entity) ON (n.aliases)"),
    Route("drop-constraint", "DROP CONSTRAINT entity_id"),
    Route("drop-index", "DROP INDEX entity_name"),
    Route(
        "merge.node",
        "CALL merge.node(['Entity'], {id: 'zz-proc'}, {name: 'X'}) YIELD node RETURN node",
        procedure=True,
    ),
    Route(
        "apoc.merge.node",
        "CALL apoc.merge.node(['Entity'], {id: 'zz-apoc'}, {name: 'X'}) YIELD node RETURN node",
        procedure=True,
    ),
    Route(
        "do.when",
        "CALL do.when(true, 'CREATE (n:Entity {id: \"zz-when\"}) RETURN n', '', {}) "
        "YIELD value RETURN value",
        procedure=True,
    ),
    Route(
        "apoc.do.when",
        "CALL apoc.do.when(true, 'CREATE (n:Entity {id: \"zz-apoc-when\"}) RETURN n', '', {}) "
        "YIELD value RETURN value",
        procedure=True,
    ),
    Route(
        "refactor.mergeNodes",
        "MATCH (a:Entity {id: 'ru'}), (b:Entity {id: 'cn'}) "
        "CALL refactor.mergeNodes([a, b]) YIELD node RETURN node",
        procedure=True,
    ),
    Route(
        "apoc.refactor.mergeNodes",
        "MATCH (a:Entity {id: 'ru'}), (b:Entity {id: 'cn'}) "
        "CALL apoc.refactor.mergeNodes([a, b]) YIELD node RETURN node",
        procedure=True,
    ),
    Route(
        "load-csv-then-create",
        "LOAD CSV FROM 'file:///etc/hostname' AS line CREATE (:Entity {id: line[0]})",
    ),
]

LONG_QUERY = "MATCH p=(a)-[*1..12]-(b) RETURN count(p)"
"""Runs for many minutes on the curated dataset: the time limit must end it."""


def snapshot(store: Store) -> dict[str, Any]:
    """What a refused query must leave as it was: counts, a sample entity, the schema."""
    kinds, types = store.counts()
    with store.session() as session:
        indexes = sorted(
            (str(r["name"]), tuple(r["labelsOrTypes"] or ()), tuple(r["properties"] or ()))
            for r in session.run("SHOW INDEXES")
        )
        constraints = sorted(
            (str(r["name"]), str(r["type"]), tuple(r["properties"] or ()))
            for r in session.run("SHOW CONSTRAINTS")
        )
        russia = session.run(
            "MATCH (n:Entity {id: 'ru'}) RETURN properties(n) AS p, labels(n) AS l"
        ).single()
    return {
        "kinds": kinds,
        "types": types,
        "indexes": indexes,
        "constraints": constraints,
        "ru": (russia["p"], sorted(russia["l"])) if russia else None,
    }
