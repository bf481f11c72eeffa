"""Out again and back: the curated dataset exported as STIX 2.1 and FollowTheMoney.

A STIX export loads back into an empty store with the same ids, kinds, names,
relations, gradings and evidence (publisher, title, date of each source).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stix2
from followthemoney import model

from statecrime.graph.network import to_networkx
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.views.export import export_graph
from tests.support.stores import curated_files, wipe


@pytest.fixture(scope="module")
def curated(store: Store) -> tuple[list, list]:
    wipe(store)
    load_paths(store, curated_files())
    return store.all_entities(), store.all_links()


def _evidence(entities: list, links: list) -> dict[tuple[str, str, str], tuple[str, list]]:
    by_id = {e.id: e for e in entities}
    return {
        link.key: (
            link.grading,
            sorted((by_id[s].publisher, by_id[s].title, by_id[s].date) for s in link.sources),
        )
        for link in links
    }


def test_stix_round_trip_keeps_ids_names_relations_evidence(
    store: Store, curated: tuple[list, list], tmp_path: Path
) -> None:
    entities, links = curated
    path = export_graph(to_networkx(entities, links), "stix", tmp_path / "out.stix.json")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    stix2.parse(bundle, allow_custom=True)  # the stix2 package accepts the bundle
    wipe(store)
    load_paths(store, [path], "stix")
    back_entities, back_links = store.all_entities(), store.all_links()
    want = {(e.id, e.kind, e.name) for e in entities if e.kind != "Source"}
    got = {(e.id, e.kind, e.name) for e in back_entities if e.kind != "Source"}
    assert got == want
    assert {link.key for link in back_links} == {link.key for link in links}
    assert _evidence(back_entities, back_links) == _evidence(entities, links)


def test_stix_export_passes_the_validator(curated: tuple[list, list], tmp_path: Path) -> None:
    validator = pytest.importorskip("stix2validator")
    path = export_graph(to_networkx(*curated), "stix", tmp_path / "out.stix.json")
    options = validator.ValidationOptions(strict=False, disabled=["extensions-use"])
    results = validator.validate_file(str(path), options)
    assert results.is_valid, [str(e) for r in results.object_results for e in r.errors]


def test_ftm_export_is_accepted_by_the_model(curated: tuple[list, list], tmp_path: Path) -> None:
    entities, links = curated
    path = export_graph(to_networkx(entities, links), "ftm", tmp_path / "out.ftm.json")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    proxies = [model.get_proxy(line) for line in lines]
    by_id = {p.id: p for p in proxies}
    assert by_id["lazarus-group"].schema.name == "Organization"
    assert by_id["lazarus-group"].first("name") == "Lazarus Group"
    edges = [p for p in proxies if p.schema.edge]
    assert edges and all(p.schema.is_a("Interval") for p in edges)
