"""Every simple path between two entities, searched from both ends: ``paths_all.cypher``'s rows.

Why: ``queries/paths_all.cypher`` matches every path ``(a)-[*1..n]-(b)`` and keeps
the simple ones. An engine answering it walks out from one end through every
link of every hub it meets, ``n`` levels deep: between a state and a group of the
generated 1M graph (1,000,000 entities, 2.9M links) it took 66.9 s. A path of
``n`` hops is a path of ``ceil(n/2)`` hops out of the first entity joined, at one
middle entity, to one of ``floor(n/2)`` hops out of the second. So each end is
expanded only half as deep, a level at a time (one query per level for both
ends, in one read transaction, in-process on the embedded store as the chain
search is: :mod:`statecrime.graph.read_rows`), and the halves are joined here
on their middle entity.

Which paths, as the text has them: links of every type but ``exclude``, crossed
in either direction; no entity twice; one path per sequence of entities and
relation types (two links of one type between the same two entities, one each
way, give one path, as ``find_paths`` keeps one row per key); ordered by length,
then by the key (the ids and types joined by spaces, read from the first
entity). The tests compare the two on both engines and with networkx.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from statecrime.graph.cypher import declare
from statecrime.graph.read_rows import Run, gc_paused, read_transaction
from statecrime.graph.store import Store
from statecrime.queries.hop_rows import LINK_COLUMNS, NODE_COLUMNS, hop_row, node_row


def _part(arrow: str, forward: bool) -> str:
    return f"""
UNWIND $nodes AS node
MATCH (a) WHERE elementId(a) = node
MATCH (a){arrow}(b)
WHERE NOT type(r) IN $excludeTypes
WITH node, collect([type(r), elementId(b), {NODE_COLUMNS}, {LINK_COLUMNS}]) AS links
RETURN [node, {str(forward).lower()}] + links AS links"""


HOP_TEXT = declare(
    "queries.paths_between.hop",
    "// One level of the search for every path between two entities (queries/paths_between.py):\n"
    "// from each node of the level, found by the element id the level before returned, the\n"
    "// links out of it and into it of any type but $excludeTypes, with the node at the other\n"
    "// end. One row per node and direction: the node, whether its links run out of it, then\n"
    "// one list per link (type, the other node's element id, id, kind, name, country, then\n"
    "// the link's grading, since, until, note, sources).\n"
    + "\nUNION ALL".join([_part("-[r]->", True), _part("<-[r]-", False)]),
    nodes=["4:00000000-0000-0000-0000-000000000000:0"],
    excludeTypes=[],
)
"""One level of both ends' expansion, for every node of it."""

END_TEXT = declare(
    "queries.paths_between.end",
    f"MATCH (b:Entity {{id: $id}}) RETURN elementId(b), {NODE_COLUMNS}",
    id="evil-corp",
)
"""One of the two entities, through the unique id index."""


class _Step(NamedTuple):
    """A link seen from one of its ends: its type, the other end, the link's fields."""

    type: str
    other: str
    forward: bool
    """Whether the link runs out of the end it is seen from."""
    link: tuple[Any, ...]
    """grading, since, until, note, sources."""


_Half = tuple[tuple[str, ...], tuple[_Step, ...]]
"""A path out of one end: its node ids from that end, and the steps between them."""


