"""Proxy chains: from a state to the actors that act for it and their targets.

How the search runs: the frontier is expanded hop by hop, one indexed, typed,
directed query per hop (:data:`HOP_TEXT`, or :data:`UNFILTERED_HOP_TEXT` without
filters: the frontier's nodes sought by element id, FORWARD types followed out of
each node and BACKWARD types into it, the grading and date filters applied in the
query, one row per frontier node holding its links).
That gathers only the links a chain could cross from the start; the maximal
chains are then enumerated over them here, in Python, by the rules below. On the
embedded store the hops are read in-process, not over Bolt
(:mod:`statecrime.graph.read_rows`); on Neo4j over Bolt, the same texts.
``queries/chains.cypher`` states the same rules as one Cypher statement for
analysts (and stays in the catalogue, tested to give the same chains); it is not
what ``find_chains`` runs, because an engine answering it enumerates every path
over the chain types before it can drop the ones that break a rule (seconds from
a hub state), while the hop queries touch each reachable link once.

What a chain is (the rules, which the tests check against an independent
networkx answer):
- It is read from its start (a state, or any entity given by id) outwards. Hop
  *i* crosses a link ``r`` *forward* (``r.type`` in ``domain.FORWARD_TYPES`` and
  ``r`` starts at node *i*) or *backward* (in ``domain.BACKWARD_TYPES`` and ``r``
  ends at node *i*): from Russia back along PART_OF to the FSB, back along
  MEMBER_OF to an officer, forward along SPONSORS to Evil Corp, forward along
  PERPETRATED to an incident, forward along TARGETS to its target.
- Stages: control and membership hops may alternate (an agency's officer, a
  member, sponsors a group), but once an *act* hop is crossed
  (``domain.ACT_TYPES``) only act hops follow, and a :data:`END_TYPES` hop
  (TARGETS) ends the chain: what is targeted is not a new beginning.
- It holds at least one tasking hop (``domain.TASKING_TYPES``) or act hop:
  Russia ← FSB ← an officer is the state's own structure, not a proxy chain;
  Russia ← incident (ATTRIBUTED_TO) → target is, as attribution is how many
  state crimes are established.
- It is a simple path (no entity twice), at most ``max_hops`` hops, and
  maximal: no further hop under the same rules and filters extends it, so no
  chain listed is the prefix of another; a chain cut by ``max_hops`` counts as
  maximal. Parallel links (Russia TASKS and PAYS a group) make distinct
  chains: each is a separate claim with its own evidence.
- Filters: ``min_grading`` and ``as_of`` apply to every hop (so a chain is
  maximal among the links that pass them); ``target_country`` (the last
  entity's country) and ``crime`` (some entity of the chain has that crime
  type) select among the maximal chains.
- Order: by the chain's grading (worst letter, worst digit), then length, then
  the entity ids and relation types in order, so the output is stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.grading import Grading
from statecrime.graph.network import to_networkx
from statecrime.graph.read_rows import Run, gc_paused, read_transaction
from statecrime.graph.store import Store
from statecrime.queries.bounded import pick, variants
from statecrime.queries.evidence import Hop, Route, attach
from statecrime.queries.files import query

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Chain", "ChainFilterError", "Hop", "find_chains", "find_chains_by_cypher"]

DEFAULT_MAX_HOPS = 4
HOP_BOUNDS = range(1, 7)
"""--max-hops runs 1 to 6: each hop multiplies the paths the engine enumerates."""

END_TYPES: tuple[str, ...] = ("TARGETS",)
"""Act relations after which a chain stops: the target of an actor or an incident."""

NO_LIMIT = 1_000_000_000
"""What the query's ``$limit`` gets when the caller wants every chain (Cypher needs a number)."""

assert all(
    domain.RELATIONS[t].stage is domain.Stage.ACT and t in domain.FORWARD_TYPES for t in END_TYPES
), "END_TYPES must be forward act relations of the domain"

CHAIN_TYPES: tuple[str, ...] = domain.FORWARD_TYPES + domain.BACKWARD_TYPES
"""The relation types a chain may cross: the only ones the query walks."""

_TYPED = "){{1,{n}}} (x:Entity)"
_ONE_STATE = "MATCH (s:Entity {id: $state})"
_EVERY_STATE = "MATCH (s:State)"

