"""Export a store for ``neo4j-admin database import full``: Neo4j's bulk loader.

``neo4j-admin`` builds a new, empty database from CSV files far faster than
any transactional load: the way to move a large statecrime store into a Neo4j
server. This writes, into one folder, a header file and a data file for the
entities of each kind (labels ``Entity`` and the kind's label, as the store
gives them) and for the links of each relation type, with exactly the
properties the store holds (:mod:`statecrime.graph.properties`), and returns
the command line that loads them.

Lists are ``string[]`` columns split on ``;`` (neo4j-admin's default array
delimiter); a list value that itself holds a ``;`` is refused with its entity
or link named rather than split wrongly. After the import, the first
``statecrime`` command against the database creates the id constraint and the
name index (``Store.ensure_schema``).
"""

from __future__ import annotations

import csv
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from statecrime.graph import domain
from statecrime.graph.model import Entity, Link
from statecrime.graph.properties import entity_properties, link_properties

ARRAY_DELIMITER = ";"
ID_SPACE = "Entity"


class ExportValueError(ValueError):
    """A value the CSV format cannot carry unchanged."""


def _column_type(values: Iterable[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {list, tuple}:
        return "string[]"
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int}:
        return "long"
    if kinds <= {int, float}:
        return "double"
    return "string"


def _cell(value: Any, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        for item in value:
            if ARRAY_DELIMITER in str(item):
                raise ExportValueError(
                    f"{what}: the list value {item!r} holds {ARRAY_DELIMITER!r}, "
                    "neo4j-admin's array delimiter"
                )
        return ARRAY_DELIMITER.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write(
    folder: Path, stem: str, fixed: list[str], rows: list[tuple[list[str], dict[str, Any], str]]
) -> tuple[Path, Path]:
    """One header file and one data file: ``fixed`` columns, then the union of properties."""
    names = sorted({name for _, props, _ in rows for name in props})
    types = {name: _column_type(props.get(name) for _, props, _ in rows) for name in names}
    header = folder / f"{stem}-header.csv"
    data = folder / f"{stem}.csv"
    with header.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            [*fixed, *(f"{n}:{types[n]}" if types[n] != "string" else n for n in names)]
        )
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for cells, props, what in rows:
            writer.writerow([*cells, *(_cell(props.get(n), what) for n in names)])
    return header, data


def export_neo4j_import(
    entities: Iterable[Entity], links: Iterable[Link], folder: Path, database: str = "neo4j"
) -> tuple[list[Path], str]:
    """Write the CSV files into ``folder``; the files and the ``neo4j-admin`` command line."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_kind: dict[str, list[tuple[list[str], dict[str, Any], str]]] = {}
    for entity in entities:
        props = entity_properties(entity)
        props.pop("id")  # the id:ID column stores it as the property id
        labels = f"{domain.ENTITY_LABEL};{domain.ENTITY_KINDS[entity.kind].label}"
        by_kind.setdefault(entity.kind, []).append(
            ([entity.id, labels], props, f"entity {entity.id!r}")
        )
    by_type: dict[str, list[tuple[list[str], dict[str, Any], str]]] = {}
    for link in links:
        by_type.setdefault(link.type, []).append(
            ([link.source, link.target, link.type], link_properties(link), f"link {link.key}")
        )
    written: list[Path] = []
    args = ["neo4j-admin", "database", "import", "full", database]
    for kind, rows in sorted(by_kind.items()):
        header, data = _write(folder, f"nodes-{kind}", [f"id:ID({ID_SPACE})", ":LABEL"], rows)
        written += [header, data]
        args.append(f"--nodes={header},{data}")
    for relation, rows in sorted(by_type.items()):
        fixed = [f":START_ID({ID_SPACE})", f":END_ID({ID_SPACE})", ":TYPE"]
        header, data = _write(folder, f"links-{relation}", fixed, rows)
        written += [header, data]
        args.append(f"--relationships={header},{data}")
    return written, shlex.join(args)
