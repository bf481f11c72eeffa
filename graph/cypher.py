"""The catalogue of every Cypher text statecrime ships.

Each text is declared once, with the parameters it takes and a sample value for
each, so that the tests can hand the whole catalogue to Neo4j's own Cypher front
end (``lintCypherQuery``) and run it against the embedded store. Texts live in
Python modules (the store's writes) or in ``.cypher`` files under ``queries/``
(the analyst-facing queries, which declare their parameters in ``// @param``
header lines).

Texts are never built from user input: the only text generated at run time is
one MERGE per relation type, and the type comes from the domain declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CypherText:
    """A named, parameterised Cypher statement and sample values for its parameters."""

    name: str
    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


_CATALOGUE: dict[str, CypherText] = {}


def declare(name: str, text: str, /, **params: Any) -> CypherText:
    """Register a Cypher text under ``name`` and return it; names are unique."""
    statement = CypherText(name=name, text=text.strip(), params=params)
    existing = _CATALOGUE.get(name)
    if existing is not None and existing != statement:
        raise ValueError(f"Cypher text {name!r} declared twice with different content")
    _CATALOGUE[name] = statement
    return statement


def declared() -> list[CypherText]:
    """Every text declared so far, in declaration order."""
    return list(_CATALOGUE.values())
