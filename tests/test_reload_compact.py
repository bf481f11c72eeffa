"""Reloads compare with stored records held compactly (graph/stored.py), with the same merge.

A reload names every stored record, so the stored versions are no longer held
as models: entities as the JSON text of their properties, links compared as
they stream from the engine, where a stored link exactly as the load gives it
is handed to the merge as the load's own object. These tests make sure that
shortcut never hides a change: a reload of a big batch that changes one stored
link (and one entity) in its middle writes exactly those, merged by the rule,
and counts them; a stored record holding more than the reload gives keeps it;
and the holders say "the same" only when every field is the same.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from statecrime.graph.model import Entity, Link
from statecrime.graph.properties import entity_properties, link_properties
from statecrime.graph.store import Store
from statecrime.graph.stored import StoredEntities, StoredLinks
from statecrime.loaders.load import LoadReport, load_paths
from statecrime.loaders.merge import merge_records
from statecrime.loaders.resolve import _adds_nothing
from tests.support.synthetic import synthetic_records

NEW_SOURCE = {
    "id": "reload-test-source",
    "publisher": "statecrime tests (not real data)",
    "title": "A second source for synthetic records",
    "date": "2026-03-01",
    "sourceType": "research",
}


def _links(store: Store) -> dict[tuple[str, str, str], dict[str, Any]]:
    rows = store.read(
        "MATCH (a:Entity)-[r]->(b:Entity) "
        "RETURN a.id AS source, type(r) AS type, b.id AS target, properties(r) AS props"
    )
    return {(r["source"], r["type"], r["target"]): r["props"] for r in rows}


def _entities(store: Store) -> dict[str, dict[str, Any]]:
    rows = store.read("MATCH (n:Entity) RETURN properties(n) AS props")
    return {r["props"]["id"]: r["props"] for r in rows}


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _counts(report: LoadReport) -> dict[str, dict[str, int]]:
    return {name: vars(getattr(report, name)) for name in ("entities", "sources", "links")}


@pytest.mark.parametrize("part", ["whole", "part"])
def test_a_reload_changing_one_link_in_the_middle_is_merged_and_counted(
    engine_store: Store, tmp_path: Path, part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``whole``: the reload gives every stored record (the embedded store scans them all);
    ``part``: a tenth of the links (it looks each one up, in-process on the embedded store
    too). Neo4j reads them over Bolt, through the same holders."""
    store = engine_store
    if store.bulk is not None:
        monkeypatch.setattr(store.bulk, "threshold", 0)
    doc = synthetic_records(1500, seed=13)
    load_paths(store, [_write(tmp_path / "first.json", doc)])
    before_links, before_entities = _links(store), _entities(store)
    n_links = len(doc["links"])
    assert n_links > 3000 and len(before_links) == n_links

    again = copy.deepcopy(doc)
    if part == "part":
        again["links"] = again["links"][n_links // 2 - 150 : n_links // 2 + 150]
        again["entities"] = []
    links = again["links"]
    mid = len(links) // 2
    changed, noted, dated = links[mid], links[mid + 1], links[mid + 2]
    changed_key = (changed["source"], changed["type"], changed["target"])
    noted_key = (noted["source"], noted["type"], noted["target"])
    dated_key = (dated["source"], dated["type"], dated["target"])
    new_grading = "A1" if changed["grading"] != "A1" else "C3"
    changed.update(grading=new_grading, sources=[NEW_SOURCE["id"]])
    noted["note"] = "given again with a note"
    dated["since"] = "2009-05"  # a date only: sinceFirst changes with it
    again["sources"].append(NEW_SOURCE)
    # a new link between two stored entities, in the middle of the stored ones
    people = [e["id"] for e in doc["entities"] if e["kind"] == "Person"]
    new_key = (people[3], "LINKED_TO", people[-4])
    assert new_key not in before_links
    links.insert(
        mid,
        {
            "source": new_key[0],
            "type": "LINKED_TO",
            "target": new_key[2],
            "grading": "B2",
            "sources": [NEW_SOURCE["id"]],
        },
    )
    if part == "whole":
        renamed = again["entities"][len(again["entities"]) // 2]
        renamed["aliases"] = ["An alias given on reload"]

    report = load_paths(store, [_write(tmp_path / "again.json", again)])
    given_links = len(links)
    counts = _counts(report)
    assert counts["links"] == {"added": 1, "updated": 3, "unchanged": given_links - 4}
    assert counts["sources"]["added"] == 1
    if part == "whole":
        assert counts["entities"] == {
            "added": 0,
            "updated": 1,
            "unchanged": len(doc["entities"]) - 1,
        }

    after_links, after_entities = _links(store), _entities(store)
    assert set(after_links) == set(before_links) | {new_key}
    # the merge rule: the grading given replaces, the sources are united, stored first
    assert after_links[changed_key]["grading"] == new_grading
    assert after_links[changed_key]["sources"] == [
        *before_links[changed_key]["sources"],
        NEW_SOURCE["id"],
    ]
    assert after_links[noted_key] == {**before_links[noted_key], "note": "given again with a note"}
    assert after_links[dated_key]["since"] == "2009-05"
    assert after_links[dated_key]["sinceFirst"] == "2009-05-01"
    assert after_links[new_key]["sources"] == [NEW_SOURCE["id"]]
    for key, props in before_links.items():
        if key not in (changed_key, noted_key, dated_key):
            assert after_links[key] == props, key
    if part == "whole":
        assert after_entities[renamed["id"]]["aliases"] == ["An alias given on reload"]
    for entity_id, props in before_entities.items():
        if part == "part" or entity_id != renamed["id"]:
            assert after_entities[entity_id] == props, entity_id

    # the first file again: a grading and a date it gives replace the stored ones; the
    # sources, the note and the alias the stored records hold beyond it are kept
    report = load_paths(store, [tmp_path / "first.json"])
    counts = _counts(report)
    assert counts["links"] == {"added": 0, "updated": 2, "unchanged": n_links - 2}
    assert counts["entities"] == {"added": 0, "updated": 0, "unchanged": len(doc["entities"])}
    last_links = _links(store)
    assert last_links[changed_key] == {
        **before_links[changed_key],
        "sources": after_links[changed_key]["sources"],
    }
    assert last_links[dated_key] == before_links[dated_key]
    assert {k: v for k, v in last_links.items() if k not in (changed_key, dated_key)} == {
        k: v for k, v in after_links.items() if k not in (changed_key, dated_key)
    }
    assert _entities(store) == after_entities


def _entity(**fields: Any) -> Entity:
    return Entity.model_validate({"id": "e-1", "kind": "Person", "name": "Synthetic E", **fields})


def test_stored_entities_hold_exactly_or_say_compare() -> None:
    plain = _entity(
        aliases=["X"], country="AA", identifiers={"reg": ["1", "2"]}, roles=["criminal"]
    )
    held = StoredEntities()
    held.add(entity_properties(plain))
    assert held.holds(plain) and held["e-1"] == plain and held.kind("e-1") == "Person"
    for other in (
        _entity(aliases=["X", "Y"], country="AA", identifiers={"reg": ["1", "2"]}),
        _entity(aliases=["X"], country="AA", identifiers={"reg": ["2", "1"]}, roles=["criminal"]),
        _entity(aliases=["X"], country="BB", identifiers={"reg": ["1", "2"]}, roles=["criminal"]),
        _entity(aliases=["X"], country="AA", identifiers={"reg": ["1", "2"]}),
    ):
        assert not held.holds(other)
    # a scheme holding ":" would not come back from the stored form as it was: refused
    with pytest.raises(ValidationError, match="holds ':'"):
        _entity(identifiers={"a:b": ["c"]})
    # a model put in (a split's restored record) is kept as it is
    held["e-2"] = _entity(id="e-2")
    assert held.holds(_entity(id="e-2")) and held["e-2"].id == "e-2" and len(held) == 2


def test_stored_links_hand_over_the_given_object_only_when_every_property_is_the_same() -> None:
    given = Link(
        source="a", type="LINKED_TO", target="b", grading="B2", sources=["s"], since="2020"
    )
    key = given.key
    for props, same in (
        (link_properties(given), True),
        ({**link_properties(given), "note": "more"}, False),
        ({**link_properties(given), "sources": ["s", "t"]}, False),
        ({**link_properties(given), "sinceFirst": "2020-02-01"}, False),
        ({k: v for k, v in link_properties(given).items() if k != "since"}, False),
    ):
        found = StoredLinks([key, ("a", "LINKED_TO", "c")], {key: given})
        found.add(key, props)
        found.add(("x", "LINKED_TO", "y"), link_properties(given))  # never asked for
        assert list(found) == [key] and len(found) == 1 and ("a", "LINKED_TO", "c") not in found
        assert (found[key] is given) is same, props
        assert found.same == (1 if same else 0)
        if not same:
            # built from the stored properties (derived ones dropped), as before
            assert found[key].sources == props["sources"]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"aliases": ["X"], "identifiers": {"reg": ["1"]}, "country": "AA"},
        {"aliases": ["X", "X"]},
        {"identifiers": {"reg": ["1", "1"]}},
        {"aliases": ["X"], "topics": ["t"], "sources": ["s"], "isClass": True},
    ],
)
def test_resolution_keeps_the_batch_record_only_where_the_merge_would_give_it(
    fields: dict[str, Any],
) -> None:
    """``_adds_nothing(found, entity)`` must imply ``merge_records(found, entity) == entity``."""
    from statecrime.loaders.match_index import matching_part

    entity = _entity(**fields)
    for found in (
        matching_part(entity),
        matching_part(_entity(**{**fields, "name": "Another Name"})),
        matching_part(_entity(**{**fields, "aliases": ["Z"]})),
    ):
        if _adds_nothing(found, entity):
            assert merge_records(found, entity) == entity
    duplicates = fields.get("aliases", []) != list(dict.fromkeys(fields.get("aliases", [])))
    duplicates |= any(len(set(v)) < len(v) for v in fields.get("identifiers", {}).values())
    assert _adds_nothing(matching_part(entity), entity) is not duplicates
