"""``export --to neo4j-import``: the CSV files neo4j-admin reads hold what the store holds."""

from __future__ import annotations

import csv

import pytest

from statecrime.graph import domain
from statecrime.graph.model import Entity
from statecrime.graph.properties import entity_properties, link_properties
from statecrime.loaders.load import load_paths
from statecrime.views.neo4j_import import ExportValueError, export_neo4j_import
from tests.support.query_graphs import write_graph


def _read(header, data):
    with header.open(encoding="utf-8") as handle:
        names = next(csv.reader(handle))
    with data.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    out = []
    for row in rows:
        record = {}
        for name, cell in zip(names, row, strict=True):
            key, _, kind = name.partition(":")
            if cell == "":
                continue
            record[key or kind] = cell.split(";") if kind == "string[]" else cell
        out.append(record)
    return out


def test_files_hold_every_entity_and_link(empty_store, tmp_path) -> None:
    load_paths(empty_store, [write_graph(tmp_path)])
    entities, links = empty_store.all_entities(), empty_store.all_links()
    files, command = export_neo4j_import(entities, links, tmp_path / "out")
    assert command.startswith("neo4j-admin database import full neo4j ")
    for path in files:
        assert str(path) in command
    nodes, rels = {}, {}
    for header in sorted(p for p in files if p.name.endswith("-header.csv")):
        data = header.with_name(header.name.replace("-header", ""))
        for record in _read(header, data):
            if header.name.startswith("nodes-"):
                nodes[record.pop("id")] = record
            else:
                key = (record.pop("START_ID(Entity)"), record.pop("TYPE"), record.pop("END_ID(Entity)"))
                rels[key] = record
    assert set(nodes) == {e.id for e in entities}
    for entity in entities:
        props = entity_properties(entity)
        props.pop("id")
        labels = nodes[entity.id].pop("LABEL")
        assert labels.split(";") == ["Entity", entity_label(entity.kind)]
        assert nodes[entity.id] == {k: v if isinstance(v, list) else str(v) for k, v in props.items()}
    assert set(rels) == {link.key for link in links}
    for link in links:
        expected = {k: v if isinstance(v, list) else str(v) for k, v in link_properties(link).items()}
        assert rels[link.key] == expected


def test_a_list_value_with_the_delimiter_is_refused(tmp_path) -> None:
    entity = Entity(id="x", kind="Person", name="X", aliases=["a;b"])
    with pytest.raises(ExportValueError, match="entity 'x'"):
        export_neo4j_import([entity], [], tmp_path)


def entity_label(kind: str) -> str:
    return domain.ENTITY_KINDS[kind].label
