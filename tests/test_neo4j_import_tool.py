"""``export --to neo4j-import`` taken through Neo4j's own bulk importer, as a user would.

The files the export writes, and the command line it prints, are given to the real
``neo4j-admin database import full`` (the import tool of the Neo4j the suite runs,
started by ``scripts/neo4j-local.sh import-start`` as a second, private server); then
statecrime itself opens the imported database, which it has never written to. What
the user checks: every entity and link arrived with its properties, and the
analysts' questions give the same answers there as on the embedded store the
export came from.

It needs the Neo4j the suite runs (NEO4J_URI, built by tests/run.sh): the second
server comes from the same Maven project.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from statecrime import api
from statecrime.graph.store import Store
from statecrime.views.neo4j_import import export_neo4j_import
from tests.support.stores import load_curated

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "neo4j-local.sh"
CLASSPATH = REPO / "tests" / "neo4j-server" / "target" / "classpath.txt"


def exports(text: str) -> dict[str, str]:
    """The ``export NAME=value`` lines neo4j-local.sh prints, as a mapping."""
    found = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = value
    return found


@pytest.fixture(scope="module")
def imported(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A second Neo4j, filled by the import tool from the export of the curated store."""
    if not os.environ.get("NEO4J_URI") or not CLASSPATH.exists():
        pytest.skip("needs the suite's Neo4j (tests/run.sh builds and starts it)")
    folder = tmp_path_factory.mktemp("neo4j-import")
    load_curated(store)
    _, command_line = export_neo4j_import(store.all_entities(), store.all_links(), folder / "csv")
    command = shlex.split(command_line)
    assert command[:5] == ["neo4j-admin", "database", "import", "full", "neo4j"]
    state = {**os.environ, "STATECRIME_NEO4J_STATE": str(folder / "state")}
    started = subprocess.run(
        ["bash", str(SCRIPT), "import-start", *command[5:]],
        env=state,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert started.returncode == 0, started.stderr
    found = exports(started.stdout)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("NEO4J_USER", found["NEO4J_USER"])
            env.setenv("NEO4J_PASSWORD", found["NEO4J_PASSWORD"])
            with api.open_store(found["NEO4J_URI"]) as opened:
                yield opened
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=state, capture_output=True, timeout=120)


def test_the_import_tool_builds_the_same_graph(curated_store: Store, imported: Store) -> None:
    """Every entity and every link, with every property, as the embedded store holds them."""
    assert imported.engine == "neo4j"
    entities = curated_store.all_entities()
    assert len(entities) > 100
    assert sorted(imported.all_entities(), key=by_id) == sorted(entities, key=by_id)
    links = curated_store.all_links()
    assert sorted(imported.all_links(), key=by_key) == sorted(links, key=by_key)


QUESTIONS = {
    "chains from ru": lambda s: api.find_chains(s, state="ru"),
    "chains from kp, B2 or better": lambda s: api.find_chains(s, state="kp", min_grading="B2"),
    "taskings": api.find_taskings,
    "show evil-corp": lambda s: api.show(s, "evil-corp"),
}


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_analysts_questions_agree(curated_store: Store, imported: Store, question) -> None:
    ask = QUESTIONS[question]
    expected = ask(curated_store)
    assert expected
    assert ask(imported) == expected


def by_id(entity: api.Entity) -> str:
    return entity.id


def by_key(link: api.Link) -> tuple[str, str, str]:
    return link.key
