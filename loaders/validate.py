"""Turn raw records into entities and links, checking everything a batch must satisfy.

One record at a time, pydantic checks the fields (:mod:`statecrime.graph.model`).
Across records, this module checks what needs the whole batch and the store:
ids unique (a repeated id must be the same kind, and may add aliases, topics or
sources but not give another name, country or description), every link's ends and sources
exist (in the batch or already in the store), each relation joins the kinds the
domain allows, and a link's sources are Source records. Inline sources (a
mapping in a link's ``sources`` list) become Source entities with an id of their
own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from sys import intern
from typing import Any, NamedTuple

from pydantic import ValidationError

from statecrime.graph import domain
from statecrime.graph.model import Entity, Link
from statecrime.loaders.ids import stable_id
from statecrime.loaders.merge import LIST_FIELDS, merge_records
from statecrime.loaders.problems import Problem
from statecrime.loaders.readers import RawRecord


class Place(NamedTuple):
    """Where a record was read (its file and place), kept instead of the record itself.

    Checks that need the whole batch (a link's ends, its sources) run after the
    last record is read, and name the record of each problem: this is all they
    need of it. Keeping the raw records instead held every line of a file as
    Python objects until the batch was built. A named tuple: one is made per record.
    """

    file: str
    where: str


Placed = RawRecord | Place


@dataclass
class Batch:
    """What a load would write, once every check has passed."""

    entities: dict[str, Entity] = field(default_factory=dict)
    links: dict[tuple[str, str, str], Link] = field(default_factory=dict)


def inline_source_id(data: Mapping[str, Any]) -> str:
    """A stable id for a source given inline: the same document always gets the same id."""
    if data.get("id"):
        return str(data["id"])
    return stable_id("src-", (data.get(k, "") for k in ("url", "publisher", "title", "date")))


def _field_of(error: Mapping[str, Any]) -> str | None:
    loc = [str(part) for part in error.get("loc", ()) if part != "__root__"]
    return ".".join(loc) or None


def _pydantic_problems(raw: RawRecord, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        field_name = _field_of(error)
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(Problem(raw.file, raw.where, field_name, message))
    return problems


def _share_ids(data: dict[str, Any]) -> None:
    """Make every record naming an entity hold the one string of its id (``sys.intern``).

    Each line of a file is parsed into strings of its own, so an entity's id
    was held once by the entity and again by each of its links (``source``,
    ``target``) and each record citing it (``sources``). pydantic keeps the
    string it is given, so one shared string serves them all: a batch of a
    million entities and three million links holds each id once. A link's
    relation type and an entity's kind, a few dozen distinct words, are shared
    the same way (each its own 56-61 byte string before: 0.22 GB at 1M + 2.9M).
    """
    for name in _SHARED_FIELDS:
        if name in data:
            value = data[name]
            if type(value) is str:
                data[name] = intern(value)
    cited = data.get("sources")
    if type(cited) is list:
        try:
            data["sources"] = list(map(intern, cited))  # ids alone: no Python call per item
        except TypeError:  # an inline source (a mapping) among them
            data["sources"] = [intern(v) if type(v) is str else v for v in cited]


_SHARED_FIELDS = ("id", "source", "target", "type", "kind")


class _SharedFieldSets:
    """One set object per distinct set of given fields, shared by the records that gave them.

    Why: pydantic keeps, on every model, the set of fields the record gave
    (``model_fields_set``, which the merge rule reads through
    ``model_dump(exclude_unset=True)``). A set of five or more names takes 472
    bytes, a third of a validated link; a load of millions of records holds a
    few dozen distinct ones. Sharing them halved a validated batch (100,000
    entities and 289,997 links: 1,418 to 733 bytes a record, tracemalloc). The
    models are frozen, and pydantic copies the set when it copies a model, so a
    shared set is never changed.
    """

    def __init__(self) -> None:
        self._held: dict[frozenset[str], set[str]] = {}

    def __call__(self, record: Any) -> None:
        given = record.__pydantic_fields_set__
        held = self._held.setdefault(frozenset(given), given)
        if held is not given:
            object.__setattr__(record, "__pydantic_fields_set__", held)


def build_batch(
    records: Iterable[RawRecord],
    existing_kinds: Callable[[Iterable[str]], Mapping[str, str]],
) -> tuple[Batch, list[Problem]]:
    """Check ``records`` and gather them into a batch; return the batch and every problem.

    ``existing_kinds`` answers, for ids not defined in the batch, the kind of the
    entity already stored under each (absent if none): the store's side of the checks.
    """
    batch = Batch()
    problems: list[Problem] = []
    origin: dict[str, Place] = {}
    link_records: list[tuple[Place, Link]] = []
    share = _SharedFieldSets()

    def add_entity(raw: RawRecord, entity: Entity) -> None:
        share(entity)
        held = batch.entities.get(entity.id)
        if held is None:
            batch.entities[entity.id] = entity
            origin[entity.id] = Place(raw.file, raw.where)
        elif held.kind != entity.kind:
            first = origin[entity.id]
            problems.append(
                Problem(
                    raw.file,
                    raw.where,
                    "kind",
                    f"id {entity.id!r} is already a {held.kind} "
                    f"({first.file}: {first.where}), not a {entity.kind}",
                )
            )
        elif held != entity:
            clash = _clashing_field(held, entity)
            if clash is None:
                # the same entity from two files, each adding what the other lacks
                batch.entities[entity.id] = merge_records(held, entity)
                return
            first = origin[entity.id]
            problems.append(
                Problem(
                    raw.file,
                    raw.where,
                    clash,
                    f"id {entity.id!r} is defined again with another {clash} "
                    f"({getattr(held, clash)!r} at {first.file}: {first.where})",
                )
            )

    for raw in records:
        data = dict(raw.data)
        _share_ids(data)
        if raw.section == "link" and _inline_sources(data.get("sources")):
            ids: list[Any] = []
            for position, item in enumerate(data["sources"]):
                if isinstance(item, Mapping):
                    inline = {"kind": domain.SOURCE_KIND, **item, "id": inline_source_id(item)}
                    try:
                        add_entity(raw, Entity.model_validate(inline))
                    except ValidationError as exc:
                        for p in _pydantic_problems(raw, exc):
                            problems.append(
                                Problem(
                                    p.file, p.record, f"sources[{position}].{p.field}", p.message
                                )
                            )
                        continue
                    ids.append(inline["id"])
                else:
                    ids.append(item)
            data["sources"] = ids
        try:
            if raw.section == "entity":
                add_entity(raw, Entity.model_validate(data))
            else:
                link = Link.model_validate(data)
                share(link)
                link_records.append((Place(raw.file, raw.where), link))
        except ValidationError as exc:
            problems.extend(_pydantic_problems(raw, exc))

    referenced = {link.source for _, link in link_records} | {
        link.target for _, link in link_records
    }
    referenced |= {s for _, link in link_records for s in link.sources}
    referenced |= {s for e in batch.entities.values() for s in e.sources}
    stored = dict(existing_kinds(batch.entities.keys() | referenced))
    for entity_id, entity in batch.entities.items():
        if entity_id in stored and stored[entity_id] != entity.kind:
            raw = origin[entity_id]
            problems.append(
                Problem(
                    raw.file,
                    raw.where,
                    "kind",
                    f"id {entity_id!r} is stored as a {stored[entity_id]}, not a {entity.kind}; "
                    "an entity's kind cannot change",
                )
            )

    # the kind of each id, the batch's before the store's: one lookup per end of a link
    kinds = dict(stored)
    kinds.update((entity_id, entity.kind) for entity_id, entity in batch.entities.items())
    kind_of = kinds.get

    for entity_id, entity in batch.entities.items():
        raw = origin[entity_id]
        problems.extend(_source_problems(raw, "sources", entity.sources, kind_of))

    allowed = _AllowedEnds()
    for raw, link in link_records:
        if allowed(link, kinds):
            link_problems = []
        else:
            link_problems = _link_problems(raw, link, kind_of)
        problems.extend(link_problems)
        if link_problems:
            continue
        held = batch.links.get(link.key)
        if held is None:
            batch.links[link.key] = link
        else:
            merged = _merge_repeated_link(raw, held, link, problems)
            if merged is not None:
                batch.links[link.key] = merged
    return batch, problems


def _inline_sources(cited: Any) -> bool:
    """Whether a link's ``sources`` is a list that may hold inline sources (not only ids)."""
    if not isinstance(cited, list):
        return False
    for item in cited:
        if type(item) is not str:
            return True
    return False  # ids alone: the list stays as it is


class _AllowedEnds:
    """Whether a link passes every check of :func:`_link_problems` (then it has no problem).

    The quick answer for the usual link, with the same rules: both ends are known,
    the relation may join their kinds (worked out once per relation and pair of
    kinds), and every source it cites is a Source. A link that fails any of these
    goes to :func:`_link_problems`, which names each problem.
    """

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str, str], bool] = {}

    def __call__(self, link: Link, kinds: Mapping[str, str]) -> bool:
        source = kinds.get(link.source)
        target = kinds.get(link.target)
        if source is None or target is None:
            return False
        pair = (link.type, source, target)
        allowed = self._pairs.get(pair)
        if allowed is None:
            allowed = self._pairs[pair] = domain.RELATIONS[link.type].allows(source, target)
        if not allowed:
            return False
        for cited in link.sources:
            if kinds.get(cited) != domain.SOURCE_KIND:
                return False
        return True


