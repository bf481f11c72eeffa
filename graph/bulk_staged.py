"""Large loads on the native embedded store, written through the engine's bulk writer into a
staging database and published in one step (:mod:`statecrime.graph.staging`).

Why: inside one transaction the record API tops out near 8,600 links per CPU
second (the engine's ``newEdge`` call per link). The engine's ``GraphBatch``
takes a chunk of rows per call into the engine (vertices as JSON rows, edges as
JSON rows of two RIDs and the properties) and writes them several times
quicker, but it commits on its own, chunk by chunk: so it writes into a copy of
the served database, which nobody reads, and the copy replaces the served
database only when every record is in it.

What is written is decided exactly as on the other paths: the caller
(:meth:`statecrime.graph.bulk.EmbeddedBulk.merge_write`) has read the stored
records, run the merge (``changes``) and knows which entities and links are new.
This module only moves those rows into the engine:

- new entities: ``GraphBatch.create_vertices`` into the type Cypher's
  ``CREATE (n:Entity:Kind)`` writes to, with :func:`entity_properties`;
- new links: ``GraphBatch.new_edges`` between the vertices' RIDs, with
  :func:`link_properties`;
- updates of stored entities and ``MERGE`` of stored links: the Bolt path's very
  Cypher texts, run in the staging database;
- the write hook (entity resolution's match index) through
  :class:`StagedTransaction`: each text runs in the staging database, and a
  text registered with :func:`register_bulk_create` (the index's ``CREATE`` of
  key nodes) goes through ``create_vertices`` instead, with the same
  properties.

Only the native build (``arcadedb``) takes this path: it is where the bulk
calls cross into the engine once per chunk. The JVM build keeps the
one-transaction path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from statecrime import interrupts
from statecrime.graph import domain, staging
from statecrime.graph.ahead import made_ahead
from statecrime.graph.bulk import (
    PROBE_ID,
    PROBE_RELATIONS,
    _InProcessResult,
    json_rows,
    made_vertex_type,
)
from statecrime.graph.bulk_phases import phase
from statecrime.graph.cypher import CypherText, declare
from statecrime.graph.embedded_access import DATABASE_NAME
from statecrime.graph.model import Entity, Link
from statecrime.graph.properties import entity_properties, link_properties
from statecrime.graph.store import chunked

if TYPE_CHECKING:
    from statecrime.graph.embedded import EmbeddedServer
    from statecrime.graph.store import AfterWrite

VERTEX_CHUNK = 1000
"""Rows per ``create_vertices`` call into the engine (each its own transaction there).

Measured on 100,000 entities into a copy of an empty store (CPU s, busy machine): 10,000
rows a call 10.6 s, 2,000 8.4 s, 1,000 6.8 s, 500 7.4 s, 250 5.3 s; the package's own
default is 1,000. The unique id index is most of it: without the indexes 1.6 s."""
EDGE_CHUNK = 10_000
"""Edges per ``new_edges`` call."""
EDGES_PER_BATCH = 3_000_000
"""Edges per ``GraphBatch`` (see :func:`_write_edges`).

