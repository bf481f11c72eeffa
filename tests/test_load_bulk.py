"""The embedded store's in-process write path (graph/bulk.py) against the Bolt path.

Large loads on the embedded store are written in-process (``Store.bulk``), small
ones and every Neo4j load over Bolt. Both must leave the same graph from the
same records: the same nodes with the same labels and properties, the same
links with the same properties, after a first load and after a second one that
updates stored entities, adds sources to stored links and links stored
entities. A load through the in-process path killed with SIGKILL at a random
moment (while it writes, while it commits) must leave the store as before or
as after, never in between.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from statecrime.graph import staging
from statecrime.graph.bulk_phases import PHASES_ENV
from statecrime.graph.bulk_staged import EDGES_ENV, THRESHOLD_ENV
from statecrime.graph.connect import open_store
from statecrime.graph.embedded import SCHEMA_MARK
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from tests.support.stores import curated_files, wipe
from tests.support.synthetic import synthetic_records

STATECRIME = str(Path(sys.executable).with_name("statecrime"))
NEVER = 10**12
"""A threshold no load reaches: every write goes over Bolt."""


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a user could see: every node's labels and properties, every link's."""
    nodes = store.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.read(
        "MATCH (a)-[r]->(b) RETURN a.id AS source, type(r) AS type, b.id AS target, "
        "properties(r) AS props"
    )
    for row in nodes:
        row["labels"] = sorted(row["labels"])
    key = lambda row: json.dumps(row, sort_keys=True, default=str)  # noqa: E731
    return {"nodes": sorted(nodes, key=key), "links": sorted(rels, key=key)}


def _first_and_second(folder: Path) -> tuple[list[Path], Path]:
    """Two loads: curated plus synthetic, then one that changes what the first stored."""
    first = folder / "synthetic.json"
    doc = synthetic_records(1500, seed=5)
    first.write_text(json.dumps(doc), encoding="utf-8")
    entities = doc["entities"]
    links = doc["links"]
    second_doc: dict[str, Any] = {
        "sources": [
            {
                "id": "bulk-test-source",
                "publisher": "statecrime tests (not real data)",
                "title": "A second source for synthetic records",
                "date": "2026-02-01",
                "sourceType": "research",
            }
        ],
        # stored entities given again with an alias more, and new ones
        "entities": [
            {**entity, "aliases": [*entity.get("aliases", []), f"Alias of {entity['id']}"]}
            for entity in entities[:300]
        ]
        + [
            {"id": f"bulk-new-{i}", "kind": "Person", "name": f"Synthetic Newcomer {i}"}
            for i in range(1200)
        ],
        # stored links with a source more, new links between stored entities and to new ones
        "links": [{**link, "sources": ["bulk-test-source"]} for link in links[:400]]
        + [
            {
                "source": f"bulk-new-{i}",
                "type": "MEMBER_OF",
                "target": links[i]["target"] if links[i]["type"] == "MEMBER_OF" else None,
                "grading": "C3",
                "sources": ["bulk-test-source"],
                "since": "2020-03",
            }
            for i in range(1200)
        ],
    }
    second_doc["links"] = [link for link in second_doc["links"] if link["target"]]
    second = folder / "second.json"
    second.write_text(json.dumps(second_doc), encoding="utf-8")
    return [*curated_files(), first], second


def _load_twice(
    store: Store,
    files: list[Path],
    second: Path,
    threshold: int,
    phases: Path,
    staged: int = NEVER,
) -> dict[str, Any]:
    """Both loads into an emptied store; ``threshold``: the in-process path's, ``staged``:
    the staging path's (graph/bulk_staged.py; ``NEVER``: one transaction)."""
    wipe(store)
    held = store.bulk.threshold
    held_staged = store.bulk.staged.threshold
    store.bulk.threshold = threshold
    store.bulk.staged.threshold = staged
    try:
        load_paths(store, files)
        load_paths(store, [second])
    finally:
        store.bulk.threshold = held
        store.bulk.staged.threshold = held_staged
    return snapshot(store)


def _phases(path: Path) -> list[str]:
    if not path.exists():
        return []
    names = [json.loads(line)["phase"] for line in path.read_text().splitlines()]
    path.unlink()
    return names


