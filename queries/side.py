"""A state's side, searched a hop at a time: the rows of ``taskings.cypher`` without its walk.

Why: ``queries/taskings.cypher`` matches every untyped path of up to 4 links from
each state and keeps those that cross the side's relations the right way. On the
generated 1M graph (1,000,000 entities, 2.9M links) ``taskings --state X`` ran past
its 60 s limit: the untyped walk reads every link of a hub, noise included. Here
each hop is one typed, directed query for the whole frontier (as the chain search
does, :mod:`statecrime.queries.chains`), read in-process on the embedded store.

Which route is kept, as the Cypher text keeps it: for each state and tasker, the
shortest route, then the one whose node ids, read from the state, come first,
then whose relation types do (the text compares the ids and types joined by
spaces; no id or type holds a space or anything sorting before it, so that is the
order of the tuples). The shortest routes of one length extend the best routes of
the length before (a node reached first at depth ``d`` cannot lie on a shortest
route to a node of depth ``d - 1``), so one best route per node and level is kept
as the frontier grows. The rows come in the text's order; the catalogue keeps the
text for analysts, and the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.read_rows import Run, gc_paused, read_transaction
from statecrime.graph.store import Store
from statecrime.queries.hop_rows import LINK_COLUMNS, NODE_COLUMNS, hop_row, node_row

SIDE_HOPS = 4
"""How far a state's side reaches (``taskings.cypher``'s ``[*0..4]``)."""



def _part(nodes: str, arrow: str, types: list[str], forward: bool) -> str:
    return f"""
UNWIND ${nodes} AS node
MATCH (a) WHERE elementId(a) = node
MATCH (a){arrow.format(types="|".join(types))}(b:Entity)
WITH node, collect([type(r), elementId(b), {NODE_COLUMNS}, {LINK_COLUMNS}]) AS links
RETURN [node, {str(forward).lower()}] + links AS links"""


_SIDE_STAGES = (domain.Stage.CONTROL, domain.Stage.MEMBERSHIP)
_ON_SIDE = [r for r in domain.RELATIONS.values() if r.stage in _SIDE_STAGES]
REACH_FORWARD = tuple(r.name for r in _ON_SIDE if r.chain is domain.Crossing.FORWARD)
"""The relations a state's side crosses forward (from their start), in the domain's order:
the texts' ``$reachForward``."""
REACH_BACKWARD = tuple(r.name for r in _ON_SIDE if r.chain is domain.Crossing.BACKWARD)
"""The relations a state's side crosses backward (from their end): ``$reachBackward``."""
_FORWARD = frozenset(REACH_FORWARD)
_BACKWARD = frozenset(REACH_BACKWARD)
_TASKING = frozenset(domain.TASKING_TYPES)
_STATE_KIND = "State"
"""The kind whose side is searched (``backers.cypher``'s ``s:State``)."""
if _STATE_KIND not in domain.ENTITY_KINDS:
    raise ValueError(f"graph/domain.py declares no kind {_STATE_KIND!r}: queries/side.py needs it")


def _kinds(types: frozenset[str], end: str) -> frozenset[str]:
    """The kinds a link of one of ``types`` may have at ``end`` (``"sources"``/``"targets"``)."""
    return frozenset().union(*(getattr(domain.RELATIONS[t], end) for t in types))


# Which frontier nodes each part of a hop looks at: a node of a kind no such link can
# start or end at has none to find (a person is never the end of PART_OF or MEMBER_OF;
# every load checks that a relation joins the kinds graph/domain.py allows it):
# at 1M a level of 26,400 nodes, most of them people, took 235 ms both ways, 115 ms
# out of them alone.
_SIDE_OUT = _kinds(_FORWARD | _TASKING, "sources")
_SIDE_IN = _kinds(_BACKWARD, "targets")
_BACK_IN = _kinds(_FORWARD, "targets")
_BACK_OUT = _kinds(_BACKWARD, "sources")

