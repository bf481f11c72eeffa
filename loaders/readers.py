"""Read record files into raw records, remembering where each came from.

Formats, known from the extension unless ``fmt`` says:

- ``.yaml``/``.yml``/``.json``: one document with ``entities:``, ``links:`` and
  optionally ``sources:`` lists (sources are entities of kind Source, and may
  omit ``kind``); a JSON export of statecrime (``schemaVersion``, ``format``)
  reads the same way.
- ``.jsonl``: one record a line; a line with ``kind`` is an entity, one with
  ``source``, ``type`` and ``target`` is a link.
- ``.csv``: an entities file (it has a ``kind`` column) or a links file (it has
  ``source``, ``type``, ``target``); list fields hold ``;``-separated values,
  ``identifiers`` holds ``scheme:value`` pairs.

- ``stix`` (only with ``--from stix``: a ``.json`` file is our own format by
  default): a STIX 2.1 bundle, mapped by :mod:`statecrime.loaders.stix`.
- ``misp-galaxy`` (only with ``--from misp-galaxy``): a MISP galaxy cluster file,
  mapped by :mod:`statecrime.loaders.misp`.
- ``ftm`` (only with ``--from ftm``): FollowTheMoney entities, one JSON object a
  line, as OpenSanctions and Aleph export them, mapped by
  :mod:`statecrime.loaders.ftm` (needs the ``ftm`` extra).

Nothing is validated here beyond the file's own syntax: :mod:`validate` does that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson
import yaml

from statecrime.graph import domain
from statecrime.loaders.problems import LoadError, Problem

Section = Literal["entity", "link"]
FORMATS = ("yaml", "json", "jsonl", "csv", "stix", "ftm", "misp-galaxy")
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".jsonl": "jsonl", ".csv": "csv"}
_DOCUMENT_KEYS = {"entities", "links", "sources", "schemaVersion", "format", "generated"}
CSV_LIST_FIELDS = ("aliases", "topics", "sources", "roles", "crimeTypes")


@dataclass(frozen=True)
class RawRecord:
    """A record as read, with its place: ``entities[3]``, ``line 12``, ``row 4``."""

    file: str
    where: str
    section: Section
    data: dict[str, Any]


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise LoadError([Problem(str(path), "file", None, f"unknown format {fmt!r}")])
        return fmt
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise LoadError(
            [
                Problem(
                    str(path),
                    "file",
                    None,
                    f"cannot tell the format from the extension {path.suffix!r}; "
                    f"use one of {', '.join(_EXTENSIONS)} or pass --from",
                )
            ]
        )
    return found


def _text(path: Path) -> str:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError([Problem(name, "file", None, f"cannot read: {exc.strerror}")]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(
            [Problem(name, f"line {line}", None, f"not UTF-8 text (byte {exc.start})")]
        ) from exc
    if not text.strip():
        raise LoadError([Problem(name, "file", None, "the file is empty")])
    return text


def read_file(path: Path, fmt: str | None = None) -> list[RawRecord]:
    """All raw records of one file, in file order."""
    kind = detect_format(path, fmt)
    text = _text(path)
    if kind == "stix":
        from statecrime.loaders.stix import read_stix

        return list(read_stix(str(path), text))
    if kind == "misp-galaxy":
        from statecrime.loaders.misp import read_misp

        return list(read_misp(str(path), text))
    if kind == "ftm":
        try:
            from statecrime.loaders.ftm import read_ftm
        except ImportError as exc:
            raise LoadError(
                [
                    Problem(
                        str(path),
                        "file",
                        None,
                        "reading FollowTheMoney needs the ftm extra: "
                        f"pip install 'statecrime[ftm]' ({exc})",
                    )
                ]
            ) from exc
        return list(read_ftm(str(path), text))
    reader = {"yaml": _read_yaml, "json": _read_json, "jsonl": _read_jsonl, "csv": _read_csv}[kind]
    return list(reader(str(path), text))


def _read_yaml(name: str, text: str) -> Iterator[RawRecord]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise LoadError([Problem(name, where, None, f"not valid YAML: {exc}")]) from exc
    yield from _read_document(name, document)


def _read_json(name: str, text: str) -> Iterator[RawRecord]:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise LoadError(
            [Problem(name, f"line {exc.lineno}", None, f"not valid JSON: {exc.msg}")]
        ) from exc
    yield from _read_document(name, document)


def _read_document(name: str, document: Any) -> Iterator[RawRecord]:
    if not isinstance(document, dict):
        raise LoadError(
            [Problem(name, "file", None, "expected a mapping with 'entities' and 'links' lists")]
        )
    unknown = sorted(set(document) - _DOCUMENT_KEYS)
    if unknown:
        raise LoadError(
            [
                Problem(
                    name,
                    "file",
                    key,
                    "unknown top-level key; expected entities, links, sources",
                )
                for key in unknown
            ]
        )
    problems: list[Problem] = []
    for key, section in (("sources", "entity"), ("entities", "entity"), ("links", "link")):
        items = document.get(key) or []
        if not isinstance(items, list):
            problems.append(Problem(name, key, None, "expected a list"))
            continue
        for index, item in enumerate(items):
            where = f"{key}[{index}]"
            if not isinstance(item, dict):
                problems.append(Problem(name, where, None, "expected a mapping of fields"))
                continue
            if key == "sources":
                item = {"kind": domain.SOURCE_KIND, **item}
            yield RawRecord(name, _describe(where, item), section, item)  # type: ignore[arg-type]
    if problems:
        raise LoadError(problems)


def _describe(where: str, item: dict[str, Any]) -> str:
    """``entities[3] (id 'ru-fsb')``: the place, and what identifies the record in it."""
    if "id" in item:
        return f"{where} (id {item['id']!r})"
    if {"source", "type", "target"} <= set(item):
        return f"{where} ({item['source']} -{item['type']}-> {item['target']})"
    return where


def _read_jsonl(name: str, text: str) -> Iterator[RawRecord]:
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(Problem(name, f"line {number}", None, f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(name, f"line {number}", None, "expected a JSON object"))
        elif {"source", "type", "target"} <= set(item):
            yield RawRecord(name, _describe(f"line {number}", item), "link", item)
        elif "kind" in item:
            yield RawRecord(name, _describe(f"line {number}", item), "entity", item)
        else:
            problems.append(
                Problem(
                    name,
                    f"line {number}",
                    None,
                    "neither an entity (it has no 'kind') nor a link "
                    "(it lacks 'source', 'type' or 'target')",
                )
            )
    if problems:
        raise LoadError(problems)


def _read_csv(name: str, text: str) -> Iterator[RawRecord]:
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    if {"source", "type", "target"} <= columns:
        section: Section = "link"
    elif {"id", "kind"} <= columns:
        section = "entity"
    else:
        raise LoadError(
            [
                Problem(
                    name,
                    "header",
                    None,
                    "a CSV file holds entities (columns id, kind, name, ...) or links "
                    "(columns source, type, target, grading, sources, ...)",
                )
            ]
        )
    for number, row in enumerate(reader, start=2):
        item = _csv_item(row)
        yield RawRecord(name, _describe(f"row {number}", item), section, item)


def _csv_item(row: dict[str, str | None]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None or value.strip() == "":
            continue
        value = value.strip()
        if key in CSV_LIST_FIELDS:
            item[key] = [part.strip() for part in value.split(";") if part.strip()]
        elif key == "identifiers":
            pairs = [part.strip() for part in value.split(";") if part.strip()]
            item[key] = dict(p.split(":", 1) if ":" in p else (p, "") for p in pairs)
        else:
            item[key] = value
    return item
