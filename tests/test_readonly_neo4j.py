"""Read-only Cypher, file access and time limits on a real Neo4j 5: the same attacks.

Skipped without ``NEO4J_URI`` (see ``tests/test_neo4j_integration.py``). The
database must be empty; the curated dataset is loaded, attacked, and removed.
The test Neo4j runs with ``dbms.security.allow_csv_import_from_file_urls=false``.
Neo4j Community has no APOC: a procedure route there fails as an unknown
procedure, which is a refusal too; what matters is that nothing changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from statecrime.graph.connect import open_store
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.queries.adhoc import QueryFailed, QueryTimedOut, WriteRefused, run_cypher
from tests.support.neo4j import wipe_neo4j
from tests.support.readonly_routes import LONG_QUERY, ROUTES, Route, snapshot
from tests.support.stores import curated_files


@pytest.fixture(scope="module")
def neo4j_curated(neo4j_uri: str) -> Iterator[Store]:
    with open_store(neo4j_uri) as store:
        wipe_neo4j(store)  # the test Neo4j is disposable (tests/support/neo4j.py)
        try:
            load_paths(store, curated_files())
            yield store
        finally:
            with store.session() as session:
                session.run("MATCH (n:Entity) DETACH DELETE n").consume()


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_a_read_only_query_cannot_change_neo4j(neo4j_curated: Store, route: Route) -> None:
    before = snapshot(neo4j_curated)
    refusals: tuple[type[Exception], ...] = (
        (WriteRefused, QueryFailed)
        if route.procedure or "load-csv" in route.name
        else (WriteRefused,)
    )
    with pytest.raises(refusals):
        run_cypher(neo4j_curated, route.text)
    assert snapshot(neo4j_curated) == before


def test_neo4j_prints_no_local_file(neo4j_curated: Store) -> None:
    with pytest.raises((WriteRefused, QueryFailed)) as refused:
        run_cypher(neo4j_curated, "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l")
    assert "root:" not in str(refused.value)


def test_a_runaway_query_ends_at_the_time_limit_on_neo4j(neo4j_curated: Store) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimedOut):
        run_cypher(neo4j_curated, LONG_QUERY, timeout=2)
    assert time.monotonic() - started < 2 + 10
    assert run_cypher(neo4j_curated, "RETURN 1 AS one").rows == [{"one": 1}]


def test_neo4j_still_writes_when_asked(neo4j_curated: Store) -> None:
    run_cypher(neo4j_curated, "MATCH (n:Entity {id: 'ru'}) SET n.probe = 1", write=True)
    try:
        rows = run_cypher(neo4j_curated, "MATCH (n:Entity {id: 'ru'}) RETURN n.probe AS p").rows
        assert rows == [{"p": 1}]
    finally:
        run_cypher(neo4j_curated, "MATCH (n:Entity {id: 'ru'}) REMOVE n.probe", write=True)


def test_the_cli_refuses_in_one_line_with_status_3_on_neo4j(
    neo4j_curated: Store, neo4j_uri: str
) -> None:
    from typer.testing import CliRunner

    from statecrime.cli import app

    before = snapshot(neo4j_curated)
    query = "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS"
    result = CliRunner().invoke(app, ["--store", neo4j_uri, "cypher", query])
    assert result.exit_code == 3, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--write" in lines[0], lines
    assert snapshot(neo4j_curated) == before


def test_the_cli_timeout_ends_a_runaway_query_on_neo4j(
    neo4j_curated: Store, neo4j_uri: str
) -> None:
    from typer.testing import CliRunner

    from statecrime.cli import app
    from statecrime.watchdog import EXIT_TIMED_OUT

    result = CliRunner().invoke(app, ["--store", neo4j_uri, "--timeout", "2", "cypher", LONG_QUERY])
    assert result.exit_code == EXIT_TIMED_OUT, result.output
    assert result.output.strip().splitlines() == [
        "error: the query ran past the 2 s limit and was stopped; nothing was written. "
        "Give more time with --timeout SECONDS (0: no limit)."
    ]