Measured at 1M entities + 2,899,997 links (the whole load, the same code): one batch for
all of them, 131 s and 120 CPU s in the phase (22,116 links/s), peak RSS 7.8 GB; batches of
500,000, 185 s and 193 CPU s (15,697 links/s), peak 5.6 GB. Each batch's ``close()``
connects what it holds, and six of them cost more than one: so one batch up to 3M edges,
whose memory was measured, and bounded batches beyond it."""
EDGES_ENV = "STATECRIME_EDGES_PER_BATCH"
UPDATE_CHUNK = 5000
"""Rows per Cypher update statement in the staging database, as over Bolt."""
STAGE_THRESHOLD = 20_000
"""Records to write (entities and links) from which a load is staged rather than written in
one transaction: below it the copy and the restart of the server (about a second) cost more
than they save."""
STAGE_BYTES_PER_RECORD = 50_000
"""A load is staged only if the stored database is smaller than this many bytes per record
it writes. Copying runs at a few hundred MB/s here, and one record written through the
record API inside one transaction costs about 0.2 ms: 50 KB copied costs about as much."""

THRESHOLD_ENV = "STATECRIME_STAGE_THRESHOLD"
"""Overrides :data:`STAGE_THRESHOLD` (the tests stage small loads with 0)."""


def _threshold() -> int:
    try:
        return int(os.environ.get(THRESHOLD_ENV, STAGE_THRESHOLD))
    except ValueError:
        return STAGE_THRESHOLD


RIDS_OF = declare(
    "bulk_staged.rids_of",
    f"""
    UNWIND $ids AS id
    MATCH (n:{domain.ENTITY_LABEL} {{id: id}})
    RETURN n.id AS id, elementId(n) AS rid
    """,
    ids=["ru"],
)
"""The RIDs of stored entities a new link joins (by the id index)."""

_BULK_CREATES: dict[str, tuple[str, tuple[str, ...]]] = {}


def register_bulk_create(text: CypherText, vertex_type: str, fields: Sequence[str]) -> None:
    """Declare that ``text`` (``UNWIND $rows AS row CREATE (:Type {f: row.f, ...})``) may be
    written in a staging database as ``create_vertices(vertex_type, rows)``: the same
    vertices with the same properties, a chunk per call into the engine."""
    _BULK_CREATES[text.text] = (vertex_type, tuple(fields))


def native_op(graph_batch: Any, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One call of the native ``GraphBatch`` operation ``name``, its arguments as JSON text.

    The package's own ``create_vertices``/``new_edges`` encode the arguments with a
    walk of every value in Python (3.3 s for 290,000 link rows, against 0.08 s
    for ``orjson``); our rows are plain JSON (strings, booleans, lists of
    strings, maps with string keys), which both encoders write alike.
    """
    return native_text_op(graph_batch, name, orjson.dumps(payload))


def native_text_op(graph_batch: Any, name: str, payload: bytes) -> dict[str, Any]:
    """:func:`native_op` with its arguments already encoded (``orjson.dumps``)."""
    from arcadedb._native import lib
    from arcadedb._native.database import _call

    return _call(
        f"Failed to run GraphBatch {name}", "arcadedb_n_gb", graph_batch._gb, lib.b(name), payload
    )