if query("chains").text.count(":" + "|".join(CHAIN_TYPES) + "]") != 2:
    raise ValueError(
        "queries/chains.cypher must name the domain's chain types "
        f"({'|'.join(CHAIN_TYPES)}) in its pattern and in its maximality check"
    )

TEXTS = variants("chains", _TYPED, HOP_BOUNDS)
"""The analysts' one-statement form, from one entity found through the unique id index
(``$state``); the same chains as :func:`find_chains` (tested), much slower from hubs."""

EVERY_STATE_TEXTS = {
    n: declare(
        f"{text.name}.every_state",
        text.text.replace(_ONE_STATE, _EVERY_STATE, 1),
        **{k: v for k, v in text.params.items() if k != "state"},
    )
    for n, text in TEXTS.items()
}
"""From every State: a label scan, not a filter ``s.id = $state OR $state IS NULL``,
which no engine answers from the index."""


_GRADED = """($minGrading IS NULL
     OR (left(r.grading, 1) <= left($minGrading, 1) AND right(r.grading, 1) <= right($minGrading, 1)
         AND left(r.grading, 1) <> 'F' AND right(r.grading, 1) <> '6'))"""
_IN_FORCE = """($asOf IS NULL
     OR ((r.sinceFirst IS NULL OR r.sinceFirst <= $asOf)
         AND (r.untilLast IS NULL OR r.untilLast >= $asOf)))"""
_NODE = (
    "elementId(b) AS node, b.id AS id, b.kind AS kind, b.name AS name,\n"
    "       b.country AS country, b.crimeTypes AS crimeTypes"
)


_ACT_FORWARD = tuple(t for t in domain.FORWARD_TYPES if t in domain.ACT_TYPES)
_ACT_BACKWARD = tuple(t for t in domain.BACKWARD_TYPES if t in domain.ACT_TYPES)


def _hop_part(nodes: str, arrow: str, types: tuple[str, ...], forward: bool, where: str) -> str:
    return f"""
UNWIND ${nodes} AS node
MATCH (a) WHERE elementId(a) = node
MATCH (a){arrow.format(types="|".join(types))}(b:Entity){where}
WITH node, collect([type(r), elementId(b), b.id, b.kind, b.name, b.country, b.crimeTypes,
                    r.grading, r.since, r.until, r.note, r.sources]) AS links
RETURN [node, {str(forward).lower()}] + links AS link"""


def _hop_text(where: str) -> str:
    return "\nUNION ALL".join(
        [
            _hop_part("full", "-[r:{types}]->", domain.FORWARD_TYPES, True, where),
            _hop_part("full", "<-[r:{types}]-", domain.BACKWARD_TYPES, False, where),
            _hop_part("acts", "-[r:{types}]->", _ACT_FORWARD, True, where),
            _hop_part("acts", "<-[r:{types}]-", _ACT_BACKWARD, False, where),
        ]
    )


_HOP_COMMENT = (
    "// One hop of the chain search: from each frontier node, the FORWARD links out of it\n"
    "// and the BACKWARD links into it ($full), or only the act types ($acts: after an act\n"
    "// hop). Built from graph/domain.py. The frontier's nodes are found by the element ids\n"
    "// the hop before returned, in the same read transaction: a direct seek on both\n"
    "// engines, 10x cheaper than the id index on the embedded store (measured), and passed\n"
    "// as lists of strings, which cost the embedded store half what maps do. One row per\n"
    "// frontier node and direction: the node, forward or not, then one list per link (type,\n"
    "// the other node's element id, id, kind, name, country, crimeTypes, then the link's\n"
    "// grading, since, until, note, sources).\n"
)

HOP_TEXT = declare(
    "queries.chains.hop",
    _HOP_COMMENT
    + "// Only links graded at least $minGrading and in force on $asOf.\n"
    + _hop_text(f"\nWHERE {_GRADED}\n  AND {_IN_FORCE}"),
    full=["4:00000000-0000-0000-0000-000000000000:0"],
    acts=["4:00000000-0000-0000-0000-000000000000:1"],
    minGrading=None,
    asOf=None,
)
"""One hop of :func:`reach` with the grading and date filters applied in the engine: each
chain type followed only the way a chain crosses it."""

