"""Where the embedded store and Neo4j must differ, each difference shown on its own.

The differential test (tests/test_engines_agree.py) found no command whose
answer differs once ties are ordered; the differences kept are in how the
engines run transactions, and statecrime is written so that both give the same
result:

- Neo4j refuses ``CALL { ... } IN TRANSACTIONS`` inside an explicit transaction
  (the embedded store accepts it there and commits each batch itself). So an
  analyst's ``cypher --write`` runs in an auto-commit transaction, where both
  engines accept it (tests/test_neo4j_connection.py runs it on Neo4j).
"""

from __future__ import annotations

import pytest
from neo4j.exceptions import Neo4jError

from statecrime.graph.store import Store


def test_neo4j_refuses_call_in_transactions_inside_an_explicit_transaction(
    neo4j_store: Store,
) -> None:
    with neo4j_store.session() as session:
        tx = session.begin_transaction()
        try:
            with pytest.raises(Neo4jError) as refused:
                tx.run(
                    "UNWIND range(1, 3) AS i CALL (i) { CREATE (:Scratch {i: i}) } "
                    "IN TRANSACTIONS OF 1 ROWS"
                ).consume()
        finally:
            if not tx.closed():
                tx.rollback()
    assert "transaction" in (refused.value.message or "").lower()
    assert neo4j_store.read("MATCH (s:Scratch) RETURN count(s) AS n")[0]["n"] == 0