HOP_TEXT = declare(
    "queries.side.hop",
    "// One hop of a state's side (queries/side.py): from each frontier node, the links\n"
    "// out of it of a type the side crosses forward or that tasks, and the links into it\n"
    "// of a type the side crosses backward. Built from graph/domain.py.\n"
    + "\nUNION ALL".join(
        [
            _part("out", "-[r:{types}]->", sorted(_FORWARD | _TASKING), True),
            _part("in", "<-[r:{types}]-", sorted(_BACKWARD), False),
        ]
    ),
    out=["4:00000000-0000-0000-0000-000000000000:0"],
    **{"in": ["4:00000000-0000-0000-0000-000000000000:0"]},
)
"""One level of the search, for the whole frontier (by the element ids of the level before)."""
START_TEXT = declare(
    "queries.side.start",
    f"MATCH (b:Entity {{id: $state}}) WHERE b:State RETURN elementId(b), {NODE_COLUMNS}",
    state="ru",
)
EVERY_STATE_TEXT = declare(
    "queries.side.every_state", f"MATCH (b:State) RETURN elementId(b), {NODE_COLUMNS}"
)
BACK_HOP_TEXT = declare(
    "queries.side.back_hop",
    "// One hop of a state's side walked back from a tasker (queries/side.py): into each\n"
    "// frontier node, the links of a type the side crosses forward, and out of it, the\n"
    "// links of a type the side crosses backward. Built from graph/domain.py.\n"
    + "\nUNION ALL".join(
        [
            _part("in", "<-[r:{types}]-", sorted(_FORWARD), True),
            _part("out", "-[r:{types}]->", sorted(_BACKWARD), False),
        ]
    ),
    out=["4:00000000-0000-0000-0000-000000000000:0"],
    **{"in": ["4:00000000-0000-0000-0000-000000000000:0"]},
)
"""One level of the walk back from a tasker towards the states whose side holds it."""
TASKERS_TEXT = declare(
    "queries.side.taskers",
    f"""MATCH (a:Entity {{id: $id}})
MATCH (a)<-[r:{"|".join(sorted(_TASKING))}]-(b:Entity)
RETURN elementId(a), a.id, a.kind, a.name, a.country, type(r), elementId(b),
       {NODE_COLUMNS}, {LINK_COLUMNS}""",
    id="evil-corp",
)
"""The tasking links into an actor, with their taskers."""


def _split(
    frontier: list[str],
    kind_of: Callable[[str], str],
    out: frozenset[str],
    into: frozenset[str],
) -> dict[str, list[str]]:
    """A hop's parameters: the frontier nodes whose links out of them (``out``) and into
    them (``in``) may be of the hop's types, by their kinds."""
    ordered = sorted(frontier)
    return {
        "out": [n for n in ordered if kind_of(n) in out],
        "in": [n for n in ordered if kind_of(n) in into],
    }


class _Route:
    """The best route found from a state to one node: its nodes' ids, types and hops."""

    __slots__ = ("hops", "ids", "nodes", "types")

    def __init__(
        self,
        ids: tuple[str, ...],
        types: tuple[str, ...],
        nodes: tuple[dict[str, Any], ...],
        hops: tuple[dict[str, Any], ...],
    ) -> None:
        self.ids, self.types, self.nodes, self.hops = ids, types, nodes, hops

    def key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.ids, self.types


Row = dict[str, Any]


def order_by(*fields: str) -> Callable[[Row], tuple[Any, ...]]:
    """The sort key of a text's ``ORDER BY`` over these rows: ``"state.id"`` is a field of
    a field, ``"#route"`` the length of one."""
    paths = [(name.startswith("#"), name.lstrip("#").split(".")) for name in fields]

    def key(row: Row) -> tuple[Any, ...]:
        values = []
        for length, path in paths:
            value: Any = row
            for part in path:
                value = value[part]
            values.append(len(value) if length else value)
        return tuple(values)

    return key


def _read_in_order(
    store: Store, search: Callable[[Run], list[Row]], key: Callable[[Row], tuple[Any, ...]]
) -> list[Row]:
    """The rows ``search`` finds in one read transaction, sorted by ``key``."""
    with gc_paused():
        rows = read_transaction(store, search)
    rows.sort(key=key)
    return rows


def side_rows(store: Store, state: str | None = None) -> list[dict[str, Any]]:
    """The rows ``taskings.cypher`` returns for ``state`` (every state when None), in its
    order: each tasking link out of an entity on a state's side, with the best route."""

    def search(run: Run) -> list[dict[str, Any]]:
        one = state is not None
        text, params = (START_TEXT, {"state": state}) if one else (EVERY_STATE_TEXT, {})
        rows: list[dict[str, Any]] = []
        for element, *props in run(text.text, params):
            rows.extend(_one_state(run, element, node_row(props)))
        return rows

    return _read_in_order(
        store, search, order_by("state.id", "#route", "link.source", "link.type", "link.target")
    )


