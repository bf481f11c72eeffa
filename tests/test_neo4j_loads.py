"""Loads into a real Neo4j: concurrent loads lose nothing, a failed load leaves it as before.

The brief's rule for loads, on both engines: nothing is written unless every
record passes, what a load writes becomes visible at once or not at all, and a
failed or killed load leaves the store as before (or as after). Two analysts may
load into one Neo4j at the same time; the merge of a record with the stored one
(aliases and sources united) must then see the other's committed work.

These run the real ``statecrime`` command in subprocesses against the test
Neo4j (NEO4J_URI; skipped without it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from statecrime.graph.store import Store
from tests.support.neo4j import neo4j_env, wipe_neo4j
from tests.support.stores import curated_files
from tests.support.synthetic import synthetic_records

SHARED = 300
"""Entities both concurrent loads write."""


def statecrime(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "statecrime", "-f", "json", *args],
        env=neo4j_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a user could see: every node's and every relationship's properties."""
    nodes = store.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.read(
        "MATCH (a)-[r]->(b) RETURN a.id AS source, type(r) AS type, b.id AS target, "
        "properties(r) AS props"
    )
    key = lambda row: json.dumps(row, sort_keys=True, default=str)  # noqa: E731
    return {"nodes": sorted(nodes, key=key), "links": sorted(rels, key=key)}


def analyst_file(folder: Path, who: str) -> Path:
    """Records of one analyst: the same entities as the other's, with their own alias and source."""
    doc = {
        "sources": [
            {
                "id": f"src-{who}",
                "publisher": f"Analyst {who} (test records, not real data)",
                "title": f"Notes of analyst {who}",
                "date": "2026-01-01",
                "sourceType": "research",
            }
        ],
        "entities": [
            {
                "id": f"shared-{i}",
                "kind": "OrganisedCrimeGroup",
                "name": f"Shared group {i}",
                "aliases": [f"{who} alias {i}"],
                "sources": [f"src-{who}"],
            }
            for i in range(SHARED)
        ],
        "links": [
            {
                "source": f"shared-{i}",
                "type": "LINKED_TO",
                "target": f"shared-{i + 1}",
                "grading": "B2",
                "sources": [f"src-{who}"],
            }
            for i in range(SHARED - 1)
        ],
    }
    path = folder / f"analyst-{who}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def clean_neo4j(neo4j_store: Store) -> Store:
    wipe_neo4j(neo4j_store)
    return neo4j_store


def test_two_concurrent_loads_lose_nothing(clean_neo4j: Store, tmp_path: Path) -> None:
    files = [analyst_file(tmp_path, who) for who in ("A", "B")]
    first = statecrime("load", str(analyst_file(tmp_path, "base")))
    assert first.wait(300) == 0, first.communicate()[1]
    # Make the two loads overlap for certain: the test holds write locks on the shared
    # entities (in a transaction it rolls back) until both loads wait on them, so each
    # has read the entities as stored before either writes.
    with clean_neo4j.session() as session:
        lock = session.begin_transaction()
        lock.run(
            "MATCH (e:Entity) WHERE e.id STARTS WITH 'shared-' SET e.lockedByTest = true"
        ).consume()
        runs = [statecrime("load", str(f)) for f in files]
        deadline = time.monotonic() + 60
        while _writes_waiting(clean_neo4j) < 2 and time.monotonic() < deadline:
            if all(run.poll() is not None for run in runs):
                break
            time.sleep(0.1)
        lock.rollback()
    outcomes = [(run.wait(300), *run.communicate()) for run in runs]
    for code, _out, err in outcomes:
        assert code == 0, f"a concurrent load failed: {err}"
    rows = clean_neo4j.read(
        "MATCH (e:Entity) WHERE e.id STARTS WITH 'shared-' "
        "RETURN e.id AS id, e.aliases AS aliases, e.sources AS sources"
    )
    assert len(rows) == SHARED
    lost = [
        row["id"]
        for row in rows
        if not {"src-A", "src-B"} <= set(row["sources"] or [])
        or not {f"A alias {row['id'][7:]}", f"B alias {row['id'][7:]}"} <= set(row["aliases"] or [])
    ]
    assert not lost, f"{len(lost)} entities lost one analyst's aliases or sources, e.g. {lost[:3]}"


