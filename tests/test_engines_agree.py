"""Every command gives the same answer on the embedded store and on a real Neo4j.

The two engines speak the same Cypher through the same driver, but they are
different databases: "the same answers" is shown here, not assumed. Each dataset
(the curated one, and a synthetic graph of 10,000 entities) is loaded into both
with ``statecrime load``, then every command runs on both with ``-f json`` and
the outputs must be identical, byte for byte once parsed; ``report`` and
``export`` files too. Where the engines must differ, the difference has a test of
its own in tests/test_engine_differences.py.

The Neo4j half needs ``NEO4J_URI`` (tests/run.sh starts one); without it the
module is skipped. The embedded half runs on a store folder of its own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from statecrime.cli import app
from tests.support.stores import curated_files
from tests.support.synthetic import synthetic_records

CURATED_COMMANDS: list[list[str]] = [
    ["stats"],
    ["search", "lazarus"],
    ["search", "iran"],
    ["search", "ru-"],
    ["search", "kinahan", "--limit", "2"],
    ["show", "ru-gru"],
    ["show", "lazarus-group"],
    ["show", "evil-corp"],
    ["show", "zindashti-network"],
    ["chains"],
    ["chains", "--state", "ru"],
    ["chains", "--state", "kp", "--max-hops", "3"],
    ["chains", "--max-hops", "6"],
    ["chains", "--min-grading", "B2"],
    ["chains", "--as-of", "2020-01-01"],
    ["chains", "--target-country", "GB"],
    ["chains", "--crime", "cyber-intrusion"],
    ["chains", "--limit", "3"],
    ["chains", "--state", "ir", "--min-grading", "B3", "--target-country", "GB", "--limit", "5"],
    ["taskings"],
    ["taskings", "--state", "cn"],
    ["backers", "lazarus-group"],
    ["backers", "evil-corp"],
    ["backers", "zindashti-network"],
    ["cross-proxies"],
    ["cross-proxies", "--state", "ir"],
    ["paths", "ru", "evil-corp"],
    ["paths", "kp", "sony-pictures", "--max-hops", "4"],
    ["paths", "ir", "masih-alinejad", "--max-hops", "5", "--exclude", "BASED_IN", "--limit", "3"],
    ["around", "ru-gru", "--hops", "1"],
    ["around", "ir"],
    ["around", "kp", "--hops", "3"],
    ["brokers"],
    ["brokers", "--limit", "5"],
    ["communities"],
    ["timeline", "ru-gru", "evil-corp"],
    ["timeline", "ir", "ir-irgc", "zindashti-network", "--chain"],
]

# On 10,000 entities the embedded store takes seconds a command: each filter is
# tried once, from one state, to keep the suite within its time.
SYNTHETIC_COMMANDS: list[list[str]] = [
    ["stats"],
    ["search", "Synthetic Group 12"],
    ["search", "synthetic-person-1", "--limit", "10"],
    ["show", "synthetic-state-0"],
    ["show", "synthetic-group-7"],
    ["chains", "--state", "synthetic-state-1", "--max-hops", "3"],
    ["chains", "--state", "synthetic-state-2", "--min-grading", "B2", "--as-of", "2015-06-01",
     "--target-country", "AA", "--crime", "fraud", "--max-hops", "3", "--limit", "50"],
    ["taskings", "--state", "synthetic-state-2"],
    ["backers", "synthetic-group-3"],
    ["cross-proxies", "--state", "synthetic-state-3"],
    ["paths", "synthetic-state-0", "synthetic-person-5", "--max-hops", "4", "--limit", "20"],
    ["around", "synthetic-stateagency-1", "--hops", "1"],
    ["timeline", "synthetic-group-3", "synthetic-person-9"],
]

# What each dataset writes as files: (command, file option) pairs compared whole.
FILE_COMMANDS: dict[str, list[list[str]]] = {
    "curated": [
        ["report", "--state", "ru"],
        ["report", "--state", "ir", "--max-hops", "3", "--min-grading", "B2"],
        ["export", "--to", "json"],
        ["export", "--to", "json", "--max-tlp", "GREEN"],
        ["export", "--to", "graphml"],
        ["export", "--to", "gexf"],
    ],
    "synthetic": [
        ["report", "--state", "synthetic-state-0", "--max-hops", "3"],
    ],
}


@pytest.fixture(scope="module")
def neo4j_target(neo4j_store) -> str:
    """The test Neo4j's URI (the database emptied for this module by ``neo4j_store``)."""
    return os.environ["NEO4J_URI"]


