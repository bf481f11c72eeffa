"""The public API does what the README's Python example says."""

from __future__ import annotations

from pathlib import Path

from statecrime import api
from statecrime.graph.store import Store
from tests.support.stores import load_curated


def test_readme_example_flow(store: Store, tmp_path: Path) -> None:
    load_curated(store)
    report = api.load_paths(store, api.curated_files())
    assert report.links.added == 0 and report.links.unchanged > 100
    chains = api.find_chains(store, state="kp", min_grading="B2")
    assert chains and all(chain.ids[0] == "kp" for chain in chains)
    assert all(api.Grading.parse(chain.grading).meets(api.Grading.parse("B2")) for chain in chains)
    view = api.render_html(
        api.whole_graph(store), tmp_path / "view.html", highlight=[c.ids for c in chains]
    )
    assert view.exists() and "Reconnaissance General Bureau" in view.read_text("utf-8")
