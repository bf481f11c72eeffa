"""An entity's neighbourhood: what lies within k hops of it, for the HTML view.

``queries/around.cypher`` returns the entities within ``hops`` links of the
centre (any type, either direction) and every link among them: the induced
subgraph, as networkx's ``ego_graph`` on the undirected graph would give. The
Source records the links cite are fetched too, so :meth:`Neighbourhood.graph`
builds the view's graph with its evidence resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

TEXTS = variants("around", "[*1..{n}]", HOP_BOUNDS)


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


def find_around(store: Store, entity_id: str, hops: int = DEFAULT_HOPS) -> Neighbourhood | None:
    """The neighbourhood of ``entity_id``, or None when there is no such entity."""
    rows = store.read(pick(TEXTS, hops, "--hops"), id=entity_id)
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
