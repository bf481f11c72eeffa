"""Large loads on the embedded store, written in-process in one transaction.

Why this module exists: over Bolt, every new link costs the embedded engine a
Cypher ``UNWIND ... MATCH ... MATCH ... CREATE ... SET`` row (two index
lookups, the statement machinery, the Bolt encoding both ways). Measured side
by side on 20,000 entities and 60,000 links in one transaction (CPU seconds of
the whole process, the machine busy): in-process Cypher 21.2 s, the record API
used here 12.3 s, the engine's ``GraphBatch`` 8.6 s. ``GraphBatch`` commits on
its own every few thousand records, so a load through it would not be all or
nothing; the record API runs inside one transaction of ours.

What a load writes here is what :meth:`statecrime.graph.store.Store.merge_write`
writes over Bolt, record for record:

- the same reads of the stored records, with the same Cypher texts, inside the
  same transaction that writes, so the merge rule sees what is committed;
- new entities as vertices of the type the Cypher ``CREATE (n:Entity:Kind)``
  makes (ArcadeDB names it ``Entity~Kind``, with both labels as supertypes),
  with the same properties; new links as edges of the relation's type;
- updates of stored entities, ``MERGE`` of stored links and the removals of
  entity resolution with the very Cypher texts the Bolt path runs;
- one commit at the end (a signal waits for it); any error or signal before
  it rolls the whole transaction back, and a killed process never committed.

Only what both ArcadeDB builds offer is used (``arcadedb-embedded`` on the JVM
and the native ``arcadedb``): ``begin``/``commit``/``rollback``, ``query`` and
``command`` with named parameters, ``new_vertex`` with ``set``/``save``,
``Vertex.new_edge``, ``lookup_by_key``.
"""

from __future__ import annotations

