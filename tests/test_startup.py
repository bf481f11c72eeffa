"""A read command starts light: what it imports, and what it skips on an unchanged store.

Speed itself is measured in ``benchmarks/`` (never timed here). What these tests
hold is what the speed rests on, each a fact that a change can break without
anyone noticing a slower command: a read command does not import the loaders,
the pydantic models, networkx or numpy; numpy is still there for the commands
that want it; the schema statements run again only when the schema changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from statecrime.cli import app
from statecrime.graph import connect
from statecrime.graph.connect import open_store
from statecrime.graph.embedded import DATABASE_NAME, SCHEMA_MARK
from statecrime.graph.store import Store

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "data" / "curated"

# Runs the real entry point (statecrime.entry, as the `statecrime` script does) and writes the
# names of the modules the process imported, just before it ends.
PROBE = """
import json, sys
from statecrime.graph import embedded

end = embedded.end_process
where = sys.argv[1]

def report(code):
    with open(where, "w") as out:
        json.dump(sorted(n for n, m in sys.modules.items() if m is not None), out)
    end(code)

embedded.end_process = report
sys.argv = ["statecrime", *sys.argv[2:]]
from statecrime.entry import main
main()
"""

NEVER_ON_A_READ = (
    "numpy",
    "networkx",
    "yaml",
    "jinja2",
    "rigour",
    "stix2",
    "statecrime.graph.bulk",
    "statecrime.loaders.readers",
    "statecrime.loaders.load",
    "statecrime.loaders.resolve",
    "statecrime.views.html",
)
"""Modules no read command below needs; each cost tens to hundreds of milliseconds at start."""


@pytest.fixture(scope="module")
def curated_folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("startup-store")
    result = CliRunner().invoke(app, ["--store", str(folder), "load", str(CURATED)])
    assert result.exit_code == 0, result.output
    return str(folder)


def imported_by(tmp_path: Path, *argv: str) -> tuple[set[str], str]:
    """The modules a whole ``statecrime`` process imported, and what it printed."""
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k != "STATECRIME_STORE"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text())), done.stdout


@pytest.mark.parametrize(
    ("words", "models", "printed"),
    [
        (["stats"], False, "USES_AS_PROXY"),
        (["chains", "--state", "ru"], False, "Proxy chains from ru"),
        (["show", "evil-corp"], True, "Evil Corp"),
    ],
)
def test_a_read_command_imports_no_loader_model_or_numpy(
    curated_folder: str, tmp_path: Path, words: list[str], models: bool, printed: str
) -> None:
    modules, stdout = imported_by(tmp_path, "--store", curated_folder, *words)
    assert printed in stdout  # the command did its work
    assert "neo4j" in modules and "arcadedb" in modules  # and went through the store
    assert not [name for name in NEVER_ON_A_READ if name in modules]
    # stats and chains validate no record: the models are not even built
    assert ("statecrime.graph.model" in modules) is models


def test_numpy_stays_importable_and_only_the_command_hides_it(tmp_path: Path) -> None:
    code = """
import sys
from statecrime import startup
startup.import_driver()
assert "numpy" not in sys.modules
import neo4j
from neo4j._optional_deps import np
assert np is None  # the driver imported without it
import numpy  # and it is there for whoever asks next
assert int(numpy.array([1, 2]).sum()) == 3
with startup.without_array_libraries():
    import numpy as again  # already imported: nothing is hidden
assert again is numpy
"""
    api = """
import sys
from statecrime import startup
with startup.without_array_libraries():  # not the command line: nothing is hidden
    import numpy
import neo4j
from neo4j._optional_deps import np
assert np is numpy
"""
    for script in (code, api):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_the_schema_statements_run_again_only_when_the_schema_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = Store.ensure_schema

    def counted(self: Store) -> None:
        calls.append("ensure_schema")
        real(self)

    monkeypatch.setattr(Store, "ensure_schema", counted)
    folder = tmp_path / "store"
    with open_store(folder):
        pass
    assert calls == ["ensure_schema"]  # a new store: its schema is made
    mark = folder / SCHEMA_MARK
    assert mark.read_text("utf-8") == connect._schema_state(folder)

    with open_store(folder) as store:
        assert store.counts() == ({}, {})
    assert calls == ["ensure_schema"]  # unchanged: not again

    schema = folder / DATABASE_NAME / "schema.json"
    stat = schema.stat()
    os.utime(schema, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # the engine rewrote it
    with open_store(folder):
        pass
    assert calls == ["ensure_schema"] * 2
    assert mark.read_text("utf-8") == connect._schema_state(folder)

    mark.write_text("something else", "utf-8")  # a mark that does not match: check again
    with open_store(folder):
        pass
    assert calls == ["ensure_schema"] * 3