def invoke(store: str, args: list[str]) -> Any:
    """Run ``statecrime --store STORE -f json ARGS`` in-process; the parsed JSON it printed."""
    result = CliRunner().invoke(app, ["--store", store, "-f", "json", *args])
    assert result.exit_code == 0, f"{args} on {store}: exit {result.exit_code}\n{result.output}"
    return json.loads(result.stdout)


def dataset_files(name: str, folder: Path) -> list[str]:
    if name == "curated":
        return [str(p) for p in curated_files()]
    path = folder / "synthetic-10k.json"
    path.write_text(json.dumps(synthetic_records(10_000)), encoding="utf-8")
    return [str(path)]


@pytest.fixture(scope="module", params=["curated", "synthetic"])
def loaded(request, neo4j_target: str, tmp_path_factory) -> dict[str, Any]:
    """Both engines holding one dataset, loaded with ``statecrime load``."""
    from statecrime.graph.connect import open_store
    from tests.support.neo4j import wipe_neo4j

    name = request.param
    folder = tmp_path_factory.mktemp(f"agree-{name}")
    embedded = str(folder / "store")
    with open_store(neo4j_target) as neo4j:
        wipe_neo4j(neo4j)
    files = dataset_files(name, folder)
    reports = {
        "embedded": invoke(embedded, ["load", *files]),
        "neo4j": invoke(neo4j_target, ["load", *files]),
    }
    return {
        "name": name,
        "embedded": embedded,
        "neo4j": neo4j_target,
        "folder": folder,
        "reports": reports,
    }


def without_files(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "files"}


def test_load_reports_agree(loaded) -> None:
    assert without_files(loaded["reports"]["embedded"]) == without_files(loaded["reports"]["neo4j"])
    assert loaded["reports"]["neo4j"]["entities"]["added"] > 0


def _commands(name: str) -> list[list[str]]:
    return CURATED_COMMANDS if name == "curated" else SYNTHETIC_COMMANDS


def test_every_command_agrees(loaded) -> None:
    differences = []
    for args in _commands(loaded["name"]):
        on_embedded = invoke(loaded["embedded"], args)
        on_neo4j = invoke(loaded["neo4j"], args)
        if on_embedded != on_neo4j:
            differences.append((args, on_embedded, on_neo4j))
    assert not differences, _describe(differences)


def test_every_file_command_agrees(loaded) -> None:
    folder: Path = loaded["folder"]
    differences = []
    for i, args in enumerate(FILE_COMMANDS[loaded["name"]]):
        written = {}
        for engine in ("embedded", "neo4j"):
            out = folder / f"{engine}-{i}.out"
            invoke(loaded[engine], [*args, "--output", str(out)])
            written[engine] = out.read_text(encoding="utf-8")
        assert written["neo4j"].strip(), f"{args} wrote nothing"
        if written["embedded"] != written["neo4j"]:
            differences.append((args, written["embedded"], written["neo4j"]))
    assert not differences, _describe(differences)


def test_the_commands_found_something(loaded) -> None:
    """The comparison means something only if the answers are not all empty."""
    stats = invoke(loaded["neo4j"], ["stats"])
    assert sum(stats["entities"].values()) > 100
    found = invoke(loaded["neo4j"], ["chains", "--max-hops", "3", "--limit", "5"])
    assert found["count"] > 0


def _describe(differences: list[tuple[list[str], Any, Any]]) -> str:
    import difflib

    parts = []
    for args, a, b in differences:
        left = a if isinstance(a, str) else json.dumps(a, indent=1, sort_keys=True)
        right = b if isinstance(b, str) else json.dumps(b, indent=1, sort_keys=True)
        diff = difflib.unified_diff(
            left.splitlines(), right.splitlines(), "embedded", "neo4j", lineterm="", n=1
        )
        parts.append(f"statecrime {' '.join(args)}:\n" + "\n".join(list(diff)[:60]))
    return f"{len(differences)} command(s) differ between the engines:\n" + "\n\n".join(parts)
