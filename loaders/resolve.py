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
``type--uuid``, not ``misp-``/``ftm-``, not an id its own identifiers hold);
else the one already stored; else the first read. Its name, description and
country stand; the others' names become aliases, their identifiers, topics and
sources are united, and each merged-away id is kept as a ``statecrime``
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
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml
from rigour.names import normalize_name

from statecrime.graph import domain
from statecrime.graph.cypher import declare
from statecrime.graph.model import Entity, Link
from statecrime.graph.properties import entity_from_properties, link_from_properties
from statecrime.graph.store import Store
from statecrime.loaders.ids import stable_id
from statecrime.loaders.merge import merge_records
from statecrime.loaders.problems import LoadError, Problem
from statecrime.loaders.validate import Batch

MERGED_SCHEME = "statecrime"
IMPORTED_ID = re.compile(r"^([a-z][a-z0-9-]*--[0-9a-fA-F-]{36}|misp-.+|ftm-.+)$")
"""Ids minted by importers (STIX ids, MISP and FtM ids of ours): never the curated id."""
RULE_IDENTIFIER, RULE_NAME, RULE_ALIAS, RULE_JUDGED = "identifier", "name", "alias", "judgement"

CANDIDATES = declare(
    "resolve.candidates",
    """
    MATCH (n:Entity) WHERE n.kind <> 'Source'
    RETURN n {.id, .kind, .name, .aliases, .country, .identifiers} AS props
    """,
)
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
    return normalize_name(text)


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


def _survivor(nodes: list[_Node]) -> _Node:
    def rank(node: _Node) -> tuple[int, int]:
        return (0 if is_curated(node.entity) else 1, 0 if node.stored else 1)

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
    # what matching needs of every stored entity; whole records only for those that merge
    for row in store.read(CANDIDATES):
        props = {k: v for k, v in row["props"].items() if v is not None}
        entity = entity_from_properties(props)
        held = resolver.nodes.get(entity.id)
        if held is None:
            resolver.nodes[entity.id] = _Node(entity, True, "the store")
        else:
            # matched on all it is known by: the stored aliases and identifiers too
            held.stored = True
            if held.entity.kind == entity.kind:
                held.entity = merge_records(entity, held.entity)
    clusters = [m for m in resolver.run().values() if len(m) > 1]
    clusters = [m for m in clusters if any(i in batch.entities for i in m)]
    wanted = [i for m in clusters for i in m if resolver.nodes[i].stored and i not in stored]
    stored.update(store.fetch_entities(wanted))
    for i in wanted:
        if i not in batch.entities and i in stored:
            resolver.nodes[i].entity = stored[i]
    out = ResolvedBatch(entities=dict(batch.entities), links=dict(batch.links))
    renamed: dict[str, str] = {}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
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
                merged = merged.model_copy(
                    update={"merges": [*merged.merges, orjson.dumps(record).decode()]}
                )
                out.merged.append(record)
        if merged.kind != kind:
            merged = _fold(merged, merged, kind)
        out.entities[survivor.id] = Entity.model_validate(merged.model_dump())
    if out.retired:
        for row in store.read(LINKS_OF, ids=sorted(set(out.retired))):
            link = link_from_properties(row["source"], row["type"], row["target"], row["props"])
            out.links.setdefault(link.key, link)
        for i in out.retired:
            stored.pop(i, None)
    if renamed or out.retired:
        out.links, moved = _repoint(out.links, renamed, out.entities, stored)
        for key, held in store.fetch_links(moved).items():
            # a link a merge brings onto a stored one adds its sources; the stored grading,
            # dates and note stand (an import must not regrade the analyst's link)
            out.links[key] = merge_records(out.links[key], held)
    return out


def _repoint(
    links: Mapping[tuple[str, str, str], Link],
    renamed: Mapping[str, str],
    entities: Mapping[str, Entity],
    stored: Mapping[str, Entity],
) -> tuple[dict[tuple[str, str, str], Link], list[tuple[str, str, str]]]:
    """Links with merged-away ends re-pointed to the survivor (united when they meet),
    and the keys of those re-pointed."""
    out: dict[tuple[str, str, str], Link] = {}
    moved_keys: list[tuple[str, str, str]] = []
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
            moved_keys.append(moved.key)
    return out, moved_keys


def _kind_of(i: str, entities: Mapping[str, Entity], stored: Mapping[str, Entity]) -> str | None:
    entity = entities.get(i) or stored.get(i)
    return entity.kind if entity is not None else None


def merges_of(entity: Entity) -> list[dict[str, Any]]:
    """The merge records an entity carries, oldest first."""
    return [orjson.loads(text) for text in entity.merges]


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
    rows = store.read(FIND_BY_IDENTIFIER, keys=keys)
    return str(rows[0]["id"]) if rows else None
