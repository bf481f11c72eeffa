"""Helpers for the session's store: wipe it, or make it hold the curated dataset.

They live here, not in conftest.py: pytest loads conftest.py as a module of its
own (``conftest``), so a test importing ``tests.conftest`` got a second copy with
its own idea of what the store holds, and a wiped store passed for the curated
one. Fixtures and tests both import this module, which exists once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from statecrime.graph.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
CURATED = ROOT / "data" / "curated"

LONG_WRITE = "CREATE (s:Scratch {i: 0}) WITH s UNWIND range(1, 50000000) AS i SET s.i = i"
"""A write in one transaction that runs for minutes in constant memory (one node, set again
and again). Creating a node per row instead hit the test Neo4j's transaction memory limit
(716.8 MiB of its 1 GiB heap) within 2-4 s on a quick run, so a test waiting for a 2 s
time-out saw a memory failure instead. In auto-commit, the embedded store kept that node."""

_HOLDING: dict[int, str] = {}
"""What each open store holds, when a fixture knows: "curated" after load_curated."""


def wipe(store: Store) -> None:
    """Remove every node and link, keeping the schema.

    In one explicit transaction: the embedded store's Bolt server takes an
    auto-commit ``DETACH DELETE`` 30-40 times longer (7.6-8.2 s against 0.22 s
    for the 3,641 nodes and 5,085 links of tests/test_load_bulk.py), and the
    suite wipes its store before every test that asks for an empty one.
    """
    with store.session() as session:
        session.execute_write(lambda tx: tx.run("MATCH (n) DETACH DELETE n").consume())
    _HOLDING.pop(id(store), None)


def curated_files() -> list[Path]:
    return sorted(CURATED.glob("*.yaml"))


def load_curated(store: Store) -> Store:
    """Make ``store`` hold exactly the curated dataset (loaded once while nothing wipes it).

    Tests that use it only read: a test that writes must use ``empty_store``.
    """
    from statecrime.loaders.load import load_paths

    if _HOLDING.get(id(store)) == "curated":
        return store
    wipe(store)
    files = curated_files()
    if not files:
        pytest.fail(f"no curated dataset under {CURATED}")
    load_paths(store, files)
    _HOLDING[id(store)] = "curated"
    return store
