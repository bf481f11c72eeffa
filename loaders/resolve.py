"""Entity resolution: one actor, arriving under many names and ids, becomes one entity.

ATT&CK, the MISP galaxies, OpenSanctions and the curated dataset each name
Lazarus Group with an id of their own. A load resolves its batch against
itself and the store before comparing, in tiers, first match wins:

1. **identifier**: two records share an identifier (``identifiers`` of a scheme
   of :data:`statecrime.graph.domain.IDENTIFIER_SCHEMES`: STIX id, ATT&CK id, MISP
   uuid, Wikidata QID, OpenSanctions id, sanctions list ids, ISO code), or one
   record's id is an id a merge retired (``statecrime`` scheme);
2. **name**: their primary names are equal once normalised by
   ``rigour.names.normalize_name`` (OpenSanctions' name library: case-folded,
   tokenised, punctuation dropped: "Threat Group-3390" and "threat group 3390");
3. **alias**: one's primary name equals one of the other's aliases, so normalised,
   unless that alias belongs to several distinct actors (MISP lists APT38 among
   Lazarus Group's synonyms, the curated data as Bluenoroff's): then it is
   ambiguous and merges none of them.

The threshold is equality of normalised keys (similarity 1.0): two groups named
"APT 3" and "APT 33" are one edit apart and different actors, so no fuzzy
score is trusted to merge threat actors without an analyst. Name tiers apply
only to :data:`domain.NAME_MATCH_KINDS` (never two Persons on a name alone).

Every tier also requires: the kinds may merge (:data:`domain.MERGEABLE`), the
countries do not differ (an ATT&CK group has none, which is not a difference),
the two are not both curated records (an analyst's two ids are two entities
until a judgement says otherwise), and no judgement says they differ.

Which record survives: a curated one (an id no importer minted: not STIX
``type--uuid``, not ``misp-``/``ftm-``, not an id its own identifiers hold); else the one
already stored (of several, the smallest id); else the first read. Its name,
description and country stand; the others' names become aliases, their identifiers,
topics and sources are united, and each merged-away id is kept as a ``statecrime``
identifier, so ``show`` and ``explain-merge`` still find it. The kind is the
survivor's when it is curated or already stored (a stored node keeps its label),
else the first of :data:`domain.MERGE_PRECEDENCE`.

When the merged-away record is already stored, its node is removed and its
links re-pointed to the survivor in the same transaction as the rest of the
load: the one place a load removes a node, and it is recorded. A link a merge
brings onto a link already stored adds its sources only: the stored grading,
dates and note stand (MISP's C2 must not regrade a curated A1). Each merge
appends a record (JSON) to the survivor's ``merges``: the ids, the rule, the
records it came from, the load. A reload that changes nothing records nothing.

Judgements (``load --judgements FILE``, repeatable, or ``STATECRIME_JUDGEMENTS``)
are the analyst's word, as OpenSanctions' resolver keeps them, a YAML file::

    judgements:
      - ids: [bluenoroff, intrusion-set--...]
        judgement: different      # never merge these two; or "same": merge them
        by: A. Analyst
        note: ATT&CK's APT38 is not the curated Bluenoroff
        date: 2026-12-01

"different" undoes a wrong merge on the next load of the merged-away record:
it is created again as its own entity, and the survivor's merges gain a record
of the split (links re-pointed by the wrong merge stay with the survivor, for
the analyst to review with ``explain-merge``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml
from neo4j import Transaction

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.model import Entity, Link
from statecrime.graph.properties import link_from_properties
from statecrime.graph.store import Store
from statecrime.graph.stored import StoredEntities
from statecrime.loaders import match_index
from statecrime.loaders.ids import stable_id
from statecrime.loaders.merge import merge_records
from statecrime.loaders.problems import LoadError, Problem
from statecrime.loaders.validate import Batch

MERGED_SCHEME = "statecrime"
IMPORTED_ID = re.compile(r"^([a-z][a-z0-9-]*--[0-9a-fA-F-]{36}|misp-.+|ftm-.+)$")
"""Ids minted by importers (STIX ids, MISP and FtM ids of ours): never the curated id."""
RULE_IDENTIFIER, RULE_NAME, RULE_ALIAS, RULE_JUDGED = "identifier", "name", "alias", "judgement"

LINKS_OF = declare(
    "resolve.links_of",
    """
    UNWIND $ids AS id
    MATCH (a:Entity)-[r]->(b:Entity)
    WHERE a.id = id OR b.id = id
    RETURN DISTINCT a.id AS source, type(r) AS type, b.id AS target, properties(r) AS props
    """,
    ids=["ru"],
)


UNLINK = declare(
    "resolve.unlink",
    """
    UNWIND $keys AS key
    MATCH (a:Entity {id: key.source})-[r]->(b:Entity {id: key.target})
    WHERE type(r) = key.type
    DELETE r
    """,
    keys=[{"source": "a", "type": "USES", "target": "b"}],
)
"""A split's one removal of links: those a wrong merge re-pointed to the kept entity."""


