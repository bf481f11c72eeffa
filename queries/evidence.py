"""Evidence for links: the Source records their ``sources`` property names.

Links store only Source ids; every query that reports links with evidence
resolves them here, in one round trip for all the links of an answer, rather
than joining Source nodes inside each path query (which would multiply the
rows those queries enumerate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from statecrime.graph.grading import Grading, worst
from statecrime.graph.store import Store
from statecrime.queries.files import query

_LETTERS, _DIGITS = frozenset("ABCDEF"), frozenset("123456")
"""The letters and digits of a grading as stored, each worse than the one before."""

SOURCE_FIELDS = ("id", "publisher", "title", "date", "url")
"""What a hop's evidence shows of each source, in this order (JSON and tables)."""


def fetch_sources(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The Source records among ``ids``, by id (ids with no Source are left out)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {row["id"]: row for row in store.read(query("sources"), ids=wanted)}


def evidence(ids: Iterable[str] | None, found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A link's evidence: one record per source id, in the link's order.

    A source id with no Source record (a load that named a source it did not
    define) is still listed, with its id only, so a citation is never dropped.
    """
    records = []
    for source_id in ids or []:
        record = found.get(source_id, {"id": source_id})
        records.append({field: record.get(field) for field in SOURCE_FIELDS})
    return records


@dataclass
class Hop:
    """One link on a path, as stored (``source`` -``type``-> ``target``), with its evidence.

    ``direction`` says how the path crosses it: ``forward`` when the path goes
    from ``source`` to ``target``, ``backward`` when it goes from ``target`` to
    ``source`` (Russia to the FSB across "FSB PART_OF Russia").
    ``sources`` holds one record per source (see :data:`SOURCE_FIELDS`) once
    :func:`attach` has run, and ``{"id": ...}`` stubs before.
    """

    source: str
    target: str
    type: str
    direction: str
    grading: str
    since: str | None = None
    until: str | None = None
    note: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The hop as JSON documents show it: :func:`dataclasses.asdict`'s dict, built directly
        (``asdict`` deep-copies field by field: three quarters of printing 11,430 chains)."""
        return {
            "source": self.source,
            "target": self.target,
            "type": self.type,
            "direction": self.direction,
            "grading": self.grading,
            "since": self.since,
            "until": self.until,
            "note": self.note,
            "sources": [dict(s) for s in self.sources],
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Hop:
        """A hop from the map the ``.cypher`` files return for a link."""
        return cls(
            source=row["source"],
            target=row["target"],
            type=row["type"],
            direction=row.get("direction") or "forward",
            grading=row["grading"],
            since=row.get("since"),
            until=row.get("until"),
            note=row.get("note"),
            sources=[{"id": s} for s in row.get("sources") or []],
        )


def attach(store: Store, hops: Sequence[Hop]) -> None:
    """Replace the hops' source stubs by the Source records, fetched in one query."""
    found = fetch_sources(store, {s["id"] for hop in hops for s in hop.sources})
    shaped: dict[str, dict[str, Any]] = {}  # each source's record made once, copied per hop
    for hop in hops:
        records = []
        for stub in hop.sources:
            record = shaped.get(stub["id"])
            if record is None:
                record = shaped[stub["id"]] = evidence([stub["id"]], found)[0]
            records.append(dict(record))
        hop.sources = records


@dataclass
class Route:
    """Entities in order and the hops between them: what chains and paths both are.

    Its grading is the worst letter and the worst digit of its hops; its key (ids
    and relation types in order) tells two routes apart, parallel links included.
    """

    nodes: list[dict[str, Any]]
    hops: list[Hop]

    @property
    def ids(self) -> list[str]:
        """The entity ids in order."""
        return [node["id"] for node in self.nodes]

    @property
    def grading(self) -> str:
        letters, digits = {h.grading[:1] for h in self.hops}, {h.grading[1:] for h in self.hops}
        if self.hops and letters <= _LETTERS and digits <= _DIGITS:  # as stored: worst is max
            return max(letters) + max(digits)
        return str(worst(Grading.parse(hop.grading) for hop in self.hops))

    @property
    def key(self) -> str:
        parts = [self.ids[0]]
        for hop, node in zip(self.hops, self.ids[1:], strict=True):
            parts += [hop.type, node]
        return " ".join(parts)

    def as_dict(self, shared: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The route as JSON documents show it (see queries/README.md).

        With ``shared``, the entities' and hops' dicts are made once for all the routes
        given the same mapping (by the identity of the entity dict or hop, which chains
        share): a document of many chains then holds each once, as it prints the same.
        """
        if shared is None:
            shared = {}
        nodes = []
        for node in self.nodes:
            found = shared.get(id(node))
            if found is None:
                found = shared[id(node)] = dict(node)
            nodes.append(found)
        hops = []
        for hop in self.hops:
            found = shared.get(id(hop))
            if found is None:
                found = shared[id(hop)] = hop.as_dict()
            hops.append(found)
        return {"grading": self.grading, "length": len(self.hops), "nodes": nodes, "hops": hops}
