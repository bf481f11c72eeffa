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
import weakref

import pytest

from statecrime import startup
from statecrime.graph.read_rows import gc_paused, read_transaction
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.queries.adhoc import QueryTimedOut
from statecrime.queries.chains import HOP_TEXT, START_TEXT, UNFILTERED_HOP_TEXT
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


def _start(store: Store) -> str:
    ((element, *_),) = _bolt_rows(store, START_TEXT.text, {"state": "s1"})
    return element


def test_the_embedded_store_reads_in_process(graph_store: Store) -> None:
    assert graph_store.in_process is not None  # else the test below compares Bolt with Bolt


def _without_elements(value):
    """A value with the element ids in it replaced by a mark: their form may differ by path."""
    if isinstance(value, list):
        return [_without_elements(v) for v in value]
    return "element" if str(value).startswith(("#", "4:", "5:")) else value


def test_in_process_rows_are_the_drivers_rows(graph_store: Store) -> None:
    texts = [
        (HOP_TEXT.text, lambda e: {**HOP_TEXT.params, "full": [e], "acts": []}),
        (UNFILTERED_HOP_TEXT.text, lambda e: {"full": [e], "acts": []}),
        (LEVEL_TEXTS[True].text, lambda e: {"frontier": [{"node": e, "side": 0}]}),
        (LEVEL_TEXTS[False].text, lambda e: {"frontier": [{"node": e, "side": 0}]}),
    ]
    for text, params in texts:
        # element ids hold within one transaction of one path: each reads its own
        bolt = _bolt_rows(graph_store, text, params(_start(graph_store)))

        def read(run, text=text, params=params):
            ((element, *_),) = run(START_TEXT.text, {"state": "s1"})
            return run(text, params(element))

        ours = read_transaction(graph_store, read)
        # rows are one per frontier node (and direction): at least two links' worth in them
        assert len(ours) == len(bolt) and sum(len(values) for (values,) in ours) >= 4
        assert sorted(map(_without_elements, ours), key=repr) == sorted(
            map(_without_elements, bolt), key=repr
        )


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


class _Made:
    """Something a search makes, that can be watched through a weak reference."""


def test_in_the_command_what_a_search_leaves_is_freed_and_not_walked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(startup, "_COMMAND_LINE", [True])
    before = gc.get_freeze_count()
    try:
        with gc_paused():
            made = [_Made() for _ in range(10_000)]
        assert gc.get_freeze_count() >= before + 10_000  # out of the collector's walks
        watched = [weakref.ref(x) for x in made]
        del made  # reference counting still frees them
        assert all(ref() is None for ref in watched)
    finally:
        gc.unfreeze()


class _Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_through_the_api_a_search_freezes_nothing_and_cycles_are_still_collected() -> None:
    assert not startup.in_command()  # pytest is not the statecrime command
    kept = _Cycle()
    before = gc.get_freeze_count()
    with gc_paused():
        made = [_Made() for _ in range(1_000)]
    assert gc.get_freeze_count() == before
    watched = weakref.ref(kept)
    del kept, made  # a notebook drops an object in a cycle after a search
    gc.collect()
    assert watched() is None