UNFILTERED_HOP_TEXT = declare(
    "queries.chains.hop.unfiltered",
    _HOP_COMMENT + _hop_text(""),
    full=["4:00000000-0000-0000-0000-000000000000:0"],
    acts=["4:00000000-0000-0000-0000-000000000000:1"],
)
"""The same hop when no ``min_grading`` or ``as_of`` is given (most searches): the engine
then tests no filter on each link, an eighth of the hops' CPU at 100k (measured)."""

START_TEXT = declare(
    "queries.chains.start",
    "MATCH (b:Entity {id: $state}) RETURN " + _NODE,
    state="ru",
)
EVERY_STATE_START_TEXT = declare(
    "queries.chains.every_state_start",
    "MATCH (b:State) RETURN " + _NODE,
)

_ACT_SET = frozenset(domain.ACT_TYPES)
_END_SET = frozenset(END_TYPES)
_TASKING_SET = frozenset(domain.TASKING_TYPES)


class ChainFilterError(ValueError):
    """A filter value the chain search cannot use (bad grading, date, country...)."""


def chain_params() -> dict[str, list[str]]:
    """The type lists the query takes, straight from the domain declaration."""
    return {
        "forwardTypes": list(domain.FORWARD_TYPES),
        "backwardTypes": list(domain.BACKWARD_TYPES),
        "actTypes": list(domain.ACT_TYPES),
        "endTypes": list(END_TYPES),
        "taskingTypes": list(domain.TASKING_TYPES),
    }


class Chain(Route):
    """A proxy chain: its entities in reading order from the state outwards, its hops."""

    def sort_key(self) -> tuple[str, int, str]:
        return (self.grading, len(self.hops), self.key)


def check_filters(
    min_grading: str | None, as_of: str | None, target_country: str | None, crime: str | None
) -> dict[str, Any]:
    """The filters as the query takes them; a ``ValueError`` naming what is wrong otherwise."""
    params: dict[str, Any] = {
        "minGrading": str(Grading.parse(min_grading)) if min_grading else None,
        "asOf": None,
        "targetCountry": None,
        "crime": None,
    }
    if as_of:
        try:
            params["asOf"] = dt.date.fromisoformat(as_of.strip()).isoformat()
        except ValueError:
            raise ChainFilterError(f"{as_of!r} is not a day: write it as YYYY-MM-DD") from None
    if target_country:
        code = target_country.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ChainFilterError(f"{target_country!r} is not a country code such as GB")
        params["targetCountry"] = code
    if crime:
        if crime not in domain.CRIME_TYPES:
            raise ChainFilterError(
                f"unknown crime type {crime!r}; expected one of: {', '.join(domain.CRIME_TYPES)}"
            )
        params["crime"] = crime
    return params


def find_chains(
    store: Store,
    *,
    state: str | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    min_grading: str | None = None,
    as_of: str | None = None,
    target_country: str | None = None,
    crime: str | None = None,
    limit: int | None = None,
) -> list[Chain]:
    """The proxy chains from ``state`` (every state when None), best graded first.

    Raises :class:`ChainFilterError` (or ``GradingError``, a ``ValueError`` too)
    on a filter it cannot use, and ``BoundError`` when ``max_hops`` is outside
    1-6. ``limit`` keeps the first chains in the stable order.
    """
    pick(TEXTS, max_hops)  # the bound is checked as the Cypher text's is
    params = check_filters(min_grading, as_of, target_country, crime)
    first = (START_TEXT, {"state": state}) if state is not None else (EVERY_STATE_START_TEXT, {})
    nodes: dict[str, dict[str, Any]] = {}

    def search(run: Run) -> tuple[list[str], dict[str, list[_Step]]]:
        nodes.clear()  # a retried transaction starts again
        starts = {}
        for element, *props in run(first[0].text, first[1]):
            nodes[props[0]] = _node(*props)
            starts[props[0]] = element
        graph = reach(run, starts, max_hops, params["minGrading"], params["asOf"], nodes)
        return sorted(starts), graph

    with gc_paused():
        ids, graph = read_transaction(store, search)
        country, crime_type = params["targetCountry"], params["crime"]
        found = [
            (sort_key, chain)
            for start in ids  # one chain key per path, and every path starts at one state
            for sort_key, chain in enumerate_chains(graph, nodes, start, max_hops)
            if (not country or chain.nodes[-1]["country"] == country)
            and (not crime_type or any(crime_type in n["crimeTypes"] for n in chain.nodes))
        ]
        found.sort(key=lambda pair: pair[0])
        ordered = [chain for _key, chain in (found if limit is None else found[:limit])]
        attach_evidence(store, ordered)
    return ordered


