"""The stored index entity resolution looks candidates up in, so a load reads what its
own records could match, not every name in the store.

Resolution (:mod:`statecrime.loaders.resolve`) matches on identifier keys
(``mitre-attack:G0032``) and normalised names and aliases. Those live in list
properties (``identifiers``, ``aliases``) that neither engine indexes for
membership, so before this index each load read the matching fields of every
stored entity: a cost that grew with the store, not with the load.

The index is one small node per (key, entity): ``(:MatchKey {key, entity})``,
with an index on ``key`` (lookups) and on ``entity`` (rewriting an entity's
keys). The nodes carry no relationships and not the ``Entity`` label, so no
query, view, count or export of entities and links sees them. A key is:

- ``scheme:value`` for each identifier whose value is not the entity's own id
  (a node's own id is found by the id index instead: the STIX id of an imported
  object is its id);
- ``name:<key>`` and ``alias:<key>`` for the primary name and each alias,
  normalised as resolution normalises them, for the kinds that may merge on a
  name (:data:`statecrime.graph.domain.NAME_MATCH_KINDS`).

Every load keeps the index in step inside its own write transaction (keys of
the entities it writes are replaced, those of the entities it retires
removed), so the index is exactly as committed as the entities. A store that
has entities but no index yet (made before this index existed, or by
``neo4j-admin import``) gets it built whole by its next load, in that load's
transaction; until then resolution reads every stored entity, as before. A
``(:MatchIndex {version})`` node says the index is complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from neo4j import Transaction
from rigour.names import normalize_name

from statecrime.graph import domain
from statecrime.graph.bulk_staged import register_bulk_create
from statecrime.graph.cypher import declare
from statecrime.graph.model import Entity
from statecrime.graph.properties import entity_from_properties, entity_properties
from statecrime.graph.store import Store, chunked

INDEX_VERSION = 1
"""Bumped when :func:`match_keys` changes: a store with an older index rebuilds it."""
BATCH = 5000

INDEX_KEY = declare(
    "schema.index_match_key",
    "CREATE INDEX match_key_key IF NOT EXISTS FOR (m:MatchKey) ON (m.key)",
)
INDEX_ENTITY = declare(
    "schema.index_match_key_entity",
    "CREATE INDEX match_key_entity IF NOT EXISTS FOR (m:MatchKey) ON (m.entity)",
)
READY = declare(
    "match_index.ready",
    "MATCH (m:MatchIndex) RETURN m.version AS version",
)
LOOKUP = declare(
    "match_index.lookup",
    """
    UNWIND $keys AS key
    MATCH (m:MatchKey {key: key})
    RETURN DISTINCT m.entity AS id
    """,
    keys=["name:lazarus group"],
)
CANDIDATES_BY_ID = declare(
    "match_index.candidates_by_id",
    """
    UNWIND $ids AS id
    MATCH (n:Entity {id: id})
    WHERE n.kind <> 'Source'
    RETURN n {.id, .kind, .name, .aliases, .country, .identifiers} AS props
    """,
    ids=["lazarus-group"],
)
ALL_CANDIDATES = declare(
    "match_index.all_candidates",
    """
    MATCH (n:Entity) WHERE n.kind <> 'Source'
    RETURN n {.id, .kind, .name, .aliases, .country, .identifiers} AS props
    """,
)
REMOVE_KEYS = declare(
    "match_index.remove_keys",
    """
    UNWIND $ids AS id
    MATCH (m:MatchKey {entity: id})
    DELETE m
    """,
    ids=["x"],
)
ADD_KEYS = declare(
    "match_index.add_keys",
    """
    UNWIND $rows AS row
    CREATE (:MatchKey {key: row.key, entity: row.entity})
    """,
    rows=[{"key": "name:x", "entity": "x"}],
)
register_bulk_create(ADD_KEYS, "MatchKey", ("key", "entity"))
ENTITY_COUNT = declare(
    "match_index.entity_count",
    "MATCH (n:Entity) RETURN count(n) AS entities",
)
"""How many entities are stored (in the load's transaction, its own writes included)."""
CLEAR = declare(
    "match_index.clear",
    "MATCH (m:MatchKey) DELETE m",
)
MARK_READY = declare(
    "match_index.mark_ready",
    """
    MERGE (m:MatchIndex {name: 'resolution'})
    SET m.version = $version
    """,
    version=INDEX_VERSION,
)


@lru_cache(maxsize=65536)
def name_key(text: str) -> str | None:
    """A name as resolution compares names: rigour's normalisation (case, punctuation).

    Cached: a load normalises each name several times (the record, its stored
    version, the index keys of both)."""
    return normalize_name(text)


def match_keys(entity: Entity) -> set[str]:
    """The index keys of an entity (none for a Source: sources are never resolved)."""
    if entity.kind == domain.SOURCE_KIND:
        return set()
    keys = {
        f"{scheme}:{value}"
        for scheme, values in entity.identifiers.items()
        for value in values
        if value != entity.id
    }
    if entity.kind in domain.NAME_MATCH_KINDS:
        name = name_key(entity.name)
        if name:
            keys.add(f"name:{name}")
        for alias in entity.aliases:
            key = name_key(alias)
            if key:
                keys.add(f"alias:{key}")
    return keys


def lookup_keys(entity: Entity) -> tuple[set[str], set[str]]:
    """What to look an entity's matches up by: (index keys, ids).

    An identifier matches a stored entity holding it (the index) or one whose id
    it is (the id index); a name or alias matches a stored name or alias.
    """
    keys: set[str] = set()
    ids = {entity.id}
    for scheme, values in entity.identifiers.items():
        for value in values:
            keys.add(f"{scheme}:{value}")
            ids.add(value)
    keys.add(f"statecrime:{entity.id}")
    if entity.kind in domain.NAME_MATCH_KINDS:
        for text in (entity.name, *entity.aliases):
            key = name_key(text)
            if key:
                keys |= {f"name:{key}", f"alias:{key}"}
    return keys, ids


def ensure_index(store: Store) -> None:
    """Create the index's two indexes if missing (each in a transaction of its own)."""
    with store.session() as session:
        for statement in (INDEX_KEY, INDEX_ENTITY):
            session.execute_write(lambda tx, text=statement.text: tx.run(text).consume())


def is_ready(store: Store) -> bool:
    """Whether the store's index is complete (else resolution reads every entity)."""
    rows = store.read(READY)
    return bool(rows) and rows[0]["version"] == INDEX_VERSION


MATCHING_FIELDS = ("id", "kind", "name", "aliases", "country", "identifiers")
"""The properties :data:`CANDIDATES_BY_ID` returns."""


def matching_part(entity: Entity) -> Entity:
    """What :data:`CANDIDATES_BY_ID` returns of a stored entity, from the whole record."""
    props = entity_properties(entity)
    return _entity({name: props[name] for name in MATCHING_FIELDS if name in props})


def candidates(
    store: Store,
    entities: Iterable[Entity],
    also_ids: Iterable[str] = (),
    known: Mapping[str, Entity] | None = None,
) -> list[Entity]:
    """The stored entities that could match ``entities``, and those that could match
    them in turn, until none is new: what the whole-store read would have found for
    any cluster that holds one of ``entities``. Matching fields only (see
    :data:`CANDIDATES_BY_ID`). ``also_ids`` are fetched too (ids a judgement names).
    ``known``: stored entities read whole before (the load's kind checks); those
    found among them are not read again (a reload names every stored entity).
    """
    found: dict[str, Entity] = {}
    keys: set[str] = set()
    ids: set[str] = set(also_ids)
    for entity in entities:
        more_keys, more_ids = lookup_keys(entity)
        keys |= more_keys
        ids |= more_ids
    asked_keys: set[str] = set()
    asked_ids: set[str] = set()
    while keys - asked_keys or ids - asked_ids:
        new_keys, keys = sorted(keys - asked_keys), set()
        asked_keys.update(new_keys)
        for chunk in chunked(new_keys, BATCH):
            rows = store.read(LOOKUP, keys=chunk)
            ids.update(str(row["id"]) for row in rows)
        new_ids = sorted(ids - asked_ids - set(found))
        asked_ids.update(ids)
        ids = set()
        read: dict[str, Entity] = {}
        unread = [i for i in new_ids if known is None or i not in known]
        for chunk in chunked(unread, BATCH):
            for row in store.read(CANDIDATES_BY_ID, ids=chunk):
                entity = _entity(row["props"])
                read[entity.id] = entity
        for entity_id in new_ids:  # in the order the reads alone gave them
            held = known.get(entity_id) if known is not None else None
            if held is not None:
                entity = matching_part(held) if held.kind != domain.SOURCE_KIND else None
            else:
                entity = read.get(entity_id)
            if entity is None:
                continue
            found[entity.id] = entity
            more_keys, more_ids = lookup_keys(entity)
            keys |= more_keys
            ids |= more_ids
    return list(found.values())


def all_candidates(store: Store) -> list[Entity]:
    """Every stored entity but the Sources, matching fields only (no index yet)."""
    return [_entity(row["props"]) for row in store.read(ALL_CANDIDATES)]


def _entity(props: Mapping[str, Any]) -> Entity:
    return entity_from_properties({k: v for k, v in props.items() if v is not None})


def _others_stored(tx: Transaction, written_ids: set[str]) -> bool:
    """Whether the store holds entities besides those the load wrote.

    Every written entity is stored by now, so if the store holds no more entities
    than were written, it holds only them: the first load into an empty store then
    reads back none of the million entities it has just written.
    """
    row = tx.run(ENTITY_COUNT.text).single()
    return row is None or int(row["entities"]) > len(written_ids)


def write_keys(
    tx: Transaction,
    stored: Mapping[str, Entity],
    written: Sequence[Entity],
    retired: Sequence[str] = (),
) -> None:
    """Keep the index in step with a load, inside the load's transaction.

    ``stored`` holds the stored versions of the load's entities (read in this
    transaction), ``written`` what the load writes, ``retired`` the ids it
    removed. An entity whose keys did not change is left alone. A store without
    a complete index gets every stored entity's keys first.
    """
    ready = tx.run(READY.text).single()
    complete = ready is not None and ready["version"] == INDEX_VERSION
    remove: list[str] = list(retired)
    add: list[dict[str, str]] = []
    written_ids = {e.id for e in written}
    if not complete:
        tx.run(CLEAR.text).consume()
    if not complete and _others_stored(tx, written_ids):
        for row in tx.run(ALL_CANDIDATES.text):
            entity = _entity(row["props"])
            if entity.id not in written_ids:
                add.extend({"key": k, "entity": entity.id} for k in sorted(match_keys(entity)))
    for entity in written:
        keys = match_keys(entity)
        before = stored.get(entity.id)
        if complete and before is not None:
            if match_keys(before) == keys:
                continue
            remove.append(entity.id)
        add.extend({"key": k, "entity": entity.id} for k in sorted(keys))
    for chunk in chunked(remove, BATCH):
        tx.run(REMOVE_KEYS.text, ids=chunk).consume()
    for chunk in chunked(add, BATCH):
        tx.run(ADD_KEYS.text, rows=chunk).consume()
    if not complete:
        tx.run(MARK_READY.text, version=INDEX_VERSION).consume()