def path_rows(
    store: Store, source: str, target: str, max_hops: int, exclude: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The rows ``paths_all.cypher`` returns from ``source`` to ``target`` within ``max_hops``
    (``nodes`` and ``hops`` as it shapes them), one per key, in its order."""
    out_hops = (max_hops + 1) // 2  # a path of n hops: ceil(n/2) from the source ...
    in_hops = max_hops // 2  # ... and floor(n/2) from the target

    def search(run: Run) -> list[dict[str, Any]]:
        nodes: dict[str, dict[str, Any]] = {}
        elements: dict[str, str] = {}
        for end in (source, target):
            for element, *props in run(END_TEXT.text, {"id": end}):
                nodes[end] = node_row(props)
                elements[end] = element
        if source not in nodes or target not in nodes:
            return []
        links = _expand(run, elements, nodes, {source: out_hops, target: in_hops}, exclude)
        halves_out = _halves(links, source, out_hops, avoid=target)
        halves_in = _halves(links, target, in_hops, avoid=source)
        return _joined(halves_out, halves_in, max_hops, nodes)

    with gc_paused():
        rows = read_transaction(store, search)
    rows.sort(key=lambda row: (len(row["hops"]), row["key"]))
    return rows


def _expand(
    run: Run,
    elements: dict[str, str],
    nodes: dict[str, dict[str, Any]],
    depths: dict[str, int],
    exclude: Sequence[str],
) -> dict[str, list[_Step]]:
    """Every link of every node fewer than ``depths[end]`` hops from an end, by node.

    Both ends are expanded in the same queries, a level at a time; a node reached
    from both is read once. ``elements`` and ``nodes`` gain every node reached.
    """
    ids = {element: n for n, element in elements.items()}
    links: dict[str, list[_Step]] = {}
    frontiers = {end: {end} for end, depth in depths.items() if depth > 0}
    for level in range(max(depths.values())):
        wanted = sorted(
            {n for end, frontier in frontiers.items() if level < depths[end] for n in frontier}
            - links.keys()
        )
        if not wanted:
            break
        for n in wanted:
            links[n] = []
        rows = run(
            HOP_TEXT.text, {"nodes": [elements[n] for n in wanted], "excludeTypes": list(exclude)}
        )
        for ((node, forward, *found),) in rows:
            steps = links[ids[node]]
            for kind, element, other, *props in found:
                if other not in nodes:
                    nodes[other] = node_row((other, *props[:3]))
                    elements[other] = element
                    ids[element] = other
                steps.append(_Step(kind, other, forward, tuple(props[3:])))
        for end, frontier in frontiers.items():
            if level + 1 < depths[end]:
                frontiers[end] = {s.other for n in frontier for s in links[n]}
    return links


def _halves(
    links: dict[str, list[_Step]], end: str, depth: int, avoid: str
) -> list[dict[str, list[_Half]]]:
    """The simple paths out of ``end`` of 0 to ``depth`` hops, by length and last node.

    ``avoid`` (the other end) may only be a path's last node: a path through it
    is no part of a path that ends there.
    """
    by_length: list[dict[str, list[_Half]]] = [{end: [((end,), ())]}]
    for _ in range(depth):
        longer: dict[str, list[_Half]] = defaultdict(list)
        for last, halves in by_length[-1].items():
            if last == avoid:
                continue
            for step in links.get(last, ()):
                for ids, steps in halves:
                    if step.other not in ids:
                        longer[step.other].append(((*ids, step.other), (*steps, step)))
        by_length.append(longer)
    return by_length


def _joined(
    outs: list[dict[str, list[_Half]]],
    ins: list[dict[str, list[_Half]]],
    max_hops: int,
    nodes: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The paths of 1 to ``max_hops`` hops: a half out of the source of ``ceil(n/2)`` hops and
    one out of the target of ``floor(n/2)``, meeting at their last node and nowhere else."""
    rows: dict[str, dict[str, Any]] = {}
    for length in range(1, max_hops + 1):
        out_len, in_len = (length + 1) // 2, length // 2
        for middle, firsts in outs[out_len].items():
            seconds = ins[in_len].get(middle)
            if not seconds:
                continue
            for ids_out, steps_out in firsts:
                for ids_in, steps_in in seconds:
                    if not set(ids_out).isdisjoint(ids_in[:-1]):
                        continue
                    ids = ids_out + ids_in[-2::-1]
                    crossed = [(s, s.forward) for s in steps_out]
                    crossed += [(s, not s.forward) for s in reversed(steps_in)]
                    parts = [ids[0]]
                    for (step, _), node in zip(crossed, ids[1:], strict=True):
                        parts += [step.type, node]
                    key = " ".join(parts)
                    if key not in rows:
                        rows[key] = _row(ids, crossed, nodes, key)
    return list(rows.values())


def _row(
    ids: tuple[str, ...],
    crossed: list[tuple[_Step, bool]],
    nodes: dict[str, dict[str, Any]],
    key: str,
) -> dict[str, Any]:
    """One path as ``paths_all.cypher`` returns it (its ``nodes``, ``hops`` and ``key``)."""
    hops = []
    for (step, forward), here, there in zip(crossed, ids[:-1], ids[1:], strict=True):
        source, target = (here, there) if forward else (there, here)
        hops.append(hop_row(source, target, step.type, forward, step.link))
    return {"nodes": [nodes[n] for n in ids], "hops": hops, "key": key}