def unlink(tx: Transaction, keys: Sequence[tuple[str, str, str]]) -> None:
    """Remove links a split took back from the kept entity, in the load's transaction."""
    rows = [{"source": s, "type": t, "target": o} for s, t, o in sorted(set(keys))]
    if rows:
        tx.run(UNLINK.text, keys=rows).consume()


@dataclass(frozen=True)
class Judgement:
    """An analyst's word on two or more ids: ``same`` (merge) or ``different`` (never)."""

    ids: tuple[str, ...]
    judgement: str
    by: str | None = None
    note: str | None = None
    date: str | None = None


@dataclass
class Judgements:
    """All judgements of a load, by unordered pair."""

    items: list[Judgement] = field(default_factory=list)

    def verdict(self, a: str, b: str) -> Judgement | None:
        for item in self.items:
            if a in item.ids and b in item.ids:
                return item
        return None


def read_judgements(paths: Sequence[Path]) -> Judgements:
    """The judgements of some YAML files, or a LoadError naming each bad entry."""
    found = Judgements()
    problems: list[Problem] = []
    for path in paths:
        try:
            document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            problems.append(Problem(str(path), "file", None, f"cannot read judgements: {exc}"))
            continue
        items = document.get("judgements") if isinstance(document, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(str(path), "file", "judgements", "expected a list"))
            continue
        for index, item in enumerate(items):
            where = f"judgements[{index}]"
            ids = item.get("ids") if isinstance(item, dict) else None
            verdict = item.get("judgement") if isinstance(item, dict) else None
            if not isinstance(ids, list) or len(ids) < 2:
                problems.append(Problem(str(path), where, "ids", "expected two or more ids"))
            elif verdict not in ("same", "different"):
                problems.append(
                    Problem(str(path), where, "judgement", "expected 'same' or 'different'")
                )
            else:
                found.items.append(
                    Judgement(
                        tuple(str(i) for i in ids),
                        str(verdict),
                        *(str(item[k]) if item.get(k) else None for k in ("by", "note", "date")),
                    )
                )
    if problems:
        raise LoadError(problems)
    return found


def is_curated(entity: Entity) -> bool:
    """Whether the id is an analyst's (curated), not one an importer minted."""
    if IMPORTED_ID.match(entity.id):
        return False
    return not any(entity.id in values for values in entity.identifiers.values())


def _name_key(text: str) -> str | None:
    return match_index.name_key(text)


@dataclass
class _Node:
    entity: Entity
    stored: bool
    where: str

    @property
    def id(self) -> str:
        return self.entity.id


