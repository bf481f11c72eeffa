"""The shortest paths between two entities, by a breadth-first search from both ends.

``queries/paths_shortest.cypher`` asks the engine for ``allShortestPaths`` in one
statement; analysts paste it, and it stays in the catalogue. What
:func:`shortest_paths` runs instead is one indexed query per level: the two
entities are found through the unique id index, then each level expands the
smaller of the two frontiers by one hop, or both while they are of a size
(:data:`LEVEL_TEXTS`: the frontier's
nodes sought by the element ids the level before returned, in one read
transaction, and the links of the crossed types in either direction). When the
two searches meet, every shortest path is read off the levels, as
``allShortestPaths`` gives them: the same entities and links, each parallel link
its own path. On the embedded store the one statement took 0.5 s between
entities 8 hops apart on 10,000 entities (typed, context not crossed) and grows
with the graph, while the levels touch only the links of the two frontiers.

Links are crossed either way (a hop's ``direction`` says which), through every
relation type, or every type but the context ones (``domain.CONTEXT_TYPES``),
up to :data:`MAX_HOPS` hops.
"""

from __future__ import annotations

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


def _level_text(through_context: bool) -> str:
    types = [t for t in domain.RELATIONS if through_context or t not in domain.CONTEXT_TYPES]
    return f"""
    UNWIND $frontier AS row
    MATCH (a) WHERE elementId(a) = row.node
    MATCH (a)-[r:{"|".join(types)}]-(b:Entity)
    RETURN [row.side, row.id, type(r), startNode(r) = a, elementId(b), b.id, elementId(r)]
           AS link
    """


LEVEL_TEXTS = {
    flag: declare(
        f"queries.paths_shortest.level{'.through_context' if flag else ''}",
        _level_text(flag),
        frontier=[{"node": "4:00000000-0000-0000-0000-000000000000:0", "id": "ru", "side": 0}],
    )
    for flag in (True, False)
}
"""One level of the search: every link of the crossed types at each frontier node, its
identity only (the link's and the other end's): most rows are never on a shortest path,
and a level row without properties costs the embedded store a third less (measured). One
list per row (side, here, type, out, the other end's element id and id, the link's element
id), which the embedded store hands over more cheaply than as many columns."""

NODES_TEXT = declare(
    "queries.paths_shortest.nodes",
    """
    UNWIND $nodes AS node
    MATCH (n) WHERE elementId(n) = node
    RETURN n.id AS id, n.kind AS kind, n.name AS name, n.country AS country
    """,
    nodes=["4:00000000-0000-0000-0000-000000000000:0"],
)
"""The properties of the entities on the shortest paths, found by element id."""

LINKS_TEXT = declare(
    "queries.paths_shortest.links",
    """
    UNWIND $hops AS hop
    MATCH (a) WHERE elementId(a) = hop.node
    MATCH (b) WHERE elementId(b) = hop.other
    MATCH (a)-[r]-(b)
    WHERE elementId(r) = hop.link
    RETURN hop.link AS link, r.grading AS grading, r.since AS since, r.until AS until,
           r.note AS note, r.sources AS sources
    """,
    hops=[
        {
            "node": "4:00000000-0000-0000-0000-000000000000:0",
            "other": "4:00000000-0000-0000-0000-000000000000:1",
            "link": "5:0:0",
        }
    ],
)
"""The properties of the links on the shortest paths: each found between its two ends, both
sought by element id (a link is never sought by its element id alone, which the embedded
store answers by scanning every link)."""

BOTH_AT_ONCE = 4
"""Both frontiers go out in one query while the larger is at most this many times the
smaller: half the round trips; past it only the smaller moves (a hub's side waits)."""

_Step = tuple[str, dict[str, Any]]
"""The node one hop nearer the side's start, and the hop as paths_shortest.cypher returns it."""


