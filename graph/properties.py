"""Records to Neo4j properties and back.

Neo4j properties hold only scalars and lists of scalars, so the few structured
fields are flattened: ``identifiers`` ``{"ofac": ["123", "456"]}`` is stored as the list
``["ofac:123", "ofac:456"]``. A link also stores the first day of ``since`` and the last day
of ``until`` (``sinceFirst``, ``untilLast``) so that "in force on a date" is a
plain string comparison in Cypher; these derived properties are dropped when the
record is read back.
"""

from __future__ import annotations

from functools import cache, lru_cache
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

_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def _shared_fields(record: Any) -> Any:
    """``record`` holding the one shared copy of its set of given fields.

    A stored record read back (a reload reads every stored entity and link) keeps
    pydantic's set of the fields it was given, 472 bytes from five names on; the
    records of a store share a few dozen distinct ones. Frozen models never change
    the set, and pydantic copies it when it copies a model (see also
    :class:`statecrime.loaders.validate._SharedFieldSets`).
    """
    given = record.__pydantic_fields_set__
    held = _FIELD_SETS.setdefault(frozenset(given), given)
    if held is not given:
        object.__setattr__(record, "__pydantic_fields_set__", held)
    return record


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
    return _shared_fields(_models()[0].model_validate(data))


@cache
def link_fields() -> tuple[str, ...]:
    """A link's fields that become properties, in the model's order."""
    return tuple(
        name for name in _models()[1].model_fields if name not in ("source", "type", "target")
    )


@lru_cache(maxsize=65_536)
def _first_day(text: str) -> str:
    return PartialDate(text).first


@lru_cache(maxsize=65_536)
def _last_day(text: str) -> str:
    return PartialDate(text).last


def link_properties(link: Link) -> dict[str, Any]:
    """The relationship properties of a link (its key is the relationship itself).

    The fields that are set, as ``model_dump(exclude_none=True)`` gives them (lists
    copied), read directly: a load of millions of links calls this once a link,
    and loads repeat the same few dates (each one's first and last day is worked
    out once).
    """
    props: dict[str, Any] = {}
    for name in link_fields():
        value = getattr(link, name)
        if value is not None:
            props[name] = list(value) if type(value) is list else value
    if link.since:
        props["sinceFirst"] = _first_day(link.since)
    if link.until:
        props["untilLast"] = _last_day(link.until)
    return props


def link_from_properties(source: str, type_: str, target: str, props: dict[str, Any]) -> Link:
    """The link a relationship describes."""
    data = {k: v for k, v in props.items() if k not in DERIVED_LINK_PROPERTIES}
    return _shared_fields(
        _models()[1].model_validate({"source": source, "type": type_, "target": target, **data})
    )
