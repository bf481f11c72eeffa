"""Shared fixtures: one real embedded store for the whole test session.

Starting the embedded store costs a few seconds (a Java runtime), so the session
starts one and the tests share it. A test that needs a known graph asks for
``empty_store`` (the store, wiped) and loads what it needs; tests that only read
the curated dataset ask for ``curated_store``, which loads it once per session
module that asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from statecrime.graph.connect import open_store
from statecrime.graph.store import Store

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "data" / "curated"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The session's embedded store, in a fresh folder."""
    folder = tmp_path_factory.mktemp("store")
    with open_store(str(folder)) as opened:
        yield opened


_HOLDING: dict[int, str] = {}
"""What each open store holds, when a fixture knows: "curated" after load_curated."""


def wipe(store: Store) -> None:
    """Remove every node and link, keeping the schema."""
    with store.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    _HOLDING.pop(id(store), None)


@pytest.fixture
def empty_store(store: Store) -> Store:
    """The session's store with nothing in it."""
    wipe(store)
    return store


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


@pytest.fixture
def curated_store(store: Store) -> Store:
    """The session's store holding exactly the curated dataset (read-only use)."""
    return load_curated(store)


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    """The URI of a real Neo4j for the integration tests, which are skipped without one."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        pytest.skip("NEO4J_URI is not set: the Neo4j integration tests need a running Neo4j 5")
    return uri
