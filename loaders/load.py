"""Load record files into a store: read, check, merge, write in one transaction.

All or nothing: every file is read and every record checked before anything is
written, and the write is one transaction. Any problem refuses the whole load
with a :class:`LoadError` naming each file, record and field.

>>> from statecrime.graph.connect import open_store  # doctest: +SKIP
>>> with open_store("/tmp/store") as store:           # doctest: +SKIP
...     report = load_paths(store, [Path("data/curated/russia.yaml")])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Transaction

from statecrime.graph.bulk_phases import phase
from statecrime.graph.collector import without_collector
from statecrime.graph.model import Entity, Link
from statecrime.graph.store import Store
from statecrime.graph.stored import StoredEntities
from statecrime.loaders import match_index
from statecrime.loaders.merge import Record, merge_records
from statecrime.loaders.problems import LoadError, Problem
from statecrime.loaders.readers import READERS, RawRecord, read_file
from statecrime.loaders.resolve import Judgements, resolve, unlink
from statecrime.loaders.summary import ReadOptions, reading
from statecrime.loaders.validate import Batch, build_batch


@dataclass
class Tally:
    """How many records of one sort were added, updated, or left unchanged."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    """What a load did, by entities, sources and links."""

    files: list[str] = field(default_factory=list)
    entities: Tally = field(default_factory=Tally)
    sources: Tally = field(default_factory=Tally)
    links: Tally = field(default_factory=Tally)
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)
    merged: list[dict[str, object]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            **{name: vars(getattr(self, name)).copy() for name in ("entities", "sources", "links")},
            "skipped": self.skipped,
            "unmapped": self.unmapped,
            "merged": self.merged,
            "removed": self.removed,
        }


def expand_folders(paths: Sequence[Path]) -> list[Path]:
    """The files to read: a folder stands for the record files directly in it, in name order.

    Only files whose extension names a format count (``data/curated`` is its
    YAML files); other files in the folder, and its subfolders, are left alone.
    """
    known = {ext for reader in READERS.values() for ext in reader.extensions}
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in known)
            )
        else:
            files.append(path)
    return files


def read_paths(
    paths: Sequence[Path], fmt: str | None = None, also: Sequence[tuple[Path, str]] = ()
) -> Iterator[RawRecord]:
    """Every raw record of every file, read lazily; all files are read even when one fails.

    ``also`` are more files, each read as the format given with it (``load
    --misp-galaxy`` adds the galaxy files to the record files of one load). The
    problems of every file are raised together, as one LoadError, after the
    last good record (see :mod:`statecrime.loaders.readers` on streaming).
    """
    problems: list[Problem] = []
    for path in expand_folders(paths):
        yield from read_file(path, fmt, problems)
    for path, own in also:
        yield from read_file(path, own, problems)
    if problems:
        raise LoadError(problems)


def check_records(
    records: Iterable[RawRecord], existing_kinds: Callable[[Iterable[str]], Mapping[str, str]]
) -> Batch:
    """The batch the records make, or a LoadError with every problem."""
    batch, problems = build_batch(records, existing_kinds)
    if problems:
        raise LoadError(problems)
    return batch


Progress = Callable[[str, int, int], None]


def _silent(phase: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""


@without_collector
def load_paths(
    store: Store,
    paths: Sequence[Path],
    fmt: str | None = None,
    *,
    on_progress: Progress = _silent,
    options: ReadOptions | None = None,
    judgements: Judgements | None = None,
    resolution: bool = True,
    also: Sequence[tuple[Path, str]] = (),
) -> LoadReport:
    """Load files into ``store``: all of them, or (on any problem) none of them.

    ``on_progress(phase, done, total)`` is told of each of the four phases
    (reading, checking, comparing, writing) so a terminal can show a bar.
    """
    on_progress("reading", 0, 4)
    match_index.ensure_index(store)
    # held compactly (a reload names every stored entity): see graph/stored.py
    stored = StoredEntities()

    def existing_kinds(ids: Iterable[str]) -> dict[str, str]:
        # kept: entity resolution compares the batch with these stored records
        stored.update(store.stored_entities(ids))
        return stored.kinds()

    # readers tell what they skip while they are read, and records are read lazily
    origins: dict[str, str] = {}
    with reading(options) as notes:
        records = read_paths(paths, fmt, also)
        if resolution:
            records = _noting_origins(records, origins)
        on_progress("checking", 1, 4)
        with phase("read and check") as held:
            batch = check_records(records, existing_kinds)
            held["count"] = len(batch.entities) + len(batch.links)
    files = [str(p) for p in [*expand_folders(paths), *(path for path, _ in also)]]
    report = LoadReport(files=files, skipped=notes.skipped)
    report.unmapped = notes.unmapped
    if resolution:
        with phase("resolve", len(batch.entities)):
            batch = resolve(batch, store, stored, judgements, origins=origins)
        origins.clear()  # needed by resolution only (a string a record: 0.1 GB at 1M)
    retired = list(getattr(batch, "retired", []))
    unlinked = list(getattr(batch, "unlinked", []))
    report.merged, report.removed = list(getattr(batch, "merged", [])), retired
    on_progress("comparing with the store and writing", 2, 4)

    def changes(
        stored_entities: Mapping[str, Entity], stored_links: Mapping[tuple[str, str, str], Link]
    ) -> tuple[list[Entity], list[Link]]:
        # called inside the write transaction, with what it read: the merge sees
        # what is stored when the load commits, not when it was checked
        fresh = LoadReport(files=report.files)
        made = _changes(batch, stored_entities, stored_links, fresh)
        report.entities, report.sources, report.links = fresh.entities, fresh.sources, fresh.links
        return made

    # the stored entities the kind checks read are every stored one the load names; they
    # stand for the write's own read unless resolution merged or split (it changes them)
    pristine = not (retired or unlinked or report.merged)
    store.merge_write(
        [*batch.entities, *(end for key in batch.links for end in (key[0], key[2]))],
        batch.links,
        changes,
        retire=retired,
        after=lambda tx, before, written: _after_write(tx, before, written, retired, unlinked),
        known=stored if pristine else None,
        given=batch.links,
    )
    on_progress("done", 4, 4)
    return report


def _after_write(
    tx: Transaction,
    before: Mapping[str, Entity],
    written: list[Entity],
    retired: list[str],
    unlinked: list[tuple[str, str, str]],
) -> None:
    """Resolution's part of the write transaction: links a split takes back, the match index."""
    unlink(tx, unlinked)
    match_index.write_keys(tx, before, written, retired)


