"""The searches' reads: in-process on the embedded store, over Bolt on Neo4j, the same rows.

Why: chains and shortest paths read their hop rows through
``statecrime.graph.read_rows`` and unpack them by position; on the embedded
store those rows no longer come through the driver. These tests check that the
in-process rows are the driver's rows, column for column, that a read-only
statement is all that path runs, and that the store's time limit still ends a
search there.
"""

from __future__ import annotations

import gc

import pytest

from statecrime.graph.read_rows import gc_paused, read_transaction
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.queries.adhoc import QueryTimedOut
from statecrime.queries.chains import HOP_TEXT, START_TEXT
from statecrime.queries.paths_shortest import LEVEL_TEXTS
from tests.support.query_graphs import write_graph
from tests.support.readonly_routes import LONG_QUERY


@pytest.fixture
def graph_store(empty_store: Store, tmp_path) -> Store:
    load_paths(empty_store, [write_graph(tmp_path)])
    return empty_store


def _bolt_rows(store: Store, text: str, params: dict) -> list[list]:
    with store.session() as session:
        return session.execute_read(lambda tx: tx.run(text, params).values())


def _frontier(store: Store, side: str | None = None) -> list[dict]:
    ((element, *_),) = _bolt_rows(store, START_TEXT.text, {"state": "s1"})
    row = {"node": element, "id": "s1"}
    return [{**row, "side": 0}] if side else [{**row, "act": False}]


def test_the_embedded_store_reads_in_process(graph_store: Store) -> None:
    assert graph_store.in_process is not None  # else the test below compares Bolt with Bolt


def test_in_process_rows_are_the_drivers_rows(graph_store: Store) -> None:
    texts = [
        (HOP_TEXT.text, {**HOP_TEXT.params, "frontier": None}),
        (LEVEL_TEXTS[True].text, {"frontier": None}),
        (LEVEL_TEXTS[False].text, {"frontier": None}),
    ]
    for text, params in texts:
        side = "side" if "row.side" in text else None
        # element ids hold within one transaction of one path: each reads its own
        bolt = _bolt_rows(graph_store, text, {**params, "frontier": _frontier(graph_store, side)})

        def read(run, text=text, params=params, side=side):
            ((element, *_),) = run(START_TEXT.text, {"state": "s1"})
            row = {"node": element, "id": "s1", **({"side": 0} if side else {"act": False})}
            return run(text, {**params, "frontier": [row]})

        ours = read_transaction(graph_store, read)
        # at least two links' worth: hop rows are one per link, level rows one per node
        assert len(ours) == len(bolt) and sum(len(values) for (values,) in ours) >= 4

        def key(row):  # element ids may differ in form between the paths: only counted
            (values,) = row  # each text returns one list per row
            return ["element" if str(v).startswith(("#", "4:", "5:")) else v for v in values]

        assert sorted(map(key, ours), key=repr) == sorted(map(key, bolt), key=repr)


def test_in_process_reads_refuse_writes(graph_store: Store) -> None:
    with pytest.raises(Exception, match="not idempotent"):
        read_transaction(graph_store, lambda run: run("CREATE (n:Entity {id: 'w'})", {}))
    assert not _bolt_rows(graph_store, "MATCH (n:Entity {id: 'w'}) RETURN n.id", {})


def test_the_store_time_limit_ends_an_in_process_read(curated_store: Store) -> None:
    curated_store.read_timeout = 2
    try:
        with pytest.raises(QueryTimedOut, match="2 s limit"):
            read_transaction(curated_store, lambda run: run(LONG_QUERY, {}))
    finally:
        curated_store.read_timeout = None
    assert read_transaction(curated_store, lambda run: run("RETURN 1 AS one", {})) == [[1]]


def test_gc_paused_resumes_only_what_it_paused() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