class StagedTransaction:
    """What a write hook calls on a driver transaction (``run``), in the staging database.

    Each text runs as a statement of its own (nothing is visible before the
    publication anyway); a registered bulk text goes through ``create_vertices``.
    """

    def __init__(self, database: Any) -> None:
        self._database = database

    def run(self, text: str, parameters: dict[str, Any] | None = None, **params: Any) -> Any:
        merged = {**(parameters or {}), **params}
        bulk = _BULK_CREATES.get(text)
        if bulk is not None:
            vertex_type, fields = bulk
            rows = [{f: row[f] for f in fields} for row in merged.get("rows", [])]
            if rows:
                gb = self._database.graph_batch(commit_every=VERTEX_CHUNK)
                try:
                    for chunk in chunked(rows, VERTEX_CHUNK):
                        native_op(gb, "create_vertices", {"type": vertex_type, "rows": list(chunk)})
                finally:
                    gb.close()
            return _InProcessResult([])
        with _one_transaction(self._database) as db:
            found = db.command("opencypher", text, merged).to_list()
        return _InProcessResult(found)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class StagedWriter:
    """Writes a load into a staging copy of the served database and publishes it."""

    def __init__(self, server: EmbeddedServer, on_restart: Callable[[], None]) -> None:
        self._server = server
        self._on_restart = on_restart
        self.threshold = _threshold()

    def wanted(self, records: int, retire: Sequence[str]) -> bool:
        """Whether a load writing ``records`` entities and links is staged (see the constants)."""
        if records < self.threshold or retire:
            return False
        served = self._server.folder / DATABASE_NAME
        return folder_bytes(served) <= records * STAGE_BYTES_PER_RECORD

    def write(
        self,
        entities: Sequence[Entity],
        links: Sequence[Link],
        stored: dict[str, Entity],
        stored_keys: set[tuple[str, str, str]],
        after: AfterWrite | None,
    ) -> None:
        """Write the merged ``entities`` and ``links`` (``stored``: the stored versions read
        before) into a staging copy, run ``after`` there, and publish it."""
        import arcadedb

        folder = self._server.folder
        try:
            with self._server.stopped():
                target = folder / staging.STAGING_NAME
                try:
                    with phase("stage a copy of the store") as held:
                        staging.discard(folder)
                        shutil.copytree(folder / DATABASE_NAME, target)
                        held["count"] = folder_bytes(target)
                    database = arcadedb.open_database(str(target))
                    try:
                        self._write(database, entities, links, stored, stored_keys)
                        if after is not None:
                            with phase("after the writes"):
                                after(StagedTransaction(database), stored, entities)  # type: ignore[arg-type]
                    finally:
                        with phase("close the staging database"):
                            database.close()
                    with phase("sync the staging database"):
                        staging.sync_tree(target)
                    with interrupts.deferred(finish=True), phase("publish"):
                        staging.publish(folder)
                        if entities or links:
                            interrupts.committed(
                                f"{len(entities)} entities and {len(links)} links were committed"
                            )
                except BaseException:
                    staging.discard(folder)
                    raise
        finally:
            self._on_restart()
        staging.remove_replaced(folder)

    def _write(
        self,
        db: Any,
        entities: Sequence[Entity],
        links: Sequence[Link],
        stored: dict[str, Entity],
        stored_keys: set[tuple[str, str, str]],
    ) -> None:
        from statecrime.graph import store as bolt

        types = _Types(db)
        rids: dict[str, str] = {}
        updates: list[dict[str, Any]] = []
        new: dict[str, list[Entity]] = {}
        with phase("write entities", len(entities)):
            for entity in entities:
                if entity.id in stored:
                    updates.append({"id": entity.id, "props": entity_properties(entity)})
                else:
                    new.setdefault(types.vertex(entity.kind), []).append(entity)
            chunks = [
                (vertex_type, chunk)
                for vertex_type, group in new.items()
                for chunk in chunked(group, VERTEX_CHUNK)
            ]
            gb = db.graph_batch(commit_every=VERTEX_CHUNK)
            try:
                # each chunk's rows are made and encoded in a thread while the engine writes the
                # one before (its calls release the GIL): see statecrime.graph.ahead
                for ids, payload in made_ahead(chunks, _vertex_payload):
                    made = native_text_op(gb, "create_vertices", payload)["rids"]
                    for entity_id, rid in zip(ids, made, strict=True):
                        rids[entity_id] = rid
            finally:
                gb.close()
            del new, chunks
            _in_transaction(db, bolt.UPDATE_ENTITIES.text, "rows", updates)
        with phase("write links", len(links)) as held:
            merges: dict[str, list[dict[str, Any]]] = {}
            by_type: dict[str, list[Link]] = {}
            for link in links:
                if link.key in stored_keys:
                    merges.setdefault(link.type, []).append(
                        {
                            "source": link.source,
                            "target": link.target,
                            "props": link_properties(link),
                        }
                    )
                else:
                    by_type.setdefault(types.edge(link.type), []).append(link)
            missing = sorted(
                {
                    end
                    for group in by_type.values()
                    for link in group
                    for end in (link.source, link.target)
                }
                - rids.keys()
            )
            for chunk in chunked(missing, 1000):
                for row in json_rows(db.query("opencypher", RIDS_OF.text, {"ids": list(chunk)})):
                    rids[str(row["id"])] = str(row["rid"])
            held["batches"] = _write_edges(db, by_type, rids)
            for relation, rows in merges.items():
                _in_transaction(db, bolt.MERGE_LINKS[relation].text, "rows", rows)


