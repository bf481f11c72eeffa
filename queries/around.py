"""An entity's neighbourhood: what lies within k hops of it, for the HTML view.

``queries/around.cypher`` returns the entities within ``hops`` links of the
centre (either direction, not through context links unless asked) and every
link among them: the induced subgraph, as networkx's ``ego_graph`` on the
undirected graph of the crossed links would give. The
Source records the links cite are fetched too, so :meth:`Neighbourhood.graph`
builds the view's graph with its evidence resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.model import Entity, Link
from statecrime.graph.network import to_networkx
from statecrime.graph.properties import entity_from_properties, link_from_properties
from statecrime.graph.store import Store
from statecrime.queries.bounded import pick, variants

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_HOPS = 2
HOP_BOUNDS = range(1, 4)
"""--hops runs 1 to 3: past that a neighbourhood is most of the graph."""

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

    def graph(self) -> nx.MultiDiGraph:
        """The neighbourhood as the view and exports take it (sources resolved on edges)."""
        return to_networkx([*self.entities, *self.sources], self.links)

    def as_dict(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "hops": self.hops,
            "entities": [e.record() for e in self.entities],
            "links": [link.record() for link in self.links],
            "sources": [s.record() for s in self.sources],
        }


def find_around(
    store: Store, entity_id: str, hops: int = DEFAULT_HOPS, *, through_context: bool = False
) -> Neighbourhood | None:
    """The neighbourhood of ``entity_id``, or None when there is no such entity.

    Context links (``domain.CONTEXT_TYPES``: residence, sanctions) are not
    crossed unless ``through_context``; where they join two entities of the
    neighbourhood they are among its links all the same.
    """
    texts = THROUGH_CONTEXT_TEXTS if through_context else TEXTS
    rows = store.read(pick(texts, hops, "--hops"), id=entity_id)
    if not rows:
        return None
    entities = sorted((entity_from_properties(p) for p in rows[0]["entities"]), key=lambda e: e.id)
    links = sorted(
        (
            link_from_properties(raw["source"], raw["type"], raw["target"], raw["props"])
            for raw in rows[0]["links"]
        ),
        key=lambda link: link.key,
    )
    source_ids = {s for link in links for s in link.sources}
    sources = sorted(store.fetch_entities(source_ids).values(), key=lambda e: e.id)
    return Neighbourhood(entity_id, hops, entities, links, sources)
