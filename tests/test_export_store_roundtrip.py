"""A JSON export of the store loads back with the loader into the same records."""

from __future__ import annotations

from pathlib import Path

from statecrime.graph.network import whole_graph
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.views.export import export_graph
from tests.support.stores import load_curated, wipe


def test_curated_export_loads_back_unchanged(store: Store, tmp_path: Path) -> None:
    load_curated(store)
    entities = sorted(store.all_entities(), key=lambda e: e.id)
    links = sorted(store.all_links(), key=lambda link: link.key)
    exported = export_graph(whole_graph(store), "json", tmp_path / "export.json")

    wipe(store)
    report = load_paths(store, [exported])
    assert report.links.added == len(links)
    assert sorted(store.all_entities(), key=lambda e: e.id) == entities
    assert sorted(store.all_links(), key=lambda link: link.key) == links
    wipe(store)
