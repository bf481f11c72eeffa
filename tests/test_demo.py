"""The README's main job: the curated dataset loaded, chains printed, the view written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from statecrime.cli import app
from tests.test_dataset import readme_chains


def test_demo_loads_prints_chains_and_writes_the_view(tmp_path: Path) -> None:
    store = tmp_path / "store"
    view = tmp_path / "view.html"
    first = CliRunner().invoke(app, ["--store", str(store), "-f", "json", "demo", "-o", str(view)])
    assert first.exit_code == 0, first.output
    document = json.loads(first.output)
    assert document["schemaVersion"] == 1 and document["command"] == "demo"
    assert document["load"]["links"]["added"] >= 100
    found = {" ".join(n["id"] for n in chain["nodes"]) for chain in document["chains"]}
    assert all(len(chain["hops"]) >= 3 for chain in document["chains"])
    for chain in readme_chains():
        assert any(" ".join(chain) in ids for ids in found), f"demo misses {' → '.join(chain)}"
    assert document["taskings"], "no tasking links printed"
    html = view.read_text(encoding="utf-8")
    assert document["view"] == str(view.resolve()) and "vis-network" in html.lower()

    again = CliRunner().invoke(app, ["--store", str(store), "demo", "-o", str(view)])
    assert again.exit_code == 0, again.output
    assert "0 records added" in again.output
    assert "Proxy chains of 3+ hops" in again.output and "Tasking links by state" in again.output
    assert f"HTML view written to {view.resolve()}" in again.output