class _Side:
    """One end's search: distances, the hops that reach each node, the frontier."""

    def __init__(self, start: str, element: str) -> None:
        self.dist = {start: 0}
        self.back: dict[str, list[_Step]] = {start: []}
        self.frontier = {start: element}
        self.level = 0

    def expand(self, rows: list[list[Any]], elements: dict[str, str], toward: bool) -> None:
        """Take one level's rows: the nodes first reached, and every hop that reaches them.

        ``toward`` is True for the side searched from the second entity, whose
        paths are read toward it (a link out of the frontier node is then
        crossed backward). A hop holds the link's element id and its frontier
        end's until :func:`_with_properties` puts the link's properties in.
        ``elements`` gains the element id of every node reached.
        """
        self.level += 1
        reached: dict[str, str] = {}
        for here, kind, out, element, other, link in rows:
            if self.dist.get(other, self.level) < self.level:
                continue
            self.dist[other] = self.level
            reached[other] = elements[other] = element
            source, target = (here, other) if out else (other, here)
            forward = out != toward
            hop = {
                "source": source,
                "target": target,
                "type": kind,
                "direction": "forward" if forward else "backward",
                "link": link,
                "node": elements[here],
                "other": element,
            }
            self.back.setdefault(other, []).append((here, hop))
        self.frontier = reached

    def routes(self, node: str) -> Iterator[tuple[list[str], list[dict[str, Any]]]]:
        """Every shortest route from this side's start to ``node``: (ids, hops), start first."""
        if not self.back[node]:
            yield [node], []
            return
        for previous, hop in self.back[node]:
            for ids, hops in self.routes(previous):
                yield [*ids, node], [*hops, hop]


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
        ends = {row[1]: row for row in run(_ENDS.text, {"ids": [source, target]})}
        if source not in ends or target not in ends or source == target:
            return []
        elements = {i: row[0] for i, row in ends.items()}
        a, b = _Side(source, ends[source][0]), _Side(target, ends[target][0])
        sides = (a, b)
        while a.level + b.level < MAX_HOPS and a.frontier and b.frontier:
            small, large = sorted((len(a.frontier), len(b.frontier)))
            if large <= BOTH_AT_ONCE * small and a.level + b.level + 2 <= MAX_HOPS:
                moving = [0, 1]  # one round trip for two levels while neither side is a hub's
            else:
                moving = [0] if len(a.frontier) <= len(b.frontier) else [1]
            frontier = [
                {"node": e, "id": n, "side": i}
                for i in moving
                for n, e in sorted(sides[i].frontier.items())
            ]
            rows = [row for (row,) in run(text, {"frontier": frontier})]
            for i in moving:
                sides[i].expand([r[1:] for r in rows if r[0] == i], elements, i == 1)
            if any(n in b.dist for n in a.dist):
                return _with_properties(run, _paths(a, b), elements)
        return []

    with gc_paused():
        return read_transaction(store, search)


def _paths(a: _Side, b: _Side) -> list[dict[str, Any]]:
    """Every shortest path, read off both sides through the nodes of one level (ids, hops)."""
    length = min(d + b.dist[n] for n, d in a.dist.items() if n in b.dist)
    cut = min(a.level, length)
    middle = sorted(n for n, d in a.dist.items() if d == cut and b.dist.get(n) == length - cut)
    rows = []
    for node in middle:
        for ids_a, hops_a in a.routes(node):
            for ids_b, hops_b in b.routes(node):
                ids = ids_a + ids_b[::-1][1:]
                hops = hops_a + hops_b[::-1]
                rows.append({"nodes": ids, "hops": hops})
    return rows


def _with_properties(
    run: Run, paths: list[dict[str, Any]], elements: dict[str, str]
) -> list[dict[str, Any]]:
    """The paths with their entities' and links' properties, read for them alone.

    A hop shared by several paths is one dict, filled once.
    """
    hops = list({id(hop): hop for path in paths for hop in path["hops"]}.values())
    ids = sorted({i for path in paths for i in path["nodes"]})
    nodes = {
        row[0]: dict(zip(("id", "kind", "name", "country"), row, strict=True))
        for row in run(NODES_TEXT.text, {"nodes": [elements[i] for i in ids]})
    }
    wanted = sorted({(hop["node"], hop["other"], hop["link"]) for hop in hops})
    ends = [{"node": n, "other": o, "link": k} for n, o, k in wanted]
    links = {row[0]: row[1:] for row in run(LINKS_TEXT.text, {"hops": ends})}
    for hop in hops:
        del hop["node"], hop["other"]
        props = links[hop.pop("link")]
        hop.update(zip(("grading", "since", "until", "note", "sources"), props, strict=True))
    return [{"nodes": [nodes[i] for i in path["nodes"]], "hops": path["hops"]} for path in paths]
