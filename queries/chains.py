"""Proxy chains: from a state to the actors that act for it and their targets.

The search is ``queries/chains.cypher``; this module hands it the domain's type
lists, checks the filters, resolves each hop's evidence and returns
:class:`Chain` records.

What a chain is (the rules the Cypher enforces, and the tests check against an
independent networkx answer):

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
from typing import TYPE_CHECKING, Any

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.grading import Grading
from statecrime.graph.network import to_networkx
from statecrime.graph.store import Store
from statecrime.queries.bounded import pick, variants
from statecrime.queries.evidence import Hop, Route, attach
from statecrime.queries.files import query

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Chain", "ChainFilterError", "Hop", "find_chains"]

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
"""From one entity, found through the unique id index (``$state``)."""

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
    text = pick(TEXTS if state is not None else EVERY_STATE_TEXTS, max_hops)
    params = check_filters(min_grading, as_of, target_country, crime)
    start = {"state": state} if state is not None else {}
    rows = store.read(text, **start, maxHops=max_hops, limit=NO_LIMIT, **chain_params(), **params)
    chains: dict[str, Chain] = {}
    for row in rows:
        chain = _chain(row)
        chains.setdefault(chain.key, chain)
    ordered = sorted(chains.values(), key=Chain.sort_key)
    if limit is not None:
        ordered = ordered[:limit]
    attach_evidence(store, ordered)
    return ordered


def _chain(row: dict[str, Any]) -> Chain:
    nodes = [
        {
            "id": node["id"],
            "kind": node["kind"],
            "name": node["name"],
            "country": node.get("country"),
            "crimeTypes": list(node.get("crimeTypes") or []),
        }
        for node in row["nodes"]
    ]
    return Chain(nodes=nodes, hops=[Hop.from_row(hop) for hop in row["hops"]])


def attach_evidence(store: Store, chains: list[Chain]) -> None:
    """Replace each hop's source ids by the Source records, fetched in one query."""
    attach(store, [hop for chain in chains for hop in chain.hops])


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
