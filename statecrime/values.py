"""Driver values made plain: nodes, relationships and paths as JSON-able data.

Analysts' own Cypher can return anything; the CLI prints it as JSON or in a
table, so graph objects are turned into mappings first.
"""

from __future__ import annotations

from typing import Any

import neo4j.time
from neo4j.graph import Node, Path, Relationship


def plain(value: Any) -> Any:
    """A driver value as plain data (dicts, lists, strings, numbers)."""
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": plain(dict(value))}
    if isinstance(value, Relationship):
        return {
            "type": value.type,
            "start": value.start_node.get("id") if value.start_node else None,
            "end": value.end_node.get("id") if value.end_node else None,
            "properties": plain(dict(value)),
        }
    if isinstance(value, Path):
        return {
            "nodes": [plain(n) for n in value.nodes],
            "relationships": [plain(r) for r in value.relationships],
        }
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime | neo4j.time.Time):
        return value.iso_format()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    return value


def parse_param(text: str) -> tuple[str, Any]:
    """``k=v`` from the command line: v is JSON when it parses as JSON, else a string.

    >>> parse_param('limit=5'), parse_param('name=Evil Corp'), parse_param('ids=["a","b"]')
    (('limit', 5), ('name', 'Evil Corp'), ('ids', ['a', 'b']))
    """
    import orjson

    if "=" not in text:
        raise ValueError(f"--param takes name=value, got {text!r}")
    name, raw = text.split("=", 1)
    name = name.strip()
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a parameter name")
    try:
        return name, orjson.loads(raw)
    except orjson.JSONDecodeError:
        return name, raw