from collections.abc import (
    Callable,
    Collection,
    Container,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from statecrime import interrupts
from statecrime.graph import domain
from statecrime.graph.bulk_phases import phase
from statecrime.graph.cypher import declare
from statecrime.graph.model import Entity, Link
from statecrime.graph.properties import (
    entity_properties,
    link_properties,
)
from statecrime.graph.store import chunked, embedded_vertex_type
from statecrime.graph.stored import StoredEntities, StoredLinks

if TYPE_CHECKING:
    from statecrime.graph.store import AfterWrite, Changes

READ_BATCH = 10_000
"""Rows per batch moved from the engine (see :func:`json_rows`)."""
READ_CHUNK = 1000
"""Ids per read statement, as over Bolt."""
WRITE_CHUNK = 5000
"""Rows per update statement, as over Bolt."""
BULK_THRESHOLD = 2000
"""Ids and link keys from which a load is written here rather than over Bolt.

Below it the Bolt path is as quick (the engine's start and one round trip
dominate) and it is the path Neo4j takes too."""
SCAN_SHARE = 4
"""A load naming at least a quarter of the stored entities (or links) reads them all in one
scan rather than one index lookup each."""
PROBE_ID = "statecrime-type-probe"
"""The id of the records a type probe creates and rolls back: never committed."""


SCAN_ENTITIES = declare(
    "bulk.scan_entities",
    f"MATCH (n:{domain.ENTITY_LABEL}) RETURN properties(n) AS props",
)
"""Every stored entity, in no order: a reload compares with nearly all of them."""
SCAN_LINKS = declare(
    "bulk.scan_links",
    f"""
    MATCH (a:{domain.ENTITY_LABEL})-[r]->(b:{domain.ENTITY_LABEL})
    RETURN a.id AS source, type(r) AS type, b.id AS target, properties(r) AS props
    """,
)
PROBE_KINDS = {
    name: declare(
        f"bulk.probe_kind.{name}",
        f"CREATE (n:{domain.ENTITY_LABEL}:{kind.label} {{id: $a}})",
        a=PROBE_ID,
    )
    for name, kind in domain.ENTITY_KINDS.items()
}
"""Makes a kind's vertex type (in a transaction that is rolled back: see ``_probe``)."""
PROBE_RELATIONS = {
    name: declare(
        f"bulk.probe_relation.{name}",
        f"CREATE (a:{domain.ENTITY_LABEL} {{id: $a}})"
        f"-[:{name}]->(b:{domain.ENTITY_LABEL} {{id: $b}})",
        a=PROBE_ID,
        b=PROBE_ID + "-2",
    )
    for name in domain.RELATIONS
}
"""Makes a relation's edge type, the same way."""


def made_vertex_type(
    kind: str, known: Callable[[], Collection[str]], probe: Callable[[str], Any], where: str
) -> str:
    """The engine's vertex type for ``kind`` (:func:`embedded_vertex_type`), made by its
    probe if ``known()`` lacks it. ``where`` names the database in the error if the probe
    made none.
    """
    name = embedded_vertex_type(kind)
    if name not in known():
        probe(PROBE_KINDS[kind].text)
        if name not in known():
            raise RuntimeError(f"{where} made no type {name!r} for {kind}")
    return name


class _InProcessResult:
    """The rows of one in-process statement, read the way the hooks read a driver's result."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows)

    def single(self) -> dict[str, Any] | None:
        return self._rows[0] if self._rows else None

    def consume(self) -> None:
        return None


class InProcessTransaction:
    """What a write hook calls on a driver transaction (``run``), inside the bulk transaction.

    Why: the hooks of :meth:`Store.merge_write` are written against the driver's
    transaction; on the bulk path the same Cypher texts run in-process, in the
    transaction this module opened, so they commit with the load's records.
    """

    def __init__(self, database: Any) -> None:
        self._database = database

    def run(
        self, text: str, parameters: dict[str, Any] | None = None, **params: Any
    ) -> _InProcessResult:
        merged = {**(parameters or {}), **params}
        return _InProcessResult(self._database.command("opencypher", text, merged).to_list())


class EmbeddedBulk:
    """The in-process write path of one open embedded database (a ``Database`` of either build)."""

    def __init__(self, open_database: Callable[[], Any]) -> None:
        self._open_database = open_database
        self._vertex_types: dict[str, str] = {}
        self._edge_types: set[str] = set()
        self.threshold = BULK_THRESHOLD
        self.staged: Any = None
        """The staging writer (:class:`statecrime.graph.bulk_staged.StagedWriter`, native build):
        a load writing many records goes through it; ``None``: every load in one transaction."""

    @property
    def database(self) -> Any:
        """The database, asked for at each use: the server lifts a time limit reads left."""
        return self._open_database()

    # --- types ---------------------------------------------------------------------------

    def _type_names(self) -> set[str]:
        return {
            str(row.get("name"))
            for row in self.database.query("sql", "SELECT name FROM schema:types")
        }

    def _probe(self, text: str) -> None:
        """Let Cypher make the types ``text`` needs, and roll its records back.

        Schema changes are not transactional in ArcadeDB, so the types stay and
        the records go: the store holds the very types a load over Bolt makes,
        with none of the probe's records. Run inside the load's transaction it
        is a nested level of it, rolled back alone (the load's records stay).
        """
        self.database.begin()
        try:
            self.database.command("opencypher", text, {"a": PROBE_ID, "b": PROBE_ID + "-2"})
        finally:
            self.database.rollback()

    def vertex_type(self, kind: str) -> str:
        """The vertex type Cypher's ``CREATE (n:Entity:Kind)`` writes to, made if missing
        (:func:`made_vertex_type`)."""
        held = self._vertex_types.get(kind)
        if held is not None:
            return held
        name = made_vertex_type(kind, self._type_names, self._probe, "the embedded store")
        self._vertex_types[kind] = name
        return name

    def edge_type(self, relation: str) -> str:
        """The edge type of ``relation`` (a relation of the domain), made if missing."""
        if relation in self._edge_types:
            return relation
        if relation not in domain.RELATIONS:
            raise ValueError(f"unknown relation type {relation!r}")
        if relation not in self._type_names():
            self._probe(PROBE_RELATIONS[relation].text)
        self._edge_types.add(relation)
        return relation

    # --- the load ------------------------------------------------------------------------

    def merge_write(
        self,
        entity_ids: Iterable[str],
        link_keys: Iterable[tuple[str, str, str]],
        changes: Changes,
        retire: Sequence[str] = (),
        after: AfterWrite | None = None,
        known: Mapping[str, Entity] | None = None,
        given: Mapping[tuple[str, str, str], Link] | None = None,
    ) -> None:
        """:meth:`Store.merge_write` in-process: read, merge and write in one transaction.

        ``after`` (entity resolution's match index and a split's link removals)
        runs in the same transaction, after the writes, through
        :class:`InProcessTransaction`, so it commits with them or not at all.
        """
        from statecrime.graph import store as bolt

        keys = sorted(set(link_keys))
        ids = sorted(set(entity_ids))
        db = self.database
        db.begin()
        try:
            for chunk in chunked(list(retire), READ_CHUNK):
                db.command("opencypher", bolt.RETIRE_ENTITIES.text, {"ids": list(chunk)})
            with phase("read stored entities", len(ids)):
                # ``known``: read by the caller (the kind checks), see Store.merge_write; it
                # holds every stored one among ``ids`` (others it holds are never asked for)
                stored = self.stored_entities(ids) if known is None else known
            wanted = [(a, t, b) for a, t, b in keys if a in stored and b in stored]
            del keys
            with phase("read stored links", len(wanted)):
                stored_links = self._stored_links(wanted, given)
            del wanted
            with phase("merge"):
                entities, links = changes(stored, stored_links)
            if self.staged is not None and self.staged.wanted(len(entities) + len(links), retire):
                # the same rows, through the engine's bulk writer into a staging copy
                db.rollback()  # only read in: nothing to undo
                self.staged.write(entities, links, stored, stored_links, after)  # type: ignore[arg-type]
                return
            self._write(entities, links, stored, stored_links)
            if after is not None:
                with phase("after the writes"):
                    after(InProcessTransaction(db), stored, entities)  # type: ignore[arg-type]
            with interrupts.deferred(finish=True), phase("commit"):
                db.commit()
                if entities or links or retire:
                    interrupts.committed(
                        f"{len(entities)} entities and {len(links)} links were committed"
                    )
        except BaseException:
            with suppress(Exception):
                if db.is_transaction_active():
                    db.rollback()
            raise

    def stored_entities(self, ids: list[str]) -> StoredEntities:
        """:meth:`Store.stored_entities` in-process (and so :meth:`Store.fetch_entities`): the
        stored entities among ``ids``, compact, for the checks, resolution and the merge."""
        return StoredEntities().add_all(self._stored_entity_rows(ids))

    def fetch_links(self, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Link]:
        """:meth:`Store.fetch_links` in-process."""
        return dict(self._stored_links(keys))

    def _stored_entity_rows(self, ids: list[str]) -> Iterator[dict[str, Any]]:
        """The properties of the stored entities among ``ids``, read inside the open
        transaction (if one is), as they stream from the engine.

        Nothing is read from an empty store; when the load names a good part of
        what is stored (a reload), one scan of every entity is cheaper than an
        index lookup per id.
        """
        from statecrime.graph import store as bolt

        db = self.database
        held = db.count_type(domain.ENTITY_LABEL)
        if held == 0 or not ids:
            return
        if len(ids) * SCAN_SHARE >= held:
            wanted = set(ids)
            for row in json_rows(db.query("opencypher", SCAN_ENTITIES.text)):
                props = _plain(row.get("props"))
                if props.get("id") in wanted:
                    yield props
            return
        for chunk in chunked(ids, READ_CHUNK):
            query = db.query("opencypher", bolt.FETCH_ENTITIES.text, {"ids": list(chunk)})
            for row in json_rows(query):
                yield _plain(row.get("props"))

    def _stored_links(
        self,
        keys: list[tuple[str, str, str]],
        given: Mapping[tuple[str, str, str], Link] | None = None,
    ) -> StoredLinks:
        """The stored links among ``keys`` (both ends stored), read inside the open transaction.

        Compared as they stream from the engine (:class:`StoredLinks`): one that is
        exactly as ``given`` holds it is kept as the given object, not built again.
        """
        from statecrime.graph import store as bolt

        db = self.database
        found = StoredLinks(keys, given)
        if not keys:
            return found
        held = sum(db.count_type(t) for t in {t for _, t, _ in keys})
        if held == 0:
            return found

        def keep(row: dict[str, Any]) -> None:
            key = (str(row.get("source")), str(row.get("type")), str(row.get("target")))
            found.add(key, row.get("props") or {})

        if len(keys) * SCAN_SHARE >= held:
            for row in json_rows(db.query("opencypher", SCAN_LINKS.text)):
                keep(row)  # links not asked for are passed over
            return found
        rows = [{"source": a, "type": t, "target": b} for a, t, b in keys]
        for chunk in chunked(rows, READ_CHUNK):
            query = db.query("opencypher", bolt.FETCH_LINKS.text, {"keys": list(chunk)})
            for row in json_rows(query):
                keep(row)
        return found

    def _write(
        self,
        entities: Sequence[Entity],
        links: Sequence[Link],
        stored_ids: Container[str],
        stored_keys: Container[tuple[str, str, str]],
    ) -> None:
        from statecrime.graph import store as bolt

        db = self.database
        vertices: dict[str, Any] = {}
        updates: list[dict[str, Any]] = []
        with phase("write entities", len(entities)):
            for entity in entities:
                props = entity_properties(entity)
                if entity.id in stored_ids:
                    updates.append({"id": entity.id, "props": props})
                    continue
                vertex = db.new_vertex(self.vertex_type(entity.kind))
                for name, value in props.items():
                    vertex.set(name, value)
                vertex.save()
                vertices[entity.id] = vertex
            for chunk in chunked(updates, WRITE_CHUNK):
                db.command("opencypher", bolt.UPDATE_ENTITIES.text, {"rows": list(chunk)})
        merges: dict[str, list[dict[str, Any]]] = {}
        with phase("write links", len(links)):
            for link in links:
                props = link_properties(link)
                if link.key in stored_keys:
                    merges.setdefault(link.type, []).append(
                        {"source": link.source, "target": link.target, "props": props}
                    )
                    continue
                source = vertices.get(link.source) or self._stored_vertex(link.source, vertices)
                target = vertices.get(link.target) or self._stored_vertex(link.target, vertices)
                source.new_edge(self.edge_type(link.type), target, **props)
            for relation, rows in merges.items():
                for chunk in chunked(rows, WRITE_CHUNK):
                    db.command("opencypher", bolt.MERGE_LINKS[relation].text, {"rows": list(chunk)})

    def _stored_vertex(self, entity_id: str, cache: dict[str, Any]) -> Any:
        """The stored vertex of ``entity_id`` (by the id index), kept for the next link."""
        vertex = self.database.lookup_by_key(domain.ENTITY_LABEL, ["id"], [entity_id])
        if vertex is None:
            raise LookupError(f"no stored entity {entity_id!r} to link")
        cache[entity_id] = vertex
        return vertex


def json_rows(result: Any) -> Iterator[dict[str, Any]]:
    """The rows of an in-process result as dicts, as they stream from the engine.

    On ``arcadedb-embedded`` (the JVM) each batch crosses from the engine as one
    JSON text, property maps included. Measured in the 100k reload (CPU seconds,
    the machine busy): reading the 100,000 stored entities took 9.1 s so, 22.3 s
    with ``to_list`` (which hands each map over as an engine object) and far more
    asking each row for each column. Our properties are strings, booleans and
    lists of strings, which JSON carries exactly.

    The native build's rows arrive as Python values already, 2,048 a call, and
    its ``iter_json_batches`` reads the whole result into one list (twice over,
    converted) before the first batch: 2.9M stored links at once in a 1M reload.
    Its rows are read one by one instead, so only a call's worth is held.
    """
    if type(result).__module__.startswith("arcadedb._native"):
        for row in result:
            yield row.to_dict()
        return
    for batch in result.iter_json_batches(READ_BATCH):
        yield from batch


def _plain(value: Any) -> dict[str, Any]:
    """A property map as read in-process (both builds hand back Python dicts and lists)."""
    return dict(value) if value is not None else {}