def _clashing_field(held: Entity | Link, new: Entity | Link) -> str | None:
    """The first single-valued field two records of one entity or link give different values for.

    Lists and identifiers add up under the merge rule; a name, a country, a
    grading or a date cannot be two things at once within one load.
    """
    for name, value in new.model_dump(exclude_unset=True).items():
        if name in LIST_FIELDS or name == "identifiers" or value is None:
            continue
        mine = getattr(held, name)
        if mine is not None and mine != value:
            return name
    return None


def _source_problems(
    raw: Placed, field_name: str, ids: list[str], kind_of: Callable[[str], str | None]
) -> list[Problem]:
    problems = []
    for source_id in ids:
        kind = kind_of(source_id)
        if kind is None:
            problems.append(
                Problem(raw.file, raw.where, field_name, f"no source with id {source_id!r}")
            )
        elif kind != domain.SOURCE_KIND:
            problems.append(
                Problem(
                    raw.file,
                    raw.where,
                    field_name,
                    f"{source_id!r} is a {kind}, not a Source",
                )
            )
    return problems


def _link_problems(
    raw: Placed, link: Link, kind_of: Callable[[str], str | None]
) -> list[Problem]:
    problems = []
    ends = {}
    for end in ("source", "target"):
        entity_id = getattr(link, end)
        kind = kind_of(entity_id)
        if kind is None:
            problems.append(Problem(raw.file, raw.where, end, f"no entity with id {entity_id!r}"))
        ends[end] = kind
    relation = domain.RELATIONS[link.type]
    if ends["source"] and ends["target"] and not relation.allows(ends["source"], ends["target"]):
        problems.append(
            Problem(
                raw.file,
                raw.where,
                "type",
                f"{link.type} cannot join a {ends['source']} to a {ends['target']}: it runs "
                f"from {', '.join(sorted(relation.sources))} "
                f"to {', '.join(sorted(relation.targets))}",
            )
        )
    problems.extend(_source_problems(raw, "sources", link.sources, kind_of))
    return problems


def _merge_repeated_link(
    raw: Placed, held: Link, link: Link, problems: list[Problem]
) -> Link | None:
    """The same link twice in one batch: sources add up, other fields must agree."""
    clash = _clashing_field(held, link)
    if clash is not None:
        problems.append(
            Problem(
                raw.file,
                raw.where,
                clash,
                f"the link {link.source} -{link.type}-> {link.target} is given twice "
                f"with {clash} {getattr(held, clash)!r} and {getattr(link, clash)!r}",
            )
        )
        return None
    return merge_records(held, link)
