"""Find entities by name and show one with its links and their evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from statecrime.graph.properties import entity_from_properties, link_from_properties
from statecrime.graph.store import Store
from statecrime.queries.evidence import evidence
from statecrime.queries.files import query

if TYPE_CHECKING:
    from statecrime.graph.model import Entity


def search(store: Store, text: str, limit: int = 25) -> list[Entity]:
    """Entities whose name, alias or id matches ``text`` (exact matches first).

    >>> [e.id for e in search(store, "fsb")]  # doctest: +SKIP
    ['ru-fsb']
    """
    rows = store.read(query("search"), text=text, limit=limit)
    return [entity_from_properties(row["entity"]) for row in rows]


@dataclass
class LinkView:
    """A link seen from one entity: which way it runs, the other end, and the evidence."""

    source: str
    type: str
    target: str
    other: str
    otherName: str
    otherKind: str
    direction: str
    grading: str
    since: str | None
    until: str | None
    note: str | None
    tlp: str | None
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EntityView:
    entity: Entity
    links: list[LinkView]


def show(store: Store, entity_id: str) -> EntityView | None:
    """The entity ``entity_id`` with every link touching it, or None if there is none."""
    rows = store.read(query("entity_links"), id=entity_id)
    if not rows:
        return None
    entity = entity_from_properties(rows[0]["entity"])
    links = []
    for row in rows:
        raw = row["link"]
        if raw is None:
            continue
        link = link_from_properties(raw["source"], raw["type"], raw["target"], raw["props"])
        found = {e["id"]: e for e in raw["evidence"]}
        outgoing = link.source == entity_id
        links.append(
            LinkView(
                source=link.source,
                type=link.type,
                target=link.target,
                other=link.target if outgoing else link.source,
                otherName=raw["otherName"],
                otherKind=raw["otherKind"],
                direction="out" if outgoing else "in",
                grading=link.grading,
                since=link.since,
                until=link.until,
                note=link.note,
                tlp=link.tlp,
                sources=evidence(link.sources, found),
            )
        )
    links.sort(key=lambda v: (v.direction, v.type, v.other))
    return EntityView(entity, links)
