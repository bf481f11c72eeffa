"""Brokers and communities: networkx on the network pulled from the store.

``queries/network.cypher`` pulls every entity but the Source records and their
links, except the types in ``exclude`` (SANCTIONED_BY and BASED_IN by default:
one designating state or country joins hundreds of unrelated entities). The
analyses run on the undirected simple projection of that network: parallel
links and opposite directions merge into one edge, ``weight`` = how many links
it stands for; entities left with no link are dropped (counted in ``isolated``).
The projection is built in a canonical order (nodes and edges sorted by id) so
that the seeded community detection gives the same answer every run.

- Brokers: the entities that bridge states and crime. ``stateCrime`` is
  networkx's betweenness restricted to shortest paths from a State to a crime
  entity (a crime group, an incident, or anything with ``crimeTypes``),
  ``betweenness_centrality_subset``; ``betweenness`` is the ordinary
  (normalised) betweenness, shown beside it; ``degree`` the number of neighbours.
- Communities: Louvain (``louvain_communities``, weighted, seeded), with the
  modularity of the partition; communities of one entity are not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from statecrime.graph import domain
from statecrime.graph.store import Store
from statecrime.queries.files import query

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_EXCLUDE: tuple[str, ...] = domain.CONTEXT_TYPES
SEED = 20230717
"""Louvain's seed: fixed so that the same network always splits the same way."""


def is_crime(attrs: dict[str, Any]) -> bool:
    """Whether an entity is on the crime side: a crime group, an incident, or has crime types."""
    kind = attrs.get("kind")
    return bool(attrs.get("crimeTypes")) or kind == "Incident" or kind in domain.GROUPS


def pull_network(store: Store, exclude: Sequence[str] = DEFAULT_EXCLUDE) -> nx.MultiDiGraph:
    """The network as stored (minus Sources and excluded types): a directed multigraph."""
    import networkx as nx
    graph = nx.MultiDiGraph()
    rows = store.read(query("network"), excludeTypes=list(exclude))
    for row in rows:
        node = row["node"]
        graph.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for row in rows:
        for link in row["links"]:
            if link["target"] in graph:
                graph.add_edge(row["node"]["id"], link["target"], key=link["type"], **link)
    return graph


def projection(graph: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple graph the analyses use, built in sorted order, isolates dropped."""
    import networkx as nx
    weights: dict[tuple[str, str], int] = {}
    for a, b in graph.edges():
        pair = (a, b) if a <= b else (b, a)
        weights[pair] = weights.get(pair, 0) + 1
    simple = nx.Graph()
    linked = sorted({n for pair in weights for n in pair})
    simple.add_nodes_from((n, graph.nodes[n]) for n in linked)
    simple.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()))
    return simple


@dataclass
class Broker:
    id: str
    name: str
    kind: str
    country: str | None
    stateCrime: float
    betweenness: float
    degree: int

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Community:
    index: int
    size: int
    states: list[str]
    members: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Communities:
    modularity: float
    isolated: int
    communities: list[Community]

    def as_dict(self) -> dict[str, Any]:
        return {
            "modularity": self.modularity,
            "isolated": self.isolated,
            "communities": [c.as_dict() for c in self.communities],
        }


def rank_brokers(graph: nx.MultiDiGraph, limit: int | None = 10) -> list[Broker]:
    """The brokers of ``graph``, greatest state-crime betweenness first (then overall, then id)."""
    import networkx as nx
    simple = projection(graph)
    states = [n for n, a in simple.nodes(data=True) if a.get("kind") == "State"]
    crime = [n for n, a in simple.nodes(data=True) if is_crime(a)]
    subset = nx.betweenness_centrality_subset(simple, states, crime, normalized=False)
    overall = nx.betweenness_centrality(simple, normalized=True)
    brokers = [
        Broker(
            id=n,
            name=simple.nodes[n].get("name", n),
            kind=simple.nodes[n].get("kind", ""),
            country=simple.nodes[n].get("country"),
            stateCrime=round(subset[n], 6),
            betweenness=round(overall[n], 6),
            degree=simple.degree(n),
        )
        for n in simple.nodes
        if subset[n] > 0 or overall[n] > 0
    ]
    brokers.sort(key=lambda b: (-b.stateCrime, -b.betweenness, b.id))
    return brokers[:limit] if limit is not None else brokers


def find_communities(graph: nx.MultiDiGraph, seed: int = SEED) -> Communities:
    """Louvain communities of ``graph``'s projection, largest first, singletons left out."""
    import networkx as nx
    simple = projection(graph)
    isolated = graph.number_of_nodes() - simple.number_of_nodes()
    if simple.number_of_nodes() == 0:
        return Communities(0.0, isolated, [])
    parts = nx.community.louvain_communities(simple, weight="weight", seed=seed)
    modularity = nx.community.modularity(simple, parts, weight="weight")
    ordered = sorted((sorted(p) for p in parts), key=lambda p: (-len(p), p[0]))
    communities = []
    for members in ordered:
        if len(members) < 2:
            continue
        attrs = [simple.nodes[n] for n in members]
        communities.append(
            Community(
                index=len(communities) + 1,
                size=len(members),
                states=[n for n, a in zip(members, attrs, strict=True) if a.get("kind") == "State"],
                members=[
                    {"id": n, "name": a.get("name"), "kind": a.get("kind")}
                    for n, a in zip(members, attrs, strict=True)
                ],
            )
        )
    return Communities(round(modularity, 6), isolated, communities)


def brokers(
    store: Store, *, limit: int | None = 10, exclude: Sequence[str] = DEFAULT_EXCLUDE
) -> list[Broker]:
    """The entities that bridge states and crime most, from the store."""
    return rank_brokers(pull_network(store, exclude), limit)


def communities(
    store: Store, *, seed: int = SEED, exclude: Sequence[str] = DEFAULT_EXCLUDE
) -> Communities:
    """The communities of the store's network."""
    return find_communities(pull_network(store, exclude), seed)
