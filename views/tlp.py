"""Cut a graph down to what may be shared at a Traffic Light Protocol marking.

A view or an export handed to a partner must hold nothing marked above what
that partner may see. Links and sources carry a ``tlp`` (None means unmarked,
read as CLEAR); entities may carry one too. A link is never shown without its
evidence: if every source it had is withheld, the link is withheld with them.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("a", "b", key="TASKS", tlp="RED", sources=[])
'TASKS'
>>> restrict_tlp(g, "AMBER").number_of_edges()
0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statecrime.graph.domain import tlp_rank

if TYPE_CHECKING:
    import networkx as nx


def _allowed(marking: object, limit: int) -> bool:
    """Whether a marking is at or below the limit; unmarked counts as CLEAR."""
    return marking is None or marking == "" or tlp_rank(str(marking)) <= limit


def _shareable_sources(sources: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    return [dict(s) for s in sources if _allowed(s.get("tlp"), limit)]


def restrict_tlp(graph: nx.MultiDiGraph, max_tlp: str) -> nx.MultiDiGraph:
    """A copy of ``graph`` without entities, links or sources marked above ``max_tlp``.

    ``max_tlp`` is a TLP level (CLEAR, GREEN, AMBER, AMBER+STRICT, RED; WHITE and ``TLP:``
    prefixes are accepted); an unknown level raises ValueError. An edge whose
    sources were all withheld is dropped, as are the edges of a withheld entity.
    The input graph is not changed.
    """
    import networkx as nx
    limit = tlp_rank(max_tlp)
    result = nx.MultiDiGraph()
    result.graph.update(graph.graph)
    for node, attrs in graph.nodes(data=True):
        if _allowed(attrs.get("tlp"), limit):
            data = dict(attrs)
            if data.get("sources"):
                data["sources"] = _shareable_sources(data["sources"], limit)
            result.add_node(node, **data)
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        if u not in result or v not in result or not _allowed(attrs.get("tlp"), limit):
            continue
        data = dict(attrs)
        sources = list(attrs.get("sources") or [])
        if sources:
            kept = _shareable_sources(sources, limit)
            if not kept:
                continue
            data["sources"] = kept
        result.add_edge(u, v, key=key, **data)
    return result
