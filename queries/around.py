"""An entity's neighbourhood: what lies within k hops of it, for the HTML view.

``queries/around.cypher`` returns the entities within ``hops`` links of the
centre (either direction, not through context links unless asked) and every
link among them: the induced subgraph, as networkx's ``ego_graph`` on the
undirected graph of the crossed links would give. The
Source records the links cite are fetched too, so :meth:`Neighbourhood.graph`
builds the view's graph with its evidence resolved.

Hubs are tamed two ways. Context relations (``domain.CONTEXT_TYPES``:
SANCTIONED_BY, BASED_IN) are not crossed unless ``through_context`` is set,
or Evil Corp's neighbourhood would reach North Korea's groups through the
United States that sanctioned them all. And a node with more than ``cap``
new neighbours shows only the ``cap`` best-graded of them; the rest are
*held back*: listed in :attr:`Neighbourhood.cut` (and the JSON), kept in the
view behind a "+N more" the analyst can expand, and not expanded further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.grading import Grading, GradingError
from statecrime.graph.network import to_networkx
from statecrime.graph.properties import entity_from_properties, link_from_properties
from statecrime.graph.read_rows import read_transaction
from statecrime.graph.store import Store
from statecrime.queries.bounded import pick, variants

if TYPE_CHECKING:
    import networkx as nx

    from statecrime.graph.model import Entity, Link

DEFAULT_HOPS = 2
HOP_BOUNDS = range(1, 4)
"""--hops runs 1 to 3: past that a neighbourhood is most of the graph."""

DEFAULT_CAP = 50
"""A node with more new neighbours than this shows this many and a "+N more"."""

_NOT_CONTEXT = "|".join(t for t in domain.RELATIONS if t not in domain.CONTEXT_TYPES)
_EVERY_TYPE = "|".join(domain.RELATIONS)

TEXTS = variants("around", f"[:{_NOT_CONTEXT}*1..{{n}}]", HOP_BOUNDS)
"""Crossing every link type but ``domain.CONTEXT_TYPES`` (the default)."""

THROUGH_CONTEXT_TEXTS = {
    n: declare(
        f"{text.name}.through_context",
        text.text.replace(f"[:{_NOT_CONTEXT}*", f"[:{_EVERY_TYPE}*", 1),
        **text.params,
    )
    for n, text in TEXTS.items()
}
"""Crossing context links too: a typed pattern still, so the plan is the same shape."""


@dataclass
class Neighbourhood:
    """The entities within ``hops`` of ``center``, the links among them, their sources."""

    center: str
    hops: int
    entities: list[Entity]
    links: list[Link]
    sources: list[Entity]
    through_context: bool = False
    cap: int | None = DEFAULT_CAP
    cut: list[dict[str, Any]] = field(default_factory=list)
    """One record per hub whose neighbours were cut: id, name, neighbours, shown, more, heldBack."""
    held: list[Entity] = field(default_factory=list)
    """The held-back neighbours (not in ``entities``), for the view's "+N more"."""
    held_links: list[Link] = field(default_factory=list)

    def graph(self, *, with_held: bool = False) -> nx.MultiDiGraph:
        """The neighbourhood as the view and exports take it (sources resolved on edges).

        ``with_held`` adds the held-back neighbours and their links, for a view
        that hides them behind each hub's "+N more" (see :meth:`held_by`).
        """
        entities = [*self.entities, *(self.held if with_held else [])]
        links = [*self.links, *(self.held_links if with_held else [])]
        return to_networkx([*entities, *self.sources], links)

    def held_by(self) -> dict[str, list[str]]:
        """Each cut hub's held-back neighbour ids, as the view's ``cut`` takes them."""
        return {c["id"]: list(c["heldBack"]) for c in self.cut}

    def as_dict(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "hops": self.hops,
            "throughContext": self.through_context,
            "skipped": [] if self.through_context else list(domain.CONTEXT_TYPES),
            "cap": self.cap,
            "cut": self.cut,
            "entities": [e.record() for e in self.entities],
            "links": [link.record() for link in self.links],
            "sources": [s.record() for s in self.sources],
        }