def _writes_waiting(store: Store) -> int:
    """How many other clients' transactions wait for a lock."""
    rows = store.read("SHOW TRANSACTIONS YIELD currentQuery, status RETURN currentQuery, status")
    return sum(1 for row in rows if str(row["status"]).startswith("Blocked"))


def test_a_load_refused_by_a_constraint_leaves_neo4j_as_before(
    clean_neo4j: Store, tmp_path: Path
) -> None:
    load = statecrime("load", *map(str, curated_files()))
    assert load.wait(300) == 0, load.communicate()[1]
    before = snapshot(clean_neo4j)
    # A constraint of the database's own (an administrator's rule) that the load breaks
    # only when it commits: statecrime's checks know nothing of it.
    with clean_neo4j.session() as session:
        session.run(
            "CREATE CONSTRAINT test_unique_name IF NOT EXISTS "
            "FOR (n:OrganisedCrimeGroup) REQUIRE n.name IS UNIQUE"
        ).consume()
    try:
        doc = {
            "entities": [
                {"id": "new-group-1", "kind": "OrganisedCrimeGroup", "name": "New group one"},
                {"id": "new-group-2", "kind": "OrganisedCrimeGroup", "name": "New group one"},
                {"id": "lazarus-group", "kind": "CybercrimeGroup", "name": "Lazarus Group",
                 "aliases": ["an alias only this load adds"]},
            ],
            "links": [
                {"source": "new-group-1", "type": "LINKED_TO", "target": "lazarus-group",
                 "grading": "C3", "sources": ["src-fcdo-2017-12-19-wannacry"]},
            ],
        }
        path = tmp_path / "breaks-a-constraint.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        run = statecrime("load", str(path))
        code = run.wait(300)
        out, err = run.communicate()
        assert code != 0, f"the load passed a constraint it breaks: {out}"
        assert "Traceback" not in err
        assert snapshot(clean_neo4j) == before
    finally:
        with clean_neo4j.session() as session:
            session.run("DROP CONSTRAINT test_unique_name IF EXISTS").consume()


def _write_running(store: Store) -> bool:
    """Whether another client has a transaction open that writes records."""
    rows = store.read("SHOW TRANSACTIONS YIELD currentQuery, status RETURN currentQuery, status")
    return any(
        "MERGE" in (row["currentQuery"] or "") or "CREATE" in (row["currentQuery"] or "")
        for row in rows
    )


def test_a_load_killed_while_writing_leaves_neo4j_as_before_or_after(
    clean_neo4j: Store, tmp_path: Path
) -> None:
    load = statecrime("load", *map(str, curated_files()))
    assert load.wait(300) == 0, load.communicate()[1]
    before = snapshot(clean_neo4j)
    path = tmp_path / "synthetic.json"
    path.write_text(json.dumps(synthetic_records(4_000)), encoding="utf-8")
    run = statecrime("load", str(path))
    deadline = time.monotonic() + 240
    while not _write_running(clean_neo4j):
        assert run.poll() is None, "the load ended before it was seen writing"
        assert time.monotonic() < deadline, "the load was never seen writing"
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(30)
    run.communicate()
    # Neo4j rolls back the dead client's transaction when it notices the lost connection.
    deadline = time.monotonic() + 60
    while _write_running(clean_neo4j) and time.monotonic() < deadline:
        time.sleep(0.2)
    after_kill = snapshot(clean_neo4j)
    if after_kill != before:
        nodes = clean_neo4j.read("MATCH (n:Entity) RETURN count(n) AS n")[0]["n"]
        expected = len(before["nodes"]) + 4_000 + 1  # the synthetic entities and their source
        assert nodes == expected, (
            f"the killed load left a partial graph: {nodes} nodes, "
            f"{len(before['nodes'])} before, {expected} after a whole load"
        )
