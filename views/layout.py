"""Node positions computed ahead of time, for the WebGL view of a large graph.

A browser cannot run a force layout over 50,000 nodes before the analyst loses
patience, and networkx's spring layout is quadratic in the number of nodes. So
the layout is built in two steps, both in Python before the page is written:

1. the *backbone* (the best-connected nodes, at most :data:`BACKBONE` of them)
   gets networkx's Fruchterman-Reingold spring layout, seeded so that the same
   graph always gets the same picture;
2. every other node is placed, in breadth-first order out from the backbone,
   at the centre of its already-placed neighbours plus a small seeded offset
   that shrinks with how many neighbours pin it, so leaves gather round their
   hubs; nodes with no placed neighbour go on a ring outside.

Linear in the number of links after step 1; about a few seconds for 50,000
nodes (see benchmarks/README.md).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Mapping, Sequence

import networkx as nx

BACKBONE = 300
"""networkx lays out at most this many itself: from 500 on it needs scipy, and is quadratic."""
SCALE = 1_000.0
SEED = 7


def ahead_of_time(
    graph: nx.MultiDiGraph, fixed: Mapping[str, Sequence[float]] | None = None
) -> dict[str, list[float]]:
    """Positions ``[x, y]`` for every node of ``graph``; ``fixed`` ones are kept as given."""
    fixed = {str(k): [float(v[0]), float(v[1])] for k, v in (fixed or {}).items()}
    simple = nx.Graph()
    simple.add_nodes_from(str(n) for n in graph.nodes)
    simple.add_edges_from((str(u), str(v)) for u, v in graph.edges() if u != v)
    if simple.number_of_nodes() == 0:
        return {}
    rng = random.Random(SEED)  # noqa: S311 - a seeded layout, not a secret
    by_degree = sorted(simple.nodes, key=lambda n: (-simple.degree(n), n))
    backbone = [n for n in by_degree[:BACKBONE] if n not in fixed]
    positions: dict[str, list[float]] = dict(fixed)
    if backbone:
        sub = simple.subgraph(backbone)
        init = {n: (rng.uniform(-1, 1), rng.uniform(-1, 1)) for n in backbone}
        placed = nx.spring_layout(sub, pos=init, iterations=50, seed=SEED, scale=SCALE)
        positions |= {n: [float(p[0]), float(p[1])] for n, p in placed.items()}
    spread = SCALE * 2.5 / math.sqrt(max(len(positions), 1))
    queue = deque(n for n in by_degree if n in positions)
    seen = set(positions)
    while queue:
        node = queue.popleft()
        for other in simple.neighbors(node):
            if other in seen:
                continue
            seen.add(other)
            anchors = [positions[n] for n in simple.neighbors(other) if n in positions]
            cx = sum(p[0] for p in anchors) / len(anchors)
            cy = sum(p[1] for p in anchors) / len(anchors)
            angle = rng.uniform(0, 2 * math.pi)
            radius = spread * rng.uniform(0.3, 1.0) / math.sqrt(len(anchors))
            positions[other] = [cx + radius * math.cos(angle), cy + radius * math.sin(angle)]
            queue.append(other)
    loose = [n for n in by_degree if n not in positions]
    for i, node in enumerate(loose):
        angle = 2 * math.pi * i / max(len(loose), 1)
        ring = SCALE * 1.3 + spread * rng.uniform(0, 3)
        positions[node] = [ring * math.cos(angle), ring * math.sin(angle)]
    return positions