def _one_state(run: Run, element: str, state: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one state: a level of its side at a time, each node's best route kept."""
    best: dict[str, _Route] = {element: _Route((state["id"],), (), (state,), ())}
    frontier = [element]
    rows: list[dict[str, Any]] = []
    for depth in range(SIDE_HOPS + 1):
        if not frontier:
            break
        found: dict[str, _Route] = {}
        for ((node, forward, *links),) in run(
            HOP_TEXT.text,
            _split(frontier, lambda n: best[n].nodes[-1]["kind"], _SIDE_OUT, _SIDE_IN),
        ):
            route = best[node]
            here = route.ids[-1]
            for kind, other, *props in links:
                tasks = forward and kind in _TASKING
                crosses = depth < SIDE_HOPS and (kind in _FORWARD if forward else kind in _BACKWARD)
                if not tasks and not crosses:
                    continue  # a link of the query's types that this node's side does not take
                other_node = node_row(props[:4])
                link = props[4:]
                if tasks:
                    rows.append(
                        {
                            "state": state,
                            "via": list(route.nodes),
                            "route": list(route.hops),
                            "link": hop_row(here, other_node["id"], kind, True, link),
                            "tasked": other_node,
                        }
                    )
                if not crosses or other in best:
                    continue  # not on the side from here, or reached before on a shorter route
                source, target = (here, other_node["id"]) if forward else (other_node["id"], here)
                candidate = _Route(
                    (*route.ids, other_node["id"]),
                    (*route.types, kind),
                    (*route.nodes, other_node),
                    (*route.hops, hop_row(source, target, kind, forward, link)),
                )
                held = found.get(other)
                if held is None or candidate.key() < held.key():
                    found[other] = candidate
        best.update(found)
        frontier = list(found)
    return rows


def backer_rows(store: Store, actor: str) -> list[dict[str, Any]]:
    """The rows ``backers.cypher`` returns for ``actor``, in its order: each tasking link
    into it, with each state whose side holds the tasker and the best route from it.

    The walk goes back from each tasker, a level at a time, keeping every link between
    consecutive levels (the shortest routes); from each state found, the best route is
    then read forwards: the smallest id at each step (the routes have one length, and
    distinct nodes distinct ids), then the smallest type among parallel links."""

    def search(run: Run) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for _element, *fields in run(TASKERS_TEXT.text, {"id": actor}):
            tasked = node_row(fields[:4])
            kind, element, *props = fields[4:]
            tasker = node_row(props[:4])
            link = hop_row(tasker["id"], tasked["id"], kind, True, props[4:])
            for state, via, route in _backers_of(run, element, tasker):
                rows.append(
                    {"state": state, "via": via, "route": route, "link": link, "tasked": tasked}
                )
        return rows

    return _read_in_order(store, search, order_by("state.id", "#route", "link.source", "link.type"))


def _backers_of(
    run: Run, element: str, tasker: dict[str, Any]
) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """Each state whose side reaches the tasker within :data:`SIDE_HOPS`, the route's nodes
    and hops from the state."""
    nodes = {element: tasker}
    level = {element: 0}
    # toward the tasker: for each node, the links to the nodes one level nearer it
    nearer: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    frontier = [element]
    for depth in range(1, SIDE_HOPS + 1):
        found: list[str] = []
        for ((node, forward, *links),) in run(
            BACK_HOP_TEXT.text, _split(frontier, lambda n: nodes[n]["kind"], _BACK_OUT, _BACK_IN)
        ):
            here = nodes[node]["id"]
            for kind, other, *props in links:
                held = level.get(other)
                if held is not None and held < depth:
                    continue  # nearer the tasker already: not on a shortest route from it
                if held is None:
                    level[other] = depth
                    nodes[other] = node_row(props[:4])
                    found.append(other)
                # read from the state's side: forward types run other -> here
                there = nodes[other]["id"]
                source, target = (there, here) if forward else (here, there)
                hop = hop_row(source, target, kind, forward, props[4:])
                nearer.setdefault(other, []).append((kind, node, hop))
        frontier = found
        if not frontier:
            break
    backers = []
    for element_id, node in nodes.items():
        if node["kind"] != _STATE_KIND:
            continue
        via, route, here = [node], [], element_id
        while here != element:
            steps = nearer[here]
            step_id = min(nodes[n]["id"] for _, n, _ in steps)
            kind, ahead, hop = min(
                (s for s in steps if nodes[s[1]]["id"] == step_id), key=lambda s: s[0]
            )
            via.append(nodes[ahead])
            route.append(hop)
            here = ahead
        backers.append((node, via, route))
    return backers