def _vertex_payload(item: tuple[str, Sequence[Entity]]) -> tuple[list[str], bytes]:
    """The ids of one chunk of new entities and its ``create_vertices`` arguments as JSON."""
    vertex_type, chunk = item
    rows = [entity_properties(entity) for entity in chunk]
    return [entity.id for entity in chunk], orjson.dumps({"type": vertex_type, "rows": rows})


def edges_per_batch() -> int:
    """Edges written through one ``GraphBatch`` before it is closed and a new one opened
    (:data:`EDGES_PER_BATCH`, or ``STATECRIME_EDGES_PER_BATCH``)."""
    try:
        return max(1, int(os.environ.get(EDGES_ENV, EDGES_PER_BATCH)))
    except ValueError:
        return EDGES_PER_BATCH


def _write_edges(db: Any, by_type: dict[str, list[Link]], rids: dict[str, str]) -> int:
    """The new links as edges, through one ``GraphBatch`` per :func:`edges_per_batch` edges;
    how many batches.

    A batch holds the edges it was given until it is closed (it connects the
    incoming ends then), in the engine's heap: the bound keeps a load of any size
    within the memory measured for 2.9M edges (see :data:`EDGES_PER_BATCH`).
    """
    per_batch = edges_per_batch()
    total = sum(len(group) for group in by_type.values())
    chunks = [
        (edge_type, chunk)
        for edge_type, group in by_type.items()
        for chunk in chunked(group, EDGE_CHUNK)
    ]

    def payload(item: tuple[str, Sequence[Link]]) -> tuple[int, bytes]:
        # a chunk's properties are made as it is sent: never all of them at once
        edge_type, chunk = item
        body = {
            "src": [rids[link.source] for link in chunk],
            "type": edge_type,
            "dst": [rids[link.target] for link in chunk],
            "props": [link_properties(link) for link in chunk],
        }
        return len(chunk), orjson.dumps(body)

    gb = None
    held = written = batches = 0
    try:
        for count, body in made_ahead(chunks, payload):
            if gb is None:
                gb = db.graph_batch(expected_edge_count=min(per_batch, total - written))
                batches += 1
            native_text_op(gb, "new_edges", body)
            held += count
            written += count
            if held >= per_batch:
                gb.close()
                gb, held = None, 0
    finally:
        if gb is not None:
            gb.close()
    return batches


def _in_transaction(db: Any, text: str, name: str, rows: Sequence[Any]) -> None:
    """``text`` over ``rows`` in chunks, in one transaction of the staging database."""
    if not rows:
        return
    with _one_transaction(db):
        for chunk in chunked(rows, UPDATE_CHUNK):
            db.command("opencypher", text, {name: list(chunk)})


@contextmanager
def _one_transaction(db: Any) -> Iterator[Any]:
    """``db`` inside one transaction of its own: committed when the block ends, rolled back
    when it raises (an interruption included)."""
    db.begin()
    try:
        yield db
        db.commit()
    except BaseException:
        with suppress(Exception):
            if db.is_transaction_active():
                db.rollback()
        raise


class _Types:
    """The vertex and edge types of the staging database, made as a load over Bolt makes them."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self._names: set[str] | None = None
        self._vertices: dict[str, str] = {}

    def _known(self) -> set[str]:
        if self._names is None:
            self._names = {
                str(row.get("name"))
                for row in self._db.query("sql", "SELECT name FROM schema:types")
            }
        return self._names

    def _probe(self, text: str) -> None:
        self._db.begin()
        try:
            self._db.command("opencypher", text, {"a": PROBE_ID, "b": PROBE_ID + "-2"})
        finally:
            self._db.rollback()
        self._names = None

    def vertex(self, kind: str) -> str:
        held = self._vertices.get(kind)
        if held is None:
            held = self._vertices[kind] = self._vertex(kind)
        return held

    def _vertex(self, kind: str) -> str:
        return made_vertex_type(kind, self._known, self._probe, "the staging database")

    def edge(self, relation: str) -> str:
        if relation not in domain.RELATIONS:
            raise ValueError(f"unknown relation type {relation!r}")
        if relation not in self._known():
            self._probe(PROBE_RELATIONS[relation].text)
        return relation
