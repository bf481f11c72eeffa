"""Connections between two entities: the shortest paths, and every path up to N hops.

Both searches cross links of any type in either direction (a hop's
``direction`` says which way): ``queries/paths_shortest.cypher`` uses
``allShortestPaths`` (up to 10 hops, whatever ``max_hops`` says, so a distant
connection is still found; through context relations unless ``through_context``
is False, a relation-typed pattern then), ``queries/paths_all.cypher`` lists the simple paths
up to ``max_hops``, shortest first, leaving out the types in ``exclude`` (the
shortest search leaves none out: the two engines apply a filter inside
``allShortestPaths`` at different moments and would disagree).
:func:`find_paths` returns the rows of ``paths_all.cypher`` without running it:
they are searched from both ends (:mod:`statecrime.queries.paths_between`);
:func:`find_paths_by_cypher` runs the text, for the tests and the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.store import Store
from statecrime.queries.bounded import pick, variants
from statecrime.queries.evidence import Hop, Route, attach
from statecrime.queries.files import query
from statecrime.queries.paths_between import path_rows
from statecrime.queries.paths_shortest import shortest_paths

DEFAULT_MAX_HOPS = 4
HOP_BOUNDS = range(1, 7)
NO_LIMIT = 1_000_000_000

TEXTS = variants("paths_all", "[*1..{n}]", HOP_BOUNDS)

_CONNECTING = "|".join(t for t in domain.RELATIONS if t not in domain.CONTEXT_TYPES)
_SHORTEST = query("paths_shortest")
if _SHORTEST.text.count("[*..10]") != 1:
    raise ValueError("queries/paths_shortest.cypher must search allShortestPaths over [*..10]")
SHORTEST_TEXTS = {
    True: _SHORTEST,
    False: declare(
        f"{_SHORTEST.name}.connecting",
        _SHORTEST.text.replace("[*..10]", f"[:{_CONNECTING}*..10]"),
        **_SHORTEST.params,
    ),
}
"""The shortest-path search through every link (True), or not through the context
relations (False: ``domain.CONTEXT_TYPES``, whose hubs, such as one sanctioning
state, make everything two hops from everything). Typed in the pattern, so both
engines leave those links out during the search, not after it."""


class PathRecord(Route):
    """One path: its entities in order from the first entity asked, and its hops."""


@dataclass
class Connection:
    """How two entities connect: ``shortest`` paths and ``paths`` up to the bound."""

    source: str
    target: str
    max_hops: int
    shortest: list[PathRecord] = field(default_factory=list)
    paths: list[PathRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "maxHops": self.max_hops,
            "shortest": [p.as_dict() for p in self.shortest],
            "paths": [p.as_dict() for p in self.paths],
        }


def _records(rows: list[dict[str, Any]]) -> list[PathRecord]:
    records: dict[str, PathRecord] = {}
    for row in rows:
        record = PathRecord(
            nodes=[{k: n.get(k) for k in ("id", "kind", "name", "country")} for n in row["nodes"]],
            hops=[Hop.from_row(h) for h in row["hops"]],
        )
        records.setdefault(record.key, record)
    return sorted(records.values(), key=lambda p: (len(p.hops), p.key))


def find_paths(
    store: Store,
    source: str,
    target: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    exclude: Sequence[str] = (),
    limit: int | None = None,
    through_context: bool = True,
) -> Connection:
    """The shortest paths and the simple paths up to ``max_hops`` from ``source`` to ``target``.

    ``through_context=False`` keeps the shortest-path search off the context
    relations (``domain.CONTEXT_TYPES``), as ``around`` does by default.

    Raises ``ValueError`` when the two ids are the same or an excluded type is
    not a relation of the domain, ``BoundError`` when ``max_hops`` is outside 1-6.
    """
    _check(source, target, exclude)
    pick(TEXTS, max_hops)  # the bound is checked as the Cypher text's is
    shortest = _records(shortest_paths(store, source, target, through_context=through_context))
    rows = path_rows(store, source, target, max_hops, exclude)
    paths = _records(rows if limit is None else rows[:limit])
    attach(store, [hop for p in [*shortest, *paths] for hop in p.hops])
    return Connection(source, target, max_hops, shortest, paths)


def find_paths_by_cypher(
    store: Store,
    source: str,
    target: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    exclude: Sequence[str] = (),
) -> list[PathRecord]:
    """The paths :func:`find_paths` lists, from the analysts' one statement (paths_all.cypher).

    For the tests (both must give networkx's paths) and the benchmark (the search
    before the one from both ends); no command uses it.
    """
    _check(source, target, exclude)
    text = pick(TEXTS, max_hops)
    paths = _records(
        store.read(text, fromId=source, toId=target, excludeTypes=list(exclude), limit=NO_LIMIT)
    )
    attach(store, [hop for p in paths for hop in p.hops])
    return paths


def _check(source: str, target: str, exclude: Sequence[str]) -> None:
    if source == target:
        raise ValueError("a path needs two different entities")
    unknown = [t for t in exclude if t not in domain.RELATIONS]
    if unknown:
        raise ValueError(
            f"unknown relation type(s) {', '.join(unknown)}; "
            f"expected some of: {', '.join(domain.RELATIONS)}"
        )