def find_around(
    store: Store,
    entity_id: str,
    hops: int = DEFAULT_HOPS,
    *,
    through_context: bool = False,
    cap: int | None = DEFAULT_CAP,
) -> Neighbourhood | None:
    """The neighbourhood of ``entity_id``, or None when there is no such entity.

    ``through_context`` crosses the context relations too; ``cap`` (None: no
    cap) bounds how many new neighbours one node brings in.
    """
    if cap is not None and cap < 1:
        raise ValueError(f"the cap must be at least 1, not {cap}")
    texts = THROUGH_CONTEXT_TEXTS if through_context else TEXTS
    skip = set() if through_context else set(domain.CONTEXT_TYPES)
    text = pick(texts, hops, "--hops").text
    rows = read_transaction(store, lambda run: run(text, {"id": entity_id}))
    if not rows:
        return None
    (found, raw_links), *_ = rows  # RETURN entities, links: read in-process on the embedded store
    entities = {e.id: e for e in (entity_from_properties(p) for p in found)}
    links = sorted(
        (
            link_from_properties(raw["source"], raw["type"], raw["target"], raw["props"])
            for raw in raw_links
        ),
        key=lambda link: link.key,
    )
    shown, held_by = _capped(entity_id, hops, entities, links, skip, cap)
    held = {n for _count, ids in held_by.values() for n in ids}
    kept_links = [lk for lk in links if lk.source in shown and lk.target in shown]
    held_links = [
        lk
        for lk in links
        if lk not in kept_links and {lk.source, lk.target} <= shown | held
    ]
    source_ids = {s for link in [*kept_links, *held_links] for s in link.sources}
    sources = sorted(store.fetch_entities(source_ids).values(), key=lambda e: e.id)
    cut = [
        {
            "id": hub,
            "name": entities[hub].name,
            "neighbours": count,
            "shown": count - len(ids),
            "more": len(ids),
            "heldBack": ids,
        }
        for hub, (count, ids) in sorted(held_by.items())
    ]
    return Neighbourhood(
        entity_id,
        hops,
        sorted((entities[n] for n in shown), key=lambda e: e.id),
        kept_links,
        sources,
        through_context=through_context,
        cap=cap,
        cut=cut,
        held=sorted((entities[n] for n in held), key=lambda e: e.id),
        held_links=held_links,
    )


def _rank(grading: str | None) -> tuple[str, str]:
    try:
        parsed = Grading.parse(str(grading))
    except GradingError:
        return ("Z", "9")
    return (parsed.reliability, parsed.credibility)


def _capped(
    center: str,
    hops: int,
    entities: dict[str, Entity],
    links: list[Link],
    skip: set[str],
    cap: int | None,
) -> tuple[set[str], dict[str, tuple[int, list[str]]]]:
    """Breadth-first from the centre, each node bringing in at most ``cap`` new neighbours.

    Neighbours are taken best-graded link first, then by id, so the cut is
    stable. Returns the ids shown and, per cut hub, its number of new
    neighbours and the ids held back (which are not expanded further).
    """
    best: dict[str, dict[str, tuple[str, str]]] = {}
    for link in links:
        if link.type in skip:
            continue
        rank = _rank(link.grading)
        for a, b in ((link.source, link.target), (link.target, link.source)):
            if a in entities and b in entities:
                row = best.setdefault(a, {})
                row[b] = min(row.get(b, rank), rank)
    shown = {center}
    held: dict[str, tuple[int, list[str]]] = {}
    frontier = [center]
    for _ in range(hops):
        reached = []
        for node in frontier:
            near = best.get(node, {})
            new = sorted((n for n in near if n not in shown), key=lambda n: (near[n], n))
            if cap is not None and len(new) > cap:
                held[node] = (len(new), new[cap:])
                new = new[:cap]
            shown.update(new)
            reached += new
        frontier = reached
    for hub, (count, ids) in list(held.items()):
        held[hub] = (count, [n for n in ids if n not in shown])
    taken: set[str] = set()
    for hub in sorted(held):
        count, ids = held[hub]
        ids = [n for n in ids if n not in taken]
        taken.update(ids)
        held[hub] = (count, ids)
    return shown, {hub: v for hub, v in held.items() if v[1]}