def test_bulk_and_bolt_write_the_same_graph(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    phases = tmp_path / "phases.jsonl"
    monkeypatch.setenv(PHASES_ENV, str(phases))
    files, second = _first_and_second(tmp_path)
    over_bolt = _load_twice(store, files, second, NEVER, phases)
    names = _phases(phases)
    assert "write links" not in names, "the Bolt run went through the bulk path"
    assert names.count("write links over Bolt") == 2, names
    in_process = _load_twice(store, files, second, 0, phases)
    names = _phases(phases)
    assert names.count("write links") == 2, names
    assert "write links over Bolt" not in names and "publish" not in names
    staged = _load_twice(store, files, second, 0, phases, staged=0)
    names = _phases(phases)
    assert names.count("write links") == 2 and names.count("publish") == 2, names
    assert "commit" not in names and "write links over Bolt" not in names
    # the links through several engine batches (graph/bulk_staged.py, _write_edges)
    monkeypatch.setenv(EDGES_ENV, "700")
    in_small_batches = _load_twice(store, files, second, 0, phases, staged=0)
    batches = [json.loads(line).get("batches") for line in phases.read_text().splitlines()]
    assert max(b or 0 for b in batches) > 3, batches
    _phases(phases)
    monkeypatch.delenv(EDGES_ENV)
    assert in_small_batches["nodes"] == over_bolt["nodes"]
    assert in_small_batches["links"] == over_bolt["links"]
    assert len(over_bolt["nodes"]) > 2900 and len(over_bolt["links"]) > 4000
    assert in_process["nodes"] == over_bolt["nodes"]
    assert in_process["links"] == over_bolt["links"]
    assert staged["nodes"] == over_bolt["nodes"]
    assert staged["links"] == over_bolt["links"]
    # the store works on after the publications: the readers' user, writes over Bolt
    with store.reader_session() as session:
        assert session.run("MATCH (n:Entity) RETURN count(n) AS n").single()["n"] > 2900
    # the second load did what it says: an alias more, a source more, new links
    aliased = [
        n for n in in_process["nodes"] if "Alias of" in " ".join(n["props"].get("aliases", []))
    ]
    assert len(aliased) == 300
    sourced = [r for r in in_process["links"] if "bulk-test-source" in r["props"]["sources"]]
    assert len(sourced) > 1000
    wipe(store)


def test_bulk_load_into_neo4j_gives_the_same_graph(
    store: Store, neo4j_store: Store, tmp_path: Path
) -> None:
    """The same records through the embedded staging path and into Neo4j over Bolt."""
    files, second = _first_and_second(tmp_path)
    embedded = _load_twice(store, files, second, 0, tmp_path / "p", staged=0)
    wipe(neo4j_store)
    load_paths(neo4j_store, files)
    load_paths(neo4j_store, [second])
    on_neo4j = snapshot(neo4j_store)
    assert embedded["links"] == on_neo4j["links"]
    assert embedded["nodes"] == on_neo4j["nodes"]
    wipe(store)


# --- killed loads ----------------------------------------------------------------------------


def _run(store: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [STATECRIME, "--store", str(store), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def _store_snapshot(folder: Path) -> dict[str, Any]:
    with open_store(str(folder)) as opened:
        return snapshot(opened)


@pytest.fixture(scope="module")
def kill_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Any, Any]]:
    """A store holding the curated data, the records of a large load, and both snapshots."""
    base = tmp_path_factory.mktemp("bulk-kill")
    template = base / "template"
    records = base / "big.json"
    text = json.dumps(synthetic_records(4000, seed=21))
    records.write_text(text, encoding="utf-8")
    run = _run(template, "load", *map(str, curated_files()))
    assert run.wait(600) == 0, run.communicate()[1]
    before = _store_snapshot(template)
    after_dir = base / "after"
    shutil.copytree(template, after_dir)
    run = _run(after_dir, "load", str(records), env={THRESHOLD_ENV: str(NEVER)})
    assert run.wait(600) == 0, run.communicate()[1]
    after = _store_snapshot(after_dir)
    assert len(after["nodes"]) > len(before["nodes"]) + 4000
    # the staging path gives the same store from the same records
    staged_dir = base / "after-staged"
    shutil.copytree(template, staged_dir)
    phases = base / "staged-phases.jsonl"
    run = _run(staged_dir, "load", str(records), env={THRESHOLD_ENV: "0", PHASES_ENV: str(phases)})
    assert run.wait(600) == 0, run.communicate()[1]
    assert "publish" in _phases(phases)
    assert _store_snapshot(staged_dir) == after
    yield template, records, before, after


@pytest.mark.parametrize(
    ("path", "moment"),
    [
        *(("one transaction", m) for m in ("writing", "committing", "random")),
        *(("staged", m) for m in ("writing", "committing", "publishing", "random")),
    ],
)
def test_a_bulk_load_killed_at_any_moment_leaves_the_store_before_or_after(
    kill_case: tuple[Path, Path, Any, Any], tmp_path: Path, path: str, moment: str
) -> None:
    template, records, before, after = kill_case
    folder = tmp_path / "store"
    shutil.copytree(template, folder)
    phases = tmp_path / "phases.jsonl"
    threshold = "0" if path == "staged" else str(NEVER)
    env = {PHASES_ENV: str(phases), THRESHOLD_ENV: threshold}
    run = _run(folder, "load", str(records), env=env)
    rng = random.Random()
    deadline = time.monotonic() + 600

    def reached(name: str) -> bool:
        return phases.exists() and f'"{name}"' in phases.read_text()

    # "writing": the entities are being written; "committing": every record is written and the
    # commit (or the staging copy's close and publication) has begun or is about to;
    # "publishing": the staging copy is closed and is being synced and published;
    # "random": any moment after the engine started
    wait_for = {
        "writing": "read stored links",
        "committing": "write links",
        "publishing": "close the staging database",
        "random": None,
    }[moment]
    while wait_for is not None and not reached(wait_for):
        assert run.poll() is None, f"the load ended before {wait_for!r}: {run.communicate()[1]!r}"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.5 if moment in ("committing", "publishing") else 3.0))
    killed = run.poll() is None
    if killed:
        os.kill(run.pid, signal.SIGKILL)
    run.wait(60)
    got = _store_snapshot(folder)
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith((".staging", ".replaced")))
    assert not left, f"the next start left {left}"
    assert got in (before, after), (
        f"killed={killed}: {len(got['nodes'])} nodes and {len(got['links'])} links; "
        f"before {len(before['nodes'])}/{len(before['links'])}, "
        f"after {len(after['nodes'])}/{len(after['links'])}"
    )


