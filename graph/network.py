"""The graph as a networkx ``MultiDiGraph``, for algorithms, views and exports.

Node key: the entity id; node attributes: the entity record (camelCase fields).
Edge key: the relation type; edge attributes: the link record with its sources
*resolved* to Source records, so a view or an export carries the evidence itself
and not just ids; an entity's own ``sources`` are resolved the same way. Source
entities are not nodes: they are evidence on edges and nodes.

>>> from statecrime.graph.model import Entity
>>> g = to_networkx([Entity(id="ru", kind="State", name="Russia")], [])
>>> g.nodes["ru"]["name"]
'Russia'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from statecrime.graph import domain
from statecrime.graph.store import Store

if TYPE_CHECKING:
    import networkx as nx

    from statecrime.graph.model import Entity, Link


def source_record(source: Entity) -> dict[str, Any]:
    """The evidence fields of a Source, as a view or export shows them."""
    return {
        "id": source.id,
        "publisher": source.publisher,
        "title": source.title,
        "date": source.date,
        "url": source.url,
        "sourceType": source.sourceType,
        "tlp": source.tlp,
    }


def node_record(entity: Entity, sources: dict[str, Entity]) -> dict[str, Any]:
    """Every field of an entity, defaults included, its own sources resolved like a link's."""
    record = entity.model_dump()
    record["sources"] = [
        source_record(sources[s]) if s in sources else {"id": s} for s in entity.sources
    ]
    return record


def edge_record(link: Link, sources: dict[str, Entity]) -> dict[str, Any]:
    record = link.model_dump()
    record["sources"] = [
        source_record(sources[s]) if s in sources else {"id": s} for s in link.sources
    ]
    return record


def to_networkx(entities: Iterable[Entity], links: Iterable[Link]) -> nx.MultiDiGraph:
    """Build the graph; links whose ends are not among ``entities`` are left out."""
    import networkx as nx
    graph = nx.MultiDiGraph()
    sources: dict[str, Entity] = {}
    actors = []
    for entity in entities:
        if entity.kind == domain.SOURCE_KIND:
            sources[entity.id] = entity
        else:
            actors.append(entity)
    for entity in actors:
        graph.add_node(entity.id, **node_record(entity, sources))
    for link in links:
        if link.source in graph and link.target in graph:
            graph.add_edge(link.source, link.target, key=link.type, **edge_record(link, sources))
    return graph


def whole_graph(store: Store) -> nx.MultiDiGraph:
    """Every entity and link in ``store``, sources resolved on the edges."""
    return to_networkx(store.all_entities(), store.all_links())
