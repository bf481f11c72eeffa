"""Export a statecrime graph for other tools: GraphML and GEXF for Gephi, yEd or
Cytoscape, and a versioned JSON document that ``statecrime load`` reads back.

GraphML and GEXF take only scalar attributes, so lists and dicts travel as
JSON strings under a ``...Json`` name (``aliasesJson``, ``sourcesJson``) while
``label``, ``kind``, ``relationType`` and ``grading`` stay plain, for Gephi to
colour and filter by. GraphML also keeps ``type``; GEXF reserves ``type`` on
edges for directedness, so there the relation type is ``relationType`` and the
edge ``label``.

The JSON export (``format: statecrime-records``, ``schemaVersion: 1``) is the
loader's native record shape::

    {"schemaVersion": 1, "format": "statecrime-records",
     "entities": [{"id", "kind", "name", ...}],
     "sources": [{"id", "kind": "Source", "name", "publisher", "title", "date", ...}],
     "links": [{"source", "type", "target", "grading", "sources": [ids],
                "since", "until", "note", "tlp"}]}

Empty fields (None, empty lists and dicts, ``isClass: false``) are left out,
as in a hand-written record file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from statecrime.graph.domain import SOURCE_KIND
from statecrime.graph.model import Entity, Link
from statecrime.graph.network import to_networkx

if TYPE_CHECKING:
    import networkx as nx

ExportFormat = Literal["graphml", "gexf", "json"]

SCHEMA_VERSION = 1
RECORDS_FORMAT = "statecrime-records"
SOURCE_FIELDS: tuple[str, ...] = ("id", "publisher", "title", "date", "url", "sourceType", "tlp")
"""The fields of a source as it hangs on an edge of the graph."""
LINK_FIELDS: tuple[str, ...] = ("since", "until", "note", "tlp")
"""Optional link fields besides source, type, target, grading and sources."""


def _empty(value: object) -> bool:
    return value is None or value is False or (isinstance(value, list | dict | tuple) and not value)


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not _empty(value)}


def _source_record(source: dict[str, Any]) -> dict[str, Any]:
    """A source as the loader reads it: a Source entity, named by its title."""
    record = {"id": source.get("id"), "kind": SOURCE_KIND, "name": source.get("title")}
    record |= {key: source.get(key) for key in SOURCE_FIELDS if key != "id"}
    for key, value in source.items():
        record.setdefault(key, value)
    return _compact(record)


def _cite(cited: list[Any], sources: dict[str, dict[str, Any]]) -> list[str]:
    """The ids of resolved sources (or ids as given), each source kept once in ``sources``."""
    ids = []
    for source in cited:
        if isinstance(source, dict):
            sources.setdefault(str(source["id"]), _source_record(source))
            ids.append(str(source["id"]))
        else:
            ids.append(str(source))
    return ids


def graph_records(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The graph as the versioned record document (see the module docstring).

    Source-kind nodes, if the graph holds any, are listed with the sources.
    Sources are listed once each. Every list is sorted (entities and sources by
    id, links by source, type, target) so that two exports of the same graph
    are byte-identical and their diffs readable.
    """
    entities: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = {}
    for node, attrs in graph.nodes(data=True):
        record = _compact({"id": node} | dict(attrs))
        if record.get("kind") == SOURCE_KIND:
            sources.setdefault(str(record["id"]), record)
            continue
        if record.get("sources"):
            record["sources"] = _cite(record["sources"], sources)
        entities.append(record)
    links: list[dict[str, Any]] = []
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        ids = _cite(attrs.get("sources") or [], sources)
        link = {
            "source": u,
            "type": attrs.get("type") or key,
            "target": v,
            "grading": attrs.get("grading"),
            "sources": ids,
        } | {field: attrs.get(field) for field in LINK_FIELDS}
        links.append(_compact(link))
    return {
        "schemaVersion": SCHEMA_VERSION,
        "format": RECORDS_FORMAT,
        "entities": sorted(entities, key=lambda record: str(record["id"])),
        "sources": sorted(sources.values(), key=lambda record: str(record["id"])),
        "links": sorted(links, key=lambda link: (link["source"], link["type"], link["target"])),
    }


def graph_from_records(document: dict[str, Any]) -> nx.MultiDiGraph:
    """The graph of a record document, in the shape the view and exports take.

    The inverse of :func:`graph_records`, for tests and for files read without
    a store: the records are validated as the loader validates them, then built
    by :func:`statecrime.graph.network.to_networkx`, like a graph from the store.
    """
    sources = [{"kind": SOURCE_KIND, **source} for source in document.get("sources", [])]
    entities = [Entity.model_validate(e) for e in [*document.get("entities", []), *sources]]
    links = [Link.model_validate(link) for link in document.get("links", [])]
    return to_networkx(entities, links)


def _scalar_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes GraphML and GEXF can hold: scalars as they are, the rest as ``<name>Json``."""
    flat: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, str | bool | int | float):
            flat[key] = value
        else:
            flat[f"{key}Json"] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return flat


def flat_graph(graph: nx.MultiDiGraph, *, gexf: bool = False) -> nx.MultiDiGraph:
    """A copy with scalar attributes only, labelled for Gephi (see the module docstring)."""
    import networkx as nx
    flat = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        data = _scalar_attrs(dict(attrs))
        data["label"] = str(attrs.get("name") or node)
        flat.add_node(node, **data)
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        data = _scalar_attrs({k: val for k, val in attrs.items() if k != "sources"})
        rel_type = str(attrs.get("type") or key)
        sources = list(attrs.get("sources") or [])
        data |= {
            "label": rel_type,
            "relationType": rel_type,
            "sourcesJson": json.dumps(sources, ensure_ascii=False, sort_keys=True),
            "sourceCount": len(sources),
        }
        if gexf:
            data.pop("type", None)
        else:
            data["type"] = rel_type
        flat.add_edge(u, v, key=key, **data)
    return flat


def export_graph(graph: nx.MultiDiGraph, fmt: ExportFormat, output: Path) -> Path:
    """Write ``graph`` as GraphML, GEXF or the JSON record document; return the path."""
    import networkx as nx
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        nx.write_graphml(flat_graph(graph), output, encoding="utf-8")
    elif fmt == "gexf":
        nx.write_gexf(flat_graph(graph, gexf=True), output, encoding="utf-8")
    elif fmt == "json":
        text = json.dumps(graph_records(graph), ensure_ascii=False, indent=2, default=str)
        output.write_text(text + "\n", encoding="utf-8")
    else:
        raise ValueError(f"unknown export format {fmt!r}; expected graphml, gexf or json")
    return output