def find_chains_by_cypher(
    store: Store,
    *,
    state: str | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    min_grading: str | None = None,
    as_of: str | None = None,
    target_country: str | None = None,
    crime: str | None = None,
    limit: int | None = None,
) -> list[Chain]:
    """What :func:`find_chains` returns, from the analysts' one statement (chains.cypher).

    For the tests (both must give the oracle's chains) and the benchmark (the
    search before the hop-by-hop one); no command uses it.
    """
    text = pick(TEXTS if state is not None else EVERY_STATE_TEXTS, max_hops)
    params = check_filters(min_grading, as_of, target_country, crime)
    start = {"state": state} if state is not None else {}
    rows = store.read(text, **start, maxHops=max_hops, limit=NO_LIMIT, **chain_params(), **params)
    chains: dict[str, Chain] = {}
    for row in rows:
        chain = Chain(
            nodes=[
                _node(n["id"], n["kind"], n["name"], n.get("country"), n.get("crimeTypes"))
                for n in row["nodes"]
            ],
            hops=[Hop.from_row(hop) for hop in row["hops"]],
        )
        chains.setdefault(chain.key, chain)
    ordered = sorted(chains.values(), key=Chain.sort_key)
    if limit is not None:
        ordered = ordered[:limit]
    attach_evidence(store, ordered)
    return ordered


# --- the search: the reachable chain links, hop by hop, then the chains over them --------


class _Step(NamedTuple):
    """One link a chain may cross out of a node: its type, the node it leads to, the link."""

    type: str
    other: str
    act: bool
    end: bool
    proxy: bool
    """A tasking or act hop: what makes a path a proxy chain."""
    link: tuple[bool, str, str | None, str | None, str | None, list[str] | None]
    """forward (the link runs from this node), grading, since, until, note, sources."""


_FULL, _ACT = 2, 1
"""How far a node must be expanded: every chain type, or (after an act hop) act types only."""


def reach(
    run: Run,
    starts: dict[str, str],
    max_hops: int,
    min_grading: str | None,
    as_of: str | None,
    nodes: dict[str, dict[str, Any]],
) -> dict[str, list[_Step]]:
    """The chain links reachable from ``starts`` within ``max_hops``, by node, filters applied.

    ``starts`` maps each start's id to its element id. One :data:`HOP_TEXT`
    query per hop, for the whole frontier, in the caller's read transaction (the
    element ids it passes on hold only there). A node is expanded once for what
    a chain may do next from it: every chain type, or only act types when every
    chain reaching it so far arrived by an act hop; never after TARGETS, and
    never at the last hop (a chain cut by ``max_hops`` is maximal). ``nodes``
    gains the properties of every node reached.
    """
    graph: dict[str, list[_Step]] = {}
    expanded: dict[str, int] = {}
    elements = dict(starts)
    ids = {element: n for n, element in starts.items()}
    frontier = {start: _FULL for start in starts}
    filtered = min_grading is not None or as_of is not None
    text = (HOP_TEXT if filtered else UNFILTERED_HOP_TEXT).text
    filters = {"minGrading": min_grading, "asOf": as_of} if filtered else {}
    for _depth in range(max_hops):
        todo = {n: mode for n, mode in frontier.items() if expanded.get(n, 0) < mode}
        if not todo:
            break
        ordered = sorted(todo.items())
        rows = run(
            text,
            {
                "full": [elements[n] for n, mode in ordered if mode == _FULL],
                "acts": [elements[n] for n, mode in ordered if mode == _ACT],
                **filters,
            },
        )
        for n, mode in todo.items():
            expanded[n] = mode
            graph[n] = []  # refetched whole when a node once expanded for acts needs every type
        frontier = {}
        for ((node, forward, *links),) in rows:
            here = ids[node]
            steps = graph[here]
            for kind, element, other, *props in links:
                if other not in nodes:
                    nodes[other] = _node(other, *props[:4])
                    elements[other] = element
                    ids[element] = other
                act = kind in _ACT_SET
                end = kind in _END_SET
                link = (forward, *props[4:])
                steps.append(_Step(kind, other, act, end, act or kind in _TASKING_SET, link))
                if not end:
                    mode = _ACT if act else _FULL
                    if frontier.get(other, 0) < mode:
                        frontier[other] = mode
    return graph