def _noting_origins(records: Iterable[RawRecord], origins: dict[str, str]) -> Iterator[RawRecord]:
    """Pass the records on, noting where each entity was read (``file: where``) for the
    merge records that entity resolution writes."""
    for record in records:
        if record.section == "entity":
            origins[str(record.data.get("id"))] = f"{record.file}: {record.where}"
        yield record


def _changes(
    batch: Batch,
    stored_entities: Mapping[str, Entity],
    stored_links: Mapping[tuple[str, str, str], Link],
    report: LoadReport,
) -> tuple[list[Entity], list[Link]]:
    """The merged records that differ from the store, counting as it goes.

    ``stored_entities`` and ``stored_links`` hold the stored versions of the
    batch's records (those not in them are new). A holder that can tell a stored
    entity is exactly the batch's one without building it (``holds``, see
    :class:`statecrime.graph.stored.StoredEntities`) is asked first: that entity
    is unchanged, as the merge of a record with itself is the record.
    """
    entities: list[Entity] = []
    replaced = getattr(batch, "replaced", set())  # a split: written as given, not merged
    holds = getattr(stored_entities, "holds", None)
    for entity_id, entity in batch.entities.items():
        tally = report.sources if entity.kind == "Source" else report.entities
        replace = entity_id in replaced
        if holds is not None and not replace and holds(entity):
            tally.unchanged += 1
            continue
        held = stored_entities.get(entity_id)
        merged = _change(held, entity, tally, replace=replace)
        if merged is not None:
            entities.append(merged)
    links: list[Link] = []
    for key, link in batch.links.items():
        merged_link = _change(stored_links.get(key), link, report.links)
        if merged_link is not None:
            links.append(merged_link)
    return entities, links


def _change(
    stored: Record | None, new: Record, tally: Tally, *, replace: bool = False
) -> Record | None:
    """What to write for one record (``new`` merged into ``stored``), or None; counted.

    None means the merge changes nothing, so the record is left as it is. With
    ``replace``, ``new`` is written as it is (a split takes aliases off).
    """
    if stored is None:
        tally.added += 1
        return new
    # a reload: the merge of a record with itself is the record (a stored link found exactly
    # as the batch gives it comes as the batch's own object: see graph/stored.py)
    if (new is stored or new == stored) and not replace:
        tally.unchanged += 1
        return None
    merged = new if replace else merge_records(stored, new)
    if merged == stored:
        tally.unchanged += 1
        return None
    tally.updated += 1
    return merged