@dataclass
class ResolvedBatch(Batch):
    """A batch after resolution: what a load writes, the stored ids it removes, the merges."""

    retired: list[str] = field(default_factory=list)
    merged: list[dict[str, Any]] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)
    """Ids written as given, not merged into the stored record: a split takes things off."""
    unlinked: list[tuple[str, str, str]] = field(default_factory=list)
    """Stored links a split removes from the kept entity (they go back to the other)."""


class _Resolver:
    def __init__(self, judgements: Judgements, load_id: str) -> None:
        self.judgements = judgements
        self.load_id = load_id
        self.nodes: dict[str, _Node] = {}
        self.parent: dict[str, str] = {}
        self.rule: dict[str, tuple[str, str]] = {}
        """For a merged-in id: (the rule, the key that matched)."""
        self.ambiguous: dict[str, list[str]] = {}
        """Names that are an alias of several actors: merged into none of them."""

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def members(self) -> dict[str, list[str]]:
        clusters: dict[str, list[str]] = {}
        for i in self.nodes:
            clusters.setdefault(self.find(i), []).append(i)
        return clusters

    def compatible(self, a: _Node, b: _Node) -> bool:
        ea, eb = a.entity, b.entity
        if eb.kind not in domain.MERGEABLE.get(ea.kind, frozenset()):
            return False
        if ea.country and eb.country and ea.country != eb.country:
            return False
        verdict = self.judgements.verdict(a.id, b.id)
        if verdict is not None:
            return verdict.judgement == "same"
        return not (is_curated(ea) and is_curated(eb))

    def union(self, a: str, b: str, rule: str, key: str, cluster_of: dict[str, list[str]]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        left, right = cluster_of[ra], cluster_of[rb]
        if not all(self.compatible(self.nodes[x], self.nodes[y]) for x in left for y in right):
            return
        self.parent[rb] = ra
        cluster_of[ra] = left + right
        del cluster_of[rb]
        self.rule.setdefault(b, (rule, key))
        self.rule.setdefault(a, (rule, key))

    def run(self) -> dict[str, list[str]]:
        for i in self.nodes:
            self.parent[i] = i
        cluster_of = {i: [i] for i in self.nodes}
        for item in self.judgements.items:
            if item.judgement == "same":
                held = [i for i in item.ids if i in self.nodes]
                for other in held[1:]:
                    self.union(held[0], other, RULE_JUDGED, "same", cluster_of)
        by_identifier: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        by_alias: dict[str, list[str]] = {}
        for node in self.nodes.values():
            entity = node.entity
            keys = {f"{MERGED_SCHEME}:{entity.id}"}
            keys |= {f"{s}:{v}" for s, values in entity.identifiers.items() for v in values}
            for key in sorted(keys):  # sorted: the same input records the same rule key
                by_identifier.setdefault(key, []).append(node.id)
            if entity.kind in domain.NAME_MATCH_KINDS:
                name = _name_key(entity.name)
                if name:
                    by_name.setdefault(name, []).append(node.id)
                for alias in entity.aliases:
                    key = _name_key(alias)
                    if key and key != name:
                        by_alias.setdefault(key, []).append(node.id)
        for key, ids in sorted(by_identifier.items()):
            for other in ids[1:]:
                self.union(ids[0], other, RULE_IDENTIFIER, key, cluster_of)
        for key, ids in by_name.items():
            for other in ids[1:]:
                self.union(ids[0], other, RULE_NAME, key, cluster_of)
        for key, ids in by_name.items():
            holders = by_alias.get(key, [])
            named = {self.find(i) for i in ids}
            if len({self.find(i) for i in holders} - named) > 1:
                self.ambiguous[key] = sorted(holders)  # one name, several actors: merge none
                continue
            for other in holders:
                self.union(ids[0], other, RULE_ALIAS, key, cluster_of)
        return self.members()


class _Known(Mapping[str, Entity]):
    """The stored entities, as candidate matching reads them: a stored entity that is exactly
    the batch's record (every field) is handed over as the batch's record, not built again
    from its properties (a reload's every entity: 1M models at 1M)."""

    def __init__(self, stored: StoredEntities, batch: Mapping[str, Entity]) -> None:
        self._stored = stored
        self._batch = batch

    def __getitem__(self, entity_id: str) -> Entity:
        given = self._batch.get(entity_id)
        if given is not None and self._stored.holds(given):
            return given
        return self._stored[entity_id]

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._stored

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


def _adds_nothing(found: Entity, entity: Entity) -> bool:
    """Whether ``merge_records(found, entity)`` equals ``entity`` in every field, so the
    node can keep ``entity`` itself: ``found`` (a stored entity's matching fields, the rest
    unset) holds the very name, country, aliases and identifiers ``entity`` holds, and no
    list of those repeats an item (the merge's union would drop the repeat).

    Why: a reload finds every stored entity again, and a merged model per node (all of
    its fields set: 3.2 KB) was 3.2 GB at 1M entities, for records equal to the batch's.
    """
    if (found.name, found.country, found.aliases, found.identifiers) != (
        entity.name,
        entity.country,
        entity.aliases,
        entity.identifiers,
    ):
        return False
    lists = [entity.aliases, *entity.identifiers.values()]
    return all(len(set(items)) == len(items) for items in lists)


def _survivor(nodes: list[_Node]) -> _Node:
    # among stored ones, the smallest id: the same whichever order the store returns them
    def rank(node: _Node) -> tuple[int, int, str]:
        return (
            0 if is_curated(node.entity) else 1,
            0 if node.stored else 1,
            node.id if node.stored else "",
        )

    return min(nodes, key=rank)


def _kind(survivor: _Node, nodes: list[_Node]) -> str:
    if is_curated(survivor.entity) or survivor.stored:
        return survivor.entity.kind
    kinds = {n.entity.kind for n in nodes}
    for kind in domain.MERGE_PRECEDENCE:
        if kind in kinds:
            return kind
    return survivor.entity.kind


def _fold(base: Entity, other: Entity, kind: str) -> Entity:
    """``base`` with what ``other`` adds: names as aliases, identifiers, topics, sources."""
    data = base.model_dump(exclude_none=True)
    data["kind"] = kind
    names = [*base.aliases, other.name, *other.aliases]
    data["aliases"] = [n for n in dict.fromkeys(names) if n != base.name]
    identifiers = {k: list(v) for k, v in base.identifiers.items()}
    for scheme, values in other.identifiers.items():
        identifiers[scheme] = list(dict.fromkeys([*identifiers.get(scheme, []), *values]))
    if other.id != base.id:
        held = identifiers.setdefault(MERGED_SCHEME, [])
        if other.id not in held:
            held.append(other.id)
    data["identifiers"] = identifiers
    for name in ("topics", "sources", "merges"):
        data[name] = list(dict.fromkeys([*getattr(base, name), *getattr(other, name)]))
    for name in ("description", "country", "tlp"):
        if data.get(name) is None and getattr(other, name) is not None:
            data[name] = getattr(other, name)
    allowed = set(domain.ENTITY_KINDS[kind].fields)
    for name in domain.ALL_KIND_FIELDS:
        if name not in allowed:
            data.pop(name, None)
        elif data.get(name) is None and getattr(other, name) is not None:
            data[name] = getattr(other, name)
    return Entity.model_validate(data)


def resolve(
    batch: Batch,
    store: Store,
    stored: MutableMapping[str, Entity],
    judgements: Judgements | None = None,
    *,
    origins: Mapping[str, str] | None = None,
    load_id: str | None = None,
) -> ResolvedBatch:
    """The batch with its entities merged among themselves and with the store.

    ``stored`` holds the stored versions of the batch's ids (the load's comparison
    reads it); the survivors fetched here are added to it. ``origins`` says where
    each batch id was read (``file: where``), for the merge records.
    """
    judgements = judgements or Judgements()
    load_id = load_id or stable_id("load-", [dt.datetime.now(dt.UTC).isoformat()])
    resolver = _Resolver(judgements, load_id)
    origins = origins or {}
    for entity in batch.entities.values():
        if entity.kind != domain.SOURCE_KIND:
            resolver.nodes[entity.id] = _Node(entity, False, origins.get(entity.id, "this load"))
    # what matching needs of the stored entities the batch could match (looked up in the
    # match index; every stored entity while a store has none); whole records only for
    # those that merge
    if match_index.is_ready(store):
        incoming = [n.entity for n in resolver.nodes.values()]
        named = [i for item in judgements.items for i in item.ids]
        known = _Known(stored, batch.entities) if isinstance(stored, StoredEntities) else stored
        found = match_index.candidates(store, incoming, named, known=known)
    else:
        found = match_index.all_candidates(store)
    for entity in found:
        held = resolver.nodes.get(entity.id)
        if held is None:
            resolver.nodes[entity.id] = _Node(entity, True, "the store")
        else:
            # matched on all it is known by: the stored aliases and identifiers too
            held.stored = True
            if held.entity.kind == entity.kind and not _adds_nothing(entity, held.entity):
                held.entity = merge_records(entity, held.entity)
    del found  # a reload finds every stored entity: their matching parts go before matching
    out = ResolvedBatch(entities=dict(batch.entities), links=dict(batch.links))
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _split(resolver, judgements, batch, store, stored, out, load_id, now)
    clusters = [m for m in resolver.run().values() if len(m) > 1]
    clusters = [m for m in clusters if any(i in batch.entities for i in m)]
    wanted = [i for m in clusters for i in m if resolver.nodes[i].stored and i not in stored]
    stored.update(store.fetch_entities(wanted))
    for i in wanted:
        if i not in batch.entities and i in stored:
            resolver.nodes[i].entity = stored[i]
    renamed: dict[str, str] = {}
    pending: dict[str, list[dict[str, Any]]] = {}
    details: dict[str, list[dict[str, Any]]] = {}
    for members in clusters:
        nodes = [resolver.nodes[i] for i in members]
        survivor = _survivor(nodes)
        kind = _kind(survivor, nodes)
        base = stored.get(survivor.id) if survivor.stored else None
        merged = base if base is not None else survivor.entity
        if survivor.id in batch.entities and base is not None:
            merged = merge_records(base, batch.entities[survivor.id])
        for node in sorted(nodes, key=lambda n: (n.stored is False, n.id)):
            if node.id == survivor.id:
                continue
            already = node.id in merged.identifiers.get(MERGED_SCHEME, [])
            before = merged
            merged = _fold(merged, node.entity, kind)
            renamed[node.id] = survivor.id
            out.entities.pop(node.id, None)
            if node.stored:
                out.retired.append(node.id)
            if not already:
                rule, key = resolver.rule.get(node.id) or ("?", "")
                record = {
                    "kept": survivor.id,
                    "merged": node.id,
                    "rule": rule,
                    "key": key,
                    "records": [survivor.where, node.where],
                    "kinds": [survivor.entity.kind, node.entity.kind],
                    "load": load_id,
                    "at": now,
                }
                pending.setdefault(survivor.id, []).append(record)
                # what a "different" judgement needs to undo this merge (see _split)
                details.setdefault(survivor.id, []).extend(_brought(before, merged, node.entity))
        if merged.kind != kind:
            merged = _fold(merged, merged, kind)
        out.entities[survivor.id] = Entity.model_validate(merged.model_dump())
    if out.retired:
        for row in store.read(LINKS_OF, ids=sorted(set(out.retired))):
            link = link_from_properties(row["source"], row["type"], row["target"], row["props"])
            out.links.setdefault(link.key, link)
        for i in out.retired:
            stored.pop(i, None)
    moves: list[tuple[tuple[str, str, str], tuple[str, str, str]]] = []
    if renamed or out.retired:
        already_there = set(out.links)
        out.links, moves = _repoint(out.links, renamed, out.entities, stored)
        held_links = store.fetch_links([now_key for _, now_key in moves])
        for key, held in held_links.items():
            # a link a merge brings onto a stored one adds its sources; the stored grading,
            # dates and note stand (an import must not regrade the analyst's link)
            out.links[key] = merge_records(out.links[key], held)
        by_end: dict[str, list[list[Any]]] = {}
        for was, now_key in moves:
            # "new": the kept entity held no such link before (undoing removes it)
            new = now_key not in held_links and now_key not in already_there
            for end in {was[0], was[2]} & renamed.keys():
                by_end.setdefault(end, []).append([list(was), list(now_key), new])
        for survivor_id, records in pending.items():
            for record in records:
                found = by_end.get(record["merged"], [])
                details[survivor_id].extend(_chunked(record["merged"], "links", found))
    for survivor_id, records in pending.items():
        entity = out.entities[survivor_id]
        texts = [orjson.dumps(r).decode() for r in [*records, *details.get(survivor_id, [])]]
        out.entities[survivor_id] = entity.model_copy(update={"merges": [*entity.merges, *texts]})
        out.merged.extend(records)
    return out


DETAIL_LIMIT = 900
"""Characters of one detail entry's JSON (a text of ``merges`` holds at most 1,000)."""


def _chunked(of: str, name: str, items: Sequence[Any]) -> list[dict[str, Any]]:
    """``{"of": of, name: [...]}`` entries, as few as fit :data:`DETAIL_LIMIT` each.

    An item that cannot fit alone (a name near the 1,000-character limit) is left out.
    """
    entries: list[dict[str, Any]] = []
    chunk: list[Any] = []
    size = len(orjson.dumps({"of": of, name: []}))
    used = size
    for item in items:
        width = len(orjson.dumps(item)) + 1
        if size + width > DETAIL_LIMIT:
            continue
        if used + width > DETAIL_LIMIT:
            entries.append({"of": of, name: chunk})
            chunk, used = [], size
        chunk.append(item)
        used += width
    if chunk:
        entries.append({"of": of, name: chunk})
    return entries


def _brought(before: Entity, after: Entity, other: Entity) -> list[dict[str, Any]]:
    """Details of one merge, for undoing it: the merged-away record's kind, name and
    country, its names and identifiers, each with whether the merge added it to the
    kept entity (a split takes those off again).

    They are entries of the kept entity's ``merges`` (``"of"``: the merged-away id),
    packed a few hundred characters each, so none outgrows a text field.
    """
    held = {f"{s}:{v}" for s, values in before.identifiers.items() for v in values}
    own = f"{MERGED_SCHEME}:{other.id}"
    record = {"kind": other.kind, "name": other.name, "country": other.country}
    found: list[dict[str, Any]] = [
        {"of": other.id, "record": {k: v for k, v in record.items() if v}}
    ]
    known = {*before.aliases, before.name}
    names = [
        [n, n in after.aliases and n not in known]
        for n in dict.fromkeys([other.name, *other.aliases])
    ]
    keys = [f"{s}:{v}" for s, values in other.identifiers.items() for v in values]
    found += _chunked(other.id, "names", names)
    found += _chunked(other.id, "ids", [[k, k not in held] for k in [*keys, own]])
    return found


def _split(
    resolver: _Resolver,
    judgements: Judgements,
    batch: Batch,
    store: Store,
    stored: MutableMapping[str, Entity],
    out: ResolvedBatch,
    load_id: str,
    now: str,
) -> None:
    """Undo the merges a "different" judgement names: the merged-away entity comes back.

    For a stored entity that holds an id it took in a merge (``statecrime:ID``), and a
    judgement that says the two differ: the merged-away entity is written again, from
    the record the merge kept (and this load's record of it, if any); the aliases and
    identifiers that merge brought are taken off the kept entity; each link the merge
    re-pointed goes back to the merged-away entity, and is removed from the kept one
    unless the kept one held it before the merge. The kept entity's merges gain a
    record of the split, so ``explain-merge`` tells both; nothing else is removed.
    """
    for item in judgements.items:
        if item.judgement != "different":
            continue
        for a in item.ids:
            node = resolver.nodes.get(a)
            if node is None or not node.stored:
                continue
            for b in item.ids:
                if b == a or b not in node.entity.identifiers.get(MERGED_SCHEME, []):
                    continue
                if a not in stored:
                    stored.update(store.fetch_entities([a]))
                kept = stored.get(a)
                found = [orjson.loads(text) for text in kept.merges] if kept else []
                details = [d for d in found if d.get("of") == b]
                records = [m for m in found if m.get("merged") == b and "of" not in m]
                if kept is None or not records or not details:
                    continue  # merged before merges kept what undoing them needs
                split = {
                    "kept": kept.id,
                    "split": b,
                    "rule": RULE_JUDGED,
                    "key": "different",
                    "by": item.by,
                    "note": item.note,
                    "undoes": records[-1].get("load"),
                    "load": load_id,
                    "at": now,
                }
                _undo(kept, split, details, batch, store, stored, out, resolver)


def _undo(
    kept: Entity,
    split: dict[str, Any],
    details: Sequence[Mapping[str, Any]],
    batch: Batch,
    store: Store,
    stored: MutableMapping[str, Entity],
    out: ResolvedBatch,
    resolver: _Resolver,
) -> None:
    """One split (see :func:`_split`), from the details the merge kept."""
    merged_id = str(split["split"])
    names = [(str(n), bool(b)) for d in details for n, b in d.get("names", [])]
    keys = [(str(k), bool(b)) for d in details for k, b in d.get("ids", [])]
    aliases_brought = [n for n, brought in names if brought]
    keys_brought = {k for k, brought in keys if brought}
    record = next((d["record"] for d in details if "record" in d), {})
    own_aliases = [n for n, _ in names]
    own_keys = {k for k, _ in keys}
    own = batch.entities.get(kept.id)
    keep_aliases = set(own.aliases) if own else set()
    keep_keys = {f"{s}:{v}" for s, vs in own.identifiers.items() for v in vs} if own else set()
    # the merged-away entity again: this load's record of it, else what the merge kept
    identifiers_back: dict[str, list[str]] = {}
    for key in sorted(own_keys):
        scheme, _, value = key.partition(":")
        if scheme != MERGED_SCHEME:
            identifiers_back.setdefault(scheme, []).append(value)
    name = str(record.get("name", merged_id))
    back = Entity.model_validate(
        {
            "id": merged_id,
            **record,
            "aliases": [a for a in own_aliases if a != name],
            "identifiers": identifiers_back,
        }
    )
    again = batch.entities.get(merged_id)
    if again is not None:
        back = merge_records(back, again) if again.kind == back.kind else again
    gone = {k for k in keys_brought if k not in keep_keys} | {f"{MERGED_SCHEME}:{merged_id}"}
    identifiers: dict[str, list[str]] = {}
    for scheme, values in kept.identifiers.items():
        left = [v for v in values if f"{scheme}:{v}" not in gone]
        if left:
            identifiers[scheme] = left
    aliases = [a for a in kept.aliases if a not in aliases_brought or a in keep_aliases]
    texts = [orjson.dumps(split).decode()]
    merges = [t for t in kept.merges if orjson.loads(t).get("of") != merged_id] + texts
    base = out.entities.get(kept.id)
    if base is not None and base.kind == kept.kind:
        kept = merge_records(kept, base)
    restored = kept.model_copy(
        update={"identifiers": identifiers, "aliases": aliases, "merges": merges}
    )
    restored = Entity.model_validate(restored.model_dump())
    stored[kept.id] = restored
    out.entities[kept.id] = restored
    out.replaced.add(kept.id)
    out.entities[merged_id] = back
    out.merged.append(split)
    resolver.nodes[kept.id].entity = restored
    resolver.nodes[merged_id] = _Node(back, False, "a split")
    moves = [(_key(w), _key(n), bool(new)) for d in details for w, n, new in d.get("links", [])]
    held = store.fetch_links([now_key for _, now_key, _ in moves])
    for was, now_key, new in moves:
        link = held.get(now_key)
        if link is None:
            continue
        source, type_, target = was
        relation = type_ if type_ in domain.RELATIONS else link.type
        data = link.model_dump(exclude_none=True)
        data.update({"source": source, "type": relation, "target": target})
        moved = Link.model_validate(data)
        there = out.links.get(moved.key)
        out.links[moved.key] = moved if there is None else merge_records(there, moved)
        if new:
            out.links.pop(now_key, None)
            out.unlinked.append(now_key)


def _key(parts: Sequence[Any]) -> tuple[str, str, str]:
    source, type_, target = (str(p) for p in parts)
    return source, type_, target


def _repoint(
    links: Mapping[tuple[str, str, str], Link],
    renamed: Mapping[str, str],
    entities: Mapping[str, Entity],
    stored: Mapping[str, Entity],
) -> tuple[
    dict[tuple[str, str, str], Link],
    list[tuple[tuple[str, str, str], tuple[str, str, str]]],
]:
    """Links with merged-away ends re-pointed to the survivor (united when they meet),
    and each re-pointed link's key before and after."""
    out: dict[tuple[str, str, str], Link] = {}
    moves: list[tuple[tuple[str, str, str], tuple[str, str, str]]] = []
    for link in links.values():
        source = renamed.get(link.source, link.source)
        target = renamed.get(link.target, link.target)
        if source == target:
            continue  # a link between two records of one actor says nothing
        update: dict[str, Any] = {"source": source, "target": target}
        kinds = [_kind_of(i, entities, stored) for i in (source, target)]
        relation = domain.RELATIONS[link.type]
        if None not in kinds and not relation.allows(*kinds):  # a merge changed a kind
            update["type"] = "LINKED_TO"
            update["note"] = " ".join(
                n for n in (link.note, f"(was {link.type}; a merge changed a kind)") if n
            )
        moved = link.model_copy(update=update)
        moved = Link.model_validate(moved.model_dump())
        held = out.get(moved.key)
        out[moved.key] = moved if held is None else merge_records(held, moved)
        if (source, target) != (link.source, link.target):
            moves.append((link.key, moved.key))
    return out, moves


def _kind_of(i: str, entities: Mapping[str, Entity], stored: Mapping[str, Entity]) -> str | None:
    entity = entities.get(i) or stored.get(i)
    return entity.kind if entity is not None else None


def merges_of(entity: Entity) -> list[dict[str, Any]]:
    """The merge (and split) records an entity carries, oldest first; not the details
    kept for undoing a merge (entries with ``"of"``)."""
    found = [orjson.loads(text) for text in entity.merges]
    return [m for m in found if "of" not in m]


FIND_BY_IDENTIFIER = declare(
    "resolve.find_by_identifier",
    """
    MATCH (n:Entity) WHERE any(key IN $keys WHERE key IN n.identifiers)
    RETURN n.id AS id LIMIT 1
    """,
    keys=["statecrime:x"],
)


def current_id(store: Store, entity_id: str) -> str | None:
    """The id an entity is held under now: itself, or the survivor of a merge that took it."""
    if store.fetch_entities([entity_id]):
        return entity_id
    keys = [f"{MERGED_SCHEME}:{entity_id}", f"stix:{entity_id}"]
    if match_index.is_ready(store):
        found = sorted(str(row["id"]) for row in store.read(match_index.LOOKUP, keys=keys))
        return found[0] if found else None
    rows = store.read(FIND_BY_IDENTIFIER, keys=keys)
    return str(rows[0]["id"]) if rows else None