def enumerate_chains(
    graph: dict[str, list[_Step]], nodes: dict[str, dict[str, Any]], start: str, max_hops: int
) -> Iterator[tuple[tuple[str, int, str], Chain]]:
    """The maximal chains from ``start`` over ``graph``, by the rules of the module docstring.

    Each comes with its sort key (grading, length, key: :meth:`Chain.sort_key`),
    built along the walk rather than parsed back from the hops. The chains through
    an entity share its dict, and those through a link its :class:`Hop`: a hub
    state's 11,430 chains at 100k would otherwise copy 57,000 dicts.
    """
    path = [start]
    steps: list[_Step] = []
    seen = {start}
    made: dict[int, Hop] = {}

    def hop(step: _Step, here: str) -> Hop:
        # one Hop per link crossed, shared by the chains through it (evidence resolved once)
        found = made.get(id(step))
        if found is None:
            found = made[id(step)] = _hop(step, here)
        return found

    def walk(after_act: bool, proxy: bool, letter: str, digit: str, key: str) -> Iterator[Any]:
        extended = False
        if len(steps) < max_hops and not (steps and steps[-1].end):
            for step in graph.get(path[-1], ()):
                if (after_act and not step.act) or step.other in seen:
                    continue
                extended = True
                grading = step.link[1]
                path.append(step.other)
                steps.append(step)
                seen.add(step.other)
                yield from walk(
                    step.act,
                    proxy or step.proxy,
                    max(letter, grading[0]),
                    max(digit, grading[1]),
                    f"{key} {step.type} {step.other}",
                )
                seen.discard(step.other)
                steps.pop()
                path.pop()
        if not extended and proxy:
            chain = Chain(
                nodes=[nodes[n] for n in path],  # one dict per entity, shared like the hops
                hops=[hop(step, here) for step, here in zip(steps, path, strict=False)],
            )
            yield (letter + digit, len(steps), key), chain

    yield from walk(False, False, "A", "1", start)


def _node(
    id_: str, kind: str, name: str, country: str | None, crime_types: list[str] | None
) -> dict[str, Any]:
    return {
        "id": id_,
        "kind": kind,
        "name": name,
        "country": country,
        "crimeTypes": list(crime_types or []),
    }


def _hop(step: _Step, here: str) -> Hop:
    forward, grading, since, until, note, sources = step.link
    return Hop(
        source=here if forward else step.other,
        target=step.other if forward else here,
        type=step.type,
        direction="forward" if forward else "backward",
        grading=grading,
        since=since,
        until=until,
        note=note,
        sources=[{"id": s} for s in sources or []],
    )


def attach_evidence(store: Store, chains: list[Chain]) -> None:
    """Replace each hop's source ids by the Source records, fetched in one query.

    A hop shared by several chains (the same link crossed from the same node) is
    resolved once.
    """
    unique = {id(hop): hop for chain in chains for hop in chain.hops}
    attach(store, list(unique.values()))


def chains_graph(store: Store, chains: list[Chain]) -> nx.MultiDiGraph:
    """The chains' entities and hops as the view's networkx graph, evidence resolved.

    Only the links the chains cross are drawn (not every link among their
    entities), built from the stored records so the view shows every field.
    """
    ids = {node["id"] for chain in chains for node in chain.nodes}
    keys = {(h.source, h.type, h.target) for chain in chains for h in chain.hops}
    links = store.fetch_links(keys)
    source_ids = {s for link in links.values() for s in link.sources}
    entities = store.fetch_entities(ids | source_ids)
    return to_networkx(entities.values(), links.values())
