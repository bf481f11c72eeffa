"""Where the embedded store and Neo4j must differ, each difference shown on its own.

The differential test (tests/test_engines_agree.py) found no command whose
answer differs once ties are ordered; the differences kept are in how the
engines run transactions, and statecrime is written so that both give the same
result:

- Neo4j refuses ``CALL { ... } IN TRANSACTIONS`` inside an explicit transaction
  (the embedded store accepts it there and commits each batch itself). So an
  analyst's ``cypher --write`` runs on Neo4j in an auto-commit transaction
  (tests/test_neo4j_connection.py runs it there through the command).
- The embedded store's Bolt server keeps what an auto-commit query wrote before
  it failed; Neo4j keeps nothing. So ``--write`` runs there in an explicit
  transaction, and a write that fails or is stopped at its time limit leaves
  either store as it was (but for the batches of ``CALL { ... } IN TRANSACTIONS``).
"""

from __future__ import annotations

import pytest
from neo4j.exceptions import Neo4jError

from statecrime.graph.store import Store
from statecrime.queries.adhoc import QueryFailed, QueryTimedOut, run_cypher
from tests.support.stores import LONG_WRITE

FAILS_AT_150 = "UNWIND range(1, 200) AS i CREATE (:Scratch {i: i}) WITH i RETURN 1 / (i - 150) AS x"
"""Creates 200 nodes, then fails on its 150th row (a division by zero)."""


def scratch_count(store: Store) -> int:
    return store.read("MATCH (s:Scratch) RETURN count(s) AS n")[0]["n"]


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


def test_an_auto_commit_query_that_fails_keeps_its_writes_on_the_embedded_store_only(
    engine_store: Store,
) -> None:
    """The difference itself, over Bolt: why ``--write`` does not run auto-commit there."""
    with engine_store.session() as session, pytest.raises(Neo4jError):
        list(session.run(FAILS_AT_150))
    assert scratch_count(engine_store) == (200 if engine_store.engine == "arcadedb" else 0)


def test_a_write_query_that_fails_leaves_the_store_as_it_was(engine_store: Store) -> None:
    run_cypher(engine_store, "CREATE (:Scratch {i: 0})", write=True)
    with pytest.raises(QueryFailed, match=r"by zero; nothing was written$"):
        run_cypher(engine_store, FAILS_AT_150, write=True)
    assert scratch_count(engine_store) == 1


def test_a_batched_write_that_fails_keeps_its_committed_batches_and_says_so(
    engine_store: Store,
) -> None:
    """Both engines keep the first batch of 100, committed before row 150 fails in the second."""
    with pytest.raises(QueryFailed, match=r"by zero.*IN TRANSACTIONS had committed were kept"):
        run_cypher(
            engine_store,
            "UNWIND range(1, 200) AS i CALL (i) { CREATE (:Scratch {i: i}) "
            "WITH i WHERE 1 / (i - 150) > 5 RETURN i AS j } IN TRANSACTIONS OF 100 ROWS RETURN j",
            write=True,
        )
    assert scratch_count(engine_store) == 100


def test_a_write_query_writes_in_batches_on_both_engines(engine_store: Store) -> None:
    made = run_cypher(
        engine_store,
        "UNWIND range(1, 10) AS i CALL (i) { CREATE (:Scratch {i: i}) } IN TRANSACTIONS OF 3 ROWS",
        write=True,
    )
    assert scratch_count(engine_store) == 10
    assert made.counters.get("nodes_created") == 10


def test_a_write_query_stopped_at_its_time_limit_leaves_the_store_as_it_was(
    engine_store: Store,
) -> None:
    """The time-out's message says nothing was written: on the embedded store, in auto-commit,
    100,000 and 160,000 nodes of a node-per-row write were kept in two runs, and the node of
    ``LONG_WRITE`` (before ``--write`` ran in a transaction)."""
    with pytest.raises(QueryTimedOut, match="nothing was written"):
        run_cypher(engine_store, LONG_WRITE, write=True, timeout=2)
    assert scratch_count(engine_store) == 0


def test_a_batched_write_stopped_at_its_time_limit_says_its_batches_were_kept(
    engine_store: Store,
) -> None:
    """Each engine keeps the batches committed before the stop, and no part of another."""
    with pytest.raises(QueryTimedOut, match="IN TRANSACTIONS had committed were kept") as stopped:
        run_cypher(
            engine_store,
            "UNWIND range(1, 50000000) AS i\n"
            "CALL (i) { CREATE (:Scratch {i: i}) } IN TRANSACTIONS OF 1000 ROWS",
            write=True,
            timeout=2,
        )
    assert "nothing was written" not in str(stopped.value)
    kept = scratch_count(engine_store)
    assert kept % 1000 == 0 and kept < 50_000_000, kept


def test_a_write_waiting_for_a_lock_at_its_time_limit_is_a_time_out_on_neo4j(
    neo4j_store: Store,
) -> None:
    """Neo4j makes a write wait for another transaction's lock, and ends it at its limit with
    ``LockClientStopped``, which was reported as a rejected query (it came up once in a run of
    the batched test above). The embedded store takes no such lock: it has no wait to end."""
    run_cypher(neo4j_store, "CREATE (:Scratch {i: 0})", write=True)
    with neo4j_store.session() as holder:
        tx = holder.begin_transaction()
        try:
            tx.run("MATCH (s:Scratch {i: 0}) SET s.n = 0").consume()
            with pytest.raises(QueryTimedOut, match="1 s limit and was stopped; nothing was written"):
                run_cypher(neo4j_store, "MATCH (s:Scratch {i: 0}) SET s.n = 1", write=True, timeout=1)
        finally:
            tx.rollback()
    assert neo4j_store.read("MATCH (s:Scratch) RETURN s.n AS n")[0]["n"] is None
