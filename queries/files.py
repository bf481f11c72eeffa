"""The ``.cypher`` files of this folder: analyst-readable queries, declared in one catalogue.

Each file is a single statement an analyst can paste into Neo4j Browser. Its
header comments say what it answers and declare each parameter with a sample
value (JSON), one ``// @param name: value`` line each, so the same file serves
the Python function, the tests and the Cypher checker:

    // Entities whose name or alias contains a text.
    // @param text: "fsb"
    MATCH (n:Entity) ...
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import orjson

from statecrime.graph.cypher import CypherText, declare

_PARAM = re.compile(r"^//\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+?)\s*$")


def parse_params(text: str) -> dict[str, object]:
    """The ``// @param`` declarations of a Cypher text, with their sample values."""
    params: dict[str, object] = {}
    for line in text.splitlines():
        match = _PARAM.match(line.strip())
        if match:
            params[match.group(1)] = orjson.loads(match.group(2))
    return params


@cache
def query(name: str) -> CypherText:
    """The query in ``queries/<name>.cypher``, declared in the catalogue."""
    text = resources.files("statecrime.queries").joinpath(f"{name}.cypher").read_text("utf-8")
    return declare(f"queries.{name}", text, **parse_params(text))


def all_queries() -> list[CypherText]:
    """Every ``.cypher`` file of the package, declared."""
    names = sorted(
        entry.name.removesuffix(".cypher")
        for entry in resources.files("statecrime.queries").iterdir()
        if entry.name.endswith(".cypher")
    )
    return [query(name) for name in names]