# --- a publication cut short at each of its steps ---------------------------------------------


def _publication_cut_at(step: str, template: Path, after_db: Path, folder: Path) -> None:
    """``folder``: the store as a load killed at ``step`` of :func:`staging.publish` leaves it."""
    shutil.copytree(template, folder)
    staged = folder / staging.STAGING_NAME
    shutil.copytree(after_db, staged)
    if step == "staging unfinished":  # killed while writing the copy: no marker yet
        return
    (folder / staging.MARKER_NAME).write_text("publish\n")
    if step == "marker written":
        return
    (folder / "statecrime").rename(folder / staging.REPLACED_NAME)
    if step == "served moved aside":
        return
    staged.rename(folder / "statecrime")
    if step == "staging renamed":
        return
    (folder / staging.MARKER_NAME).unlink()  # "marker removed": the replaced copy is left


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("staging unfinished", "before"),
        ("marker written", "after"),
        ("served moved aside", "after"),
        ("staging renamed", "after"),
        ("marker removed", "after"),
    ],
)
def test_a_publication_cut_short_at_any_step_is_settled_at_the_next_start(
    kill_case: tuple[Path, Path, Any, Any], tmp_path: Path, step: str, expected: str
) -> None:
    """Each state a SIGKILL can leave between the steps of a publication (graph/staging.py),
    made on disk from real stores, opens as the store before or after the load, and the
    next start leaves no staging or replaced folder behind."""
    template, _, before, after = kill_case
    after_db = template.parent / "after" / "statecrime"
    folder = tmp_path / "store"
    _publication_cut_at(step, template, after_db, folder)
    got = _store_snapshot(folder)
    assert got == (before if expected == "before" else after)
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith("."))
    assert left == sorted([".instance.id", staging.LOCK_NAME, SCHEMA_MARK]), left


def test_a_store_is_held_by_one_process_at_a_time(kill_case: tuple[Path, Path, Any, Any]) -> None:
    """While one process holds a store (a load may have its database closed to publish a
    staging copy), another is refused at once, with the store's usual message."""
    template = kill_case[0]
    with open_store(str(template)):
        other = subprocess.run(
            [STATECRIME, "--store", str(template), "stats"], capture_output=True, text=True
        )
    assert other.returncode != 0
    assert "in use by another process" in other.stderr
