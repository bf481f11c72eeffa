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

import pytest

from statecrime.graph.connect import open_store
from statecrime.graph.embedded import end_process
from statecrime.graph.store import Store
from tests.support.neo4j import wipe_neo4j
from tests.support.stores import load_curated, wipe

_EXIT_STATUS: list[int] = [0]

NEO4J_GROUP = "neo4j"
"""The xdist group of every test that uses the test Neo4j: Community has one database, which
the tests wipe and fill, so they run one after another in one worker (``--dist loadgroup``)."""


def _uses_neo4j(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return (
        any(name.startswith("neo4j") for name in getattr(item, "fixturenames", ()))
        or "neo4j" in params
        or "neo4j" in getattr(item.module, "__name__", "").rsplit(".", 1)[-1]
    )


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_neo4j(item):
            item.add_marker(pytest.mark.xdist_group(NEO4J_GROUP))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a Neo4j test that xdist did not group: its workers would share the test Neo4j."""
    if getattr(item.config.option, "loadgroup", False) and item.get_closest_marker("xdist_group"):
        if "@" not in item.nodeid:
            pytest.fail(
                "pytest-xdist did not put this Neo4j test in its group: this pytest and "
                "pytest-xdist do not work together; install the versions pyproject.toml allows",
                pytrace=False,
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS[0] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the test process the way the CLI ends, so the Java runtime cannot crash it.

    See :func:`statecrime.graph.embedded.end_process`: every store is stopped by
    now and pytest has reported; what is left is the interpreter's exit.
    """
    end_process(_EXIT_STATUS[0])


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The session's embedded store, in a fresh folder."""
    folder = tmp_path_factory.mktemp("store")
    with open_store(str(folder)) as opened:
        yield opened


@pytest.fixture
def empty_store(store: Store) -> Store:
    """The session's store with nothing in it."""
    wipe(store)
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


@pytest.fixture(scope="module")
def neo4j_store(neo4j_uri: str) -> Iterator[Store]:
    """The test Neo4j, emptied when a module starts (Community has one user database).

    Schema statecrime creates stays; a test that adds schema of its own drops it.
    """
    with open_store(neo4j_uri) as opened:
        wipe_neo4j(opened)
        yield opened


@pytest.fixture(params=["embedded", "neo4j"])
def engine_store(request: pytest.FixtureRequest) -> Store:
    """The embedded store, or the test Neo4j (skipped without NEO4J_URI), wiped: a test
    that takes it runs on both engines."""
    if request.param == "embedded":
        return request.getfixturevalue("empty_store")
    store = request.getfixturevalue("neo4j_store")
    wipe(store)
    return store
