"""The shortest paths between two entities, by a breadth-first search from both ends.

``queries/paths_shortest.cypher`` asks the engine for ``allShortestPaths`` in one
statement; analysts paste it, and it stays in the catalogue. What
:func:`shortest_paths` runs instead is one indexed query per level: the two
entities are found through the unique id index, then each level expands the
smaller of the two frontiers by one hop, or both while they are of a size
(:data:`LEVEL_TEXTS`: the frontier's nodes sought by the element ids the level
before returned, in one read transaction, and their neighbours across the
crossed types in either direction, one row per frontier node). When the two
searches meet, every shortest route of entities is read off the levels, and
:data:`LINK_TEXTS` reads the links between each two entities next on a route:
the paths are the routes with each step one of those links, as
``allShortestPaths`` gives them (the same entities and links, each parallel link
its own path). On the embedded store the one statement took 0.5 s between
entities 8 hops apart on 10,000 entities (typed, context not crossed) and grows
with the graph, while the levels touch only the links of the two frontiers.

Links are crossed either way (a hop's ``direction`` says which), through every
relation type, or every type but the context ones (``domain.CONTEXT_TYPES``),
up to :data:`MAX_HOPS` hops.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.read_rows import Run, gc_paused, read_transaction
from statecrime.graph.store import Store

MAX_HOPS = 10
"""The longest connection searched, as the ``[*..10]`` of paths_shortest.cypher."""

_ENDS = declare(
    "queries.paths_shortest.ends",
    """
    UNWIND $ids AS id
    MATCH (n:Entity {id: id})
    RETURN elementId(n) AS node, n.id AS id, n.kind AS kind, n.name AS name,
           n.country AS country
    """,
    ids=["evil-corp", "ru"],
)

_SAMPLE = "4:00000000-0000-0000-0000-000000000000:"


def _types(through_context: bool) -> str:
    return "|".join(t for t in domain.RELATIONS if through_context or t not in domain.CONTEXT_TYPES)


def _name(base: str, through_context: bool) -> str:
    return f"queries.paths_shortest.{base}{'.through_context' if through_context else ''}"


LEVEL_TEXTS = {
    flag: declare(
        _name("level", flag),
        f"""
    UNWIND $frontier AS row
    MATCH (a) WHERE elementId(a) = row.node
    MATCH (a)-[:{_types(flag)}]-(b:Entity)
    WITH row.side AS side, row.node AS node, collect(elementId(b)) AS others
    RETURN [side, node] + others AS link
    """,
        frontier=[{"node": _SAMPLE + "0", "side": 0}],
    )
    for flag in (True, False)
}
"""One level of the search: for each frontier node, the element ids of its neighbours
across the crossed types, one row per node (side, the node, then a neighbour per link, so
one repeated per parallel link). Most neighbours are never on a shortest path, so a
level reads no properties and no link; and one row per frontier node, not one per link,
costs the embedded store a sixth to a ninth of the CPU at a hub group's thousands of links
(measured at 100k: 9.6 against 85 ms for 4,077 links)."""

NODES_TEXT = declare(
    "queries.paths_shortest.nodes",
    """
    UNWIND $nodes AS node
    MATCH (n) WHERE elementId(n) = node
    RETURN elementId(n) AS node, n.id AS id, n.kind AS kind, n.name AS name,
           n.country AS country
    """,
    nodes=[_SAMPLE + "0"],
)
"""The properties of the entities on the shortest paths, found by element id."""

LINK_TEXTS = {
    flag: declare(
        _name("links", flag),
        f"""
    UNWIND $steps AS step
    CALL (step) {{ MATCH (a) WHERE elementId(a) = step.node RETURN a }}
    CALL (step) {{ MATCH (b) WHERE elementId(b) = step.other RETURN b }}
    MATCH (a)-[r:{_types(flag)}]-(b)
    RETURN [step.node, step.other, type(r), startNode(r) = a, r.grading, r.since, r.until,
            r.note, r.sources] AS link
    """,
        steps=[{"node": _SAMPLE + "0", "other": _SAMPLE + "1"}],
    )
    for flag in (True, False)
}
"""Every link of the crossed types between two entities next on a shortest route, both
sought by element id, each in a subquery of its own (in one MATCH, Neo4j seeks one end,
expands every link of it and filters on the other: a hub group's thousands), then the
links between them (a link is never sought by its element id alone, which the embedded
store answers by scanning every link); one list per link (the two ends' element ids,
type, whether it runs from the first, grading, since, until, note, sources)."""

BOTH_AT_ONCE = 4
"""Both frontiers go out in one query while the larger is at most this many times the
smaller: half the round trips; past it only the smaller moves (a hub's side waits)."""


class _Side:
    """One end's search, by element id: distances, the nodes one level nearer, the frontier."""

    def __init__(self, start: str) -> None:
        self.dist = {start: 0}
        self.back: dict[str, dict[str, None]] = {start: {}}
        self.frontier: list[str] = [start]
        self.level = 0

    def expand(self, rows: list[list[Any]]) -> None:
        """Take one level's rows (the frontier node, then its neighbours): the nodes first
        reached, and for each the frontier nodes it is reached from."""
        self.level += 1
        level, dist, back = self.level, self.dist, self.back
        reached: list[str] = []
        for here, *others in rows:
            for other in others:
                if dist.get(other, level) < level:
                    continue
                if other not in dist:
                    dist[other] = level
                    back[other] = {}
                    reached.append(other)
                back[other][here] = None
        self.frontier = reached

    def routes(self, node: str) -> Iterator[list[str]]:
        """Every shortest route of nodes from this side's start to ``node``, start first."""
        if not self.back[node]:
            yield [node]
            return
        for previous in self.back[node]:
            for route in self.routes(previous):
                yield [*route, node]


def shortest_paths(
    store: Store, source: str, target: str, *, through_context: bool = True
) -> list[dict[str, Any]]:
    """Every shortest path from ``source`` to ``target`` up to :data:`MAX_HOPS`, as rows.

    The rows have the shape paths_shortest.cypher returns (``nodes``, ``hops``),
    in no particular order; none when either entity is missing or no path is
    that short.
    """
    text = LEVEL_TEXTS[through_context].text

    def search(run: Run) -> list[dict[str, Any]]:
        ends = {row[1]: row[0] for row in run(_ENDS.text, {"ids": [source, target]})}
        if source not in ends or target not in ends or source == target:
            return []
        a, b = _Side(ends[source]), _Side(ends[target])
        sides = (a, b)
        degree: dict[str, int] = {}  # links of the crossed types, of each node expanded
        while a.level + b.level < MAX_HOPS and a.frontier and b.frontier:
            small, large = sorted((len(a.frontier), len(b.frontier)))
            if large <= BOTH_AT_ONCE * small and a.level + b.level + 2 <= MAX_HOPS:
                moving = [0, 1]  # one round trip for two levels while neither side is a hub's
            else:
                moving = [0] if len(a.frontier) <= len(b.frontier) else [1]
            frontier = [{"node": e, "side": i} for i in moving for e in sides[i].frontier]
            rows = [row for (row,) in run(text, {"frontier": frontier})]
            degree.update((row[1], len(row) - 2) for row in rows)
            for i in moving:
                sides[i].expand([r[1:] for r in rows if r[0] == i])
            if (0 in moving and any(n in b.dist for n in a.frontier)) or (
                1 in moving and any(n in a.dist for n in b.frontier)
            ):
                return _read_paths(run, _routes(a, b), degree, through_context)
        return []

    with gc_paused():
        return read_transaction(store, search)


def _routes(a: _Side, b: _Side) -> list[list[str]]:
    """Every shortest route of nodes from a's start to b's, through the nodes of one level."""
    length = min(d + b.dist[n] for n, d in a.dist.items() if n in b.dist)
    cut = min(a.level, length)
    middle = [n for n, d in a.dist.items() if d == cut and b.dist.get(n) == length - cut]
    return [
        route_a + route_b[::-1][1:]
        for node in middle
        for route_a in a.routes(node)
        for route_b in b.routes(node)
    ]


FEW_LINKS = 100
"""An end of a step with at most this many links is where its links are read from."""


def _outward(u: str, v: str, degree: dict[str, int]) -> tuple[str, str]:
    """The step's two ends, the one to read its links from first.

    Why: the embedded store reads the links between two entities by going through
    every link of the first (a hub group's tens of thousands at 1M: 136 ms for a
    path's 125 steps), whatever the second. Each step has an end the search
    expanded, whose link count it knows; the other end, never expanded, is most
    often small (measured: from it, 23 ms for the same steps).
    """
    du, dv = degree.get(u), degree.get(v)
    if du is not None and dv is not None:
        return (u, v) if du <= dv else (v, u)
    if du is not None:
        return (u, v) if du <= FEW_LINKS else (v, u)
    if dv is not None:
        return (v, u) if dv <= FEW_LINKS else (u, v)
    return u, v


def _read_paths(
    run: Run, routes: list[list[str]], degree: dict[str, int], through_context: bool
) -> list[dict[str, Any]]:
    """The routes as paths: their entities' properties, and one path per choice of links.

    A step (two entities next on a route) is always in the same order on every
    route, as each entity's place on a shortest path is its distance from the
    start; a hop shared by several paths is one dict.
    """
    nodes = {
        row[0]: dict(zip(("id", "kind", "name", "country"), row[1:], strict=True))
        for row in run(NODES_TEXT.text, {"nodes": sorted({n for r in routes for n in r})})
    }
    steps = sorted({pair for route in routes for pair in itertools.pairwise(route)})
    hops: dict[tuple[str, str], list[dict[str, Any]]] = {step: [] for step in steps}
    wanted = [_outward(u, v, degree) for u, v in steps]
    rows = run(
        LINK_TEXTS[through_context].text, {"steps": [{"node": u, "other": v} for u, v in wanted]}
    )
    for ((first, second, kind, out, *props),) in rows:
        start, end = (first, second) if out else (second, first)  # the link runs start -> end
        step = (first, second) if (first, second) in hops else (second, first)
        hop = {
            "source": nodes[start]["id"],
            "target": nodes[end]["id"],
            "type": kind,
            "direction": "forward" if start == step[0] else "backward",
        }
        hop.update(zip(("grading", "since", "until", "note", "sources"), props, strict=True))
        hops[step].append(hop)
    return [
        {"nodes": [nodes[n] for n in route], "hops": list(choice)}
        for route in routes
        for choice in itertools.product(*(hops[step] for step in itertools.pairwise(route)))
    ]
