"""Records to Neo4j properties and back.

Neo4j properties hold only scalars and lists of scalars, so the few structured
fields are flattened: ``identifiers`` ``{"ofac": ["123", "456"]}`` is stored as the list
``["ofac:123", "ofac:456"]``. A link also stores the first day of ``since`` and the last day
of ``until`` (``sinceFirst``, ``untilLast``) so that "in force on a date" is a
plain string comparison in Cypher; these derived properties are dropped when the
record is read back.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from statecrime.graph.dates import PartialDate

if TYPE_CHECKING:
    from statecrime.graph.model import Entity, Link


@cache
def _models() -> tuple[type[Entity], type[Link]]:
    """The pydantic models, imported on first use: building them is 0.2 s of a command's
    start, and ``stats`` or ``chains`` never validate a record."""
    from statecrime.graph.model import Entity, Link

    return Entity, Link


DERIVED_LINK_PROPERTIES = ("sinceFirst", "untilLast")


def entity_properties(entity: Entity) -> dict[str, Any]:
    """The node properties of an entity (``id`` and ``kind`` included)."""
    props = entity.record()
    if entity.identifiers:
        props["identifiers"] = [
            f"{k}:{v}" for k, values in sorted(entity.identifiers.items()) for v in values
        ]
    return props


def entity_from_properties(props: dict[str, Any]) -> Entity:
    """The entity a node's properties describe."""
    data = dict(props)
    identifiers = data.get("identifiers")
    if isinstance(identifiers, list):
        grouped: dict[str, list[str]] = {}
        for item in identifiers:
            scheme, _, value = item.partition(":")
            grouped.setdefault(scheme, []).append(value)
        data["identifiers"] = grouped
    return _models()[0].model_validate(data)


def link_properties(link: Link) -> dict[str, Any]:
    """The relationship properties of a link (its key is the relationship itself)."""
    props = link.model_dump(exclude_none=True, exclude={"source", "type", "target"})
    if link.since:
        props["sinceFirst"] = PartialDate(link.since).first
    if link.until:
        props["untilLast"] = PartialDate(link.until).last
    return props


def link_from_properties(source: str, type_: str, target: str, props: dict[str, Any]) -> Link:
    """The link a relationship describes."""
    data = {k: v for k, v in props.items() if k not in DERIVED_LINK_PROPERTIES}
    return _models()[1].model_validate({"source": source, "type": type_, "target": target, **data})
