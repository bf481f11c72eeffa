"""Read record files into raw records, remembering where each came from.

Formats, known from the extension unless ``fmt`` says (:data:`READERS` holds
them all, one :class:`Reader` each):

- ``.yaml``/``.yml``/``.json``: one document with ``entities:``, ``links:`` and
  optionally ``sources:`` lists (sources are entities of kind Source, and may
  omit ``kind``); a JSON export of statecrime (``schemaVersion``, ``format``)
  reads the same way.
- ``.jsonl``: one record a line; a line with ``kind`` is an entity, one with
  ``source``, ``type`` and ``target`` is a link.
- ``.csv``: an entities file (it has a ``kind`` column) or a links file (it has
  ``source``, ``type``, ``target``); list fields hold ``;``-separated values,
  ``identifiers`` holds ``scheme:value`` pairs. Every column must be a field of
  the records the file holds, and every row must have as many cells as the header.

- ``stix`` (only with ``--from stix``: a ``.json`` file is our own format by
  default): a STIX 2.1 bundle, mapped by :mod:`statecrime.loaders.stix`.
- ``misp-galaxy`` (only with ``--from misp-galaxy``): a MISP galaxy cluster file,
  mapped by :mod:`statecrime.loaders.misp`.
- ``ftm`` (only with ``--from ftm``): FollowTheMoney entities, one JSON object a
  line, as OpenSanctions and Aleph export them, mapped by
  :mod:`statecrime.loaders.ftm` (needs the ``ftm`` extra).

Nothing is validated here beyond the file's own syntax and the limits of
:mod:`statecrime.loaders.limits` (nesting depth, line and cell sizes, file size,
YAML aliases): :mod:`validate` does the rest. Within that syntax nothing is
guessed: a key given twice in one YAML or JSON mapping is a problem (not "the
last one wins"), YAML is read with the safe loader, and a YAML date that is no
day of the calendar (``2024-13-45``) stays text for the date check to name.

**Streaming.** :func:`read_file` returns an iterator: JSON lines and CSV are read
a line (a row) at a time, so a file of a million records is never held whole;
document formats (YAML, JSON, STIX, FtM) are parsed whole, then yielded record
by record. Problems are collected as the file is read and reported in one of two
ways, chosen by the caller:

- without ``problems``: the iterator yields every good record, then raises one
  :class:`LoadError` holding every problem of the file (a problem that stops the
  file, such as "not UTF-8", ends it early). A caller that checks records as
  they come must therefore expect the error at the end, after the last record;
- with ``problems`` (a list): they are appended to it and nothing is raised,
  so a caller reading many files gathers every problem of all of them.

An unknown format or extension is known before reading, so it is raised (or
appended) at once, when :func:`read_file` is called.

**Adding a format.** Write ``read(name, path) -> Iterator[RawRecord]`` (it may
raise :class:`LoadError`, at any point) and :func:`register` a :class:`Reader`
with a small valid ``example`` file: the property-based tests
(``tests/test_malformed_input.py``) run every registered reader on broken
versions of its example and assert that each ends in a clean load or in
problems, never in a traceback or a partial load.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

import orjson
import yaml

from statecrime.graph import domain
from statecrime.graph.model import Entity, Link
from statecrime.loaders import limits
from statecrime.loaders.problems import LoadError, Problem, shown

Section = Literal["entity", "link"]
_DOCUMENT_KEYS = {"entities", "links", "sources", "schemaVersion", "format", "generated"}
CSV_LIST_FIELDS = ("aliases", "topics", "sources", "roles", "crimeTypes")


class RawRecord(NamedTuple):
    """A record as read, with its place: ``entities[3]``, ``line 12``, ``row 4``.

    A named tuple: a load makes one per record, and a frozen dataclass took twice as
    long to make (2.2 against 1.1 us, millions of times)."""

    file: str
    where: str
    section: Section
    data: dict[str, Any]


ReadFunction = Callable[[str, Path], Iterator[RawRecord]]


@dataclass(frozen=True)
class Reader:
    """One input format: how to read it, which extensions mean it, a small valid file.

    ``read(name, path)`` yields the file's raw records and may raise
    :class:`LoadError` at any point; ``name`` is how problems name the file.
    ``extensions`` pick the reader when ``--from`` is not given (none: only
    ``--from NAME`` reaches it). ``example`` is the text of a valid file of this
    format, loadable into an empty store: the tests break it to try the reader.
    """

    name: str
    read: ReadFunction
    example: str
    extensions: tuple[str, ...] = ()
    extra: str | None = None


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a format to :data:`READERS` (and so to ``--from`` and the tests)."""
    READERS[reader.name] = reader
    return reader


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in READERS:
            raise LoadError(
                [
                    Problem(
                        str(path),
                        "file",
                        None,
                        f"unknown format {fmt!r}; use one of {', '.join(READERS)}",
                    )
                ]
            )
        return fmt
    suffix = path.suffix.lower()
    for reader in READERS.values():
        if suffix in reader.extensions:
            return reader.name
    known = [ext for reader in READERS.values() for ext in reader.extensions]
    raise LoadError(
        [
            Problem(
                str(path),
                "file",
                None,
                f"cannot tell the format from the extension {path.suffix!r}; "
                f"use one of {', '.join(known)} or pass --from",
            )
        ]
    )


def read_file(
    path: Path, fmt: str | None = None, problems: list[Problem] | None = None
) -> Iterator[RawRecord]:
    """The raw records of one file, in file order, read lazily (see the module doc).

    Without ``problems`` the iterator raises one :class:`LoadError` with every
    problem after the last good record; with it, problems are appended there.
    """
    try:
        reader = READERS[detect_format(path, fmt)]
    except LoadError as exc:
        if problems is None:
            raise
        problems.extend(exc.problems)
        return iter(())
    return _guarded(reader, path, problems)


def _guarded(reader: Reader, path: Path, problems: list[Problem] | None) -> Iterator[RawRecord]:
    name = str(path)
    try:
        yield from reader.read(name, path)
    except LoadError as exc:
        if problems is None:
            raise
        problems.extend(exc.problems)
    except RecursionError:
        # a third-party parser that recurses within our depth limit still must not crash
        found = [Problem(name, "file", None, "nested too deeply to read")]
        if problems is None:
            raise LoadError(found) from None
        problems.extend(found)


# -- reading bytes within the limits -------------------------------------------------


def _fail(name: str, where: str, message: str, field_name: str | None = None) -> LoadError:
    return LoadError([Problem(name, where, field_name, message)])


def _open(name: str, path: Path) -> IO[bytes]:
    try:
        if path.is_dir():
            raise _fail(name, "file", "is a folder, not a file")
        return path.open("rb")
    except OSError as exc:
        raise _fail(name, "file", f"cannot read: {exc.strerror or exc}") from exc


def document_text(name: str, path: Path, max_bytes: int = limits.MAX_DOCUMENT_BYTES) -> str:
    """The whole text of a file read at once: at most ``max_bytes``, UTF-8, not empty."""
    with _open(name, path) as handle:
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise _fail(name, "file", f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise _fail(
            name,
            "file",
            f"larger than {max_bytes // limits.MIB:,} MiB, the limit for this format; "
            "split it, or use JSON lines, which are read a line at a time",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(name, f"line {line}", f"not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise _fail(name, "file", "the file is empty")
    return text


def _lines(name: str, handle: IO[bytes]) -> Iterator[tuple[int, str]]:
    """``(number, text)`` of each line, each at most ``MAX_LINE_BYTES``, decoded as UTF-8.

    An over-long line or one that is not UTF-8 stops the file with that problem:
    what follows it cannot be trusted to start a record.
    """
    for number, text, _ in _checked_lines(name, handle):
        yield number, text


def _checked_lines(name: str, handle: IO[bytes]) -> Iterator[tuple[int, str, bytes]]:
    """:func:`_lines` with each line's bytes too (a byte-order mark taken off the first)."""
    number = 0
    while True:
        raw = handle.readline(limits.MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limits.MAX_LINE_BYTES:
            raise _fail(
                name,
                f"line {number}",
                f"longer than {limits.MAX_LINE_BYTES // limits.MIB} MiB, the limit for one line",
            )
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(name, f"line {number}", f"not UTF-8 text (byte {exc.start})") from exc
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        yield number, text, raw


# -- JSON: depth and duplicate keys -------------------------------------------------------


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return mapping


_KEY_MARK = re.compile(rb'"\s*:')
"""Where a key may end: a closing quote, maybe spaces, a colon (only keys, or text in strings)."""


def _shape(value: Any) -> tuple[int, int]:
    """``(depth, keys)``: how deep lists and mappings nest (a scalar is 0) and how many
    keys all its mappings hold, without recursion (and quickly for a flat record)."""
    deepest = keys = 0
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, level = pop()
        kind = type(item)
        if kind is dict:
            keys += len(item)
            children: Any = item.values()
        elif kind is list:
            children = item
        else:
            continue
        if level > deepest:
            deepest = level
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, level + 1))
    return deepest, keys


_SPACED_QUOTE = re.compile(rb'"[ \t\r\n]')
"""A quote followed by a space, a tab or a line end: one scan (four ``in`` tests were 1.8 us a
line, this 0.4 us)."""


def _key_marks(data: bytes) -> int:
    """How many places in ``data`` a key could end (see :func:`parse_json`)."""
    if _SPACED_QUOTE.search(data):
        return len(_KEY_MARK.findall(data))
    return data.count(b'":')  # no quote is followed by a space: the same count, faster


_QUOTED_MARK = re.compile(r'"[ ]*:')
_ESCAPED_MARK_PART = re.compile(rb"\\u00(?:22|20|3[aA])")


def _quoted_marks(data: bytes, value: Any) -> int:
    """How many of the text's key marks lie inside strings (``"a \\": b"``), or 0 when unsure.

    A quote inside a JSON string is written ``\\"``, so a mark inside a string is a
    ``"`` followed by spaces and a colon in the parsed string: counted there, so that
    prose quoting ``"x": y`` (ATT&CK's descriptions do) is no reason to parse the
    file a second time. Exact only when the text writes none of the quote, space or
    colon as a ``\\u`` escape; if it does, 0 (then Python's ``json`` decides).
    """
    if b"\\u" in data and _ESCAPED_MARK_PART.search(data):
        return 0
    if type(value) is str:
        return len(_QUOTED_MARK.findall(value))
    count, stack = 0, [value]
    pop, push, findall = stack.pop, stack.append, _QUOTED_MARK.findall
    while stack:
        item = pop()
        if type(item) is dict:
            children: Any = item.values()
            for key in item:
                if '"' in key:
                    count += len(findall(key))
        else:
            children = item
        for child in children:
            kind = type(child)
            if kind is str:
                if '"' in child:
                    count += len(findall(child))
            elif kind is dict or kind is list:
                push(child)
    return count


def parse_json(name: str, where: str, raw: str | bytes) -> Any:
    """One JSON value, refused (as a LoadError naming ``where``) if invalid, too deep,
    or holding a key twice in one object.

    orjson parses (fast, and it refuses lone surrogates and nesting past 1024
    cleanly); the depth is then checked against ``MAX_DEPTH``. orjson keeps the
    last of two equal keys, so duplicates are found by counting: every key in the
    text ends with a quote and a colon, so if the text has no more such marks than
    the parsed value has keys, no key was repeated. Only when it has more (a
    repeat, or ``\":`` inside a string) does Python's ``json`` parse it again to
    name the key.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        at = f"line {exc.lineno}" if where == "file" else where
        raise _fail(name, at, f"not valid JSON: {exc.msg}") from exc
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if type(value) is dict and data.count(b"{") == 1 and data.count(b"[") < limits.MAX_DEPTH:
        depth, keys = 1, len(value)  # a flat record: its one "{" is its own, so one mapping
    else:
        depth, keys = _shape(value)
    if depth > limits.MAX_DEPTH:
        raise _fail(name, where, f"nested more than {limits.MAX_DEPTH} levels deep, the limit")
    marks = _key_marks(data)
    if marks > keys and marks > keys + _quoted_marks(data, value):
        try:
            json.loads(data, object_pairs_hook=_unique_pairs)
        except _DuplicateKey as exc:
            raise _fail(
                name, where, "a key is given twice in one object; keep one", exc.key
            ) from None
        except ValueError as exc:  # orjson accepted it, so only Python's own limits
            raise _fail(name, where, f"not valid JSON: {exc}") from None
    return value


# -- YAML: the safe loader, bounded --------------------------------------------------------


class _YamlLimit(yaml.MarkedYAMLError):
    pass


class _BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on depth and alias expansion, and no duplicate keys.

    Each node's size (values it stands for, aliases expanded) and depth are
    worked out as it is composed, so an alias costs a lookup, not a walk.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._shape: dict[int, tuple[int, int]] = {}  # id(node) -> (size, depth)
        self._through_aliases = 0
        self._level = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                shape = self._shape.get(id(node))
                if shape is None:
                    raise _YamlLimit(
                        None, None, f"the alias *{event.anchor} refers to itself", event.start_mark
                    )
                self._through_aliases += shape[0]
                if self._through_aliases > limits.MAX_YAML_ALIAS_NODES:
                    raise _YamlLimit(
                        None,
                        None,
                        f"aliases stand for more than {limits.MAX_YAML_ALIAS_NODES:,} values, "
                        "the limit",
                        event.start_mark,
                    )
            return super().compose_node(parent, index)
        # counted on the way down: the composer recurses once per level
        self._level += 1
        if self._level > limits.MAX_DEPTH:
            raise _YamlLimit(
                None,
                None,
                f"nested more than {limits.MAX_DEPTH} levels deep, the limit",
                self.peek_event().start_mark,
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._level -= 1
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        shapes = [self._shape[id(child)] for child in children]
        collection = not isinstance(node, yaml.ScalarNode)
        depth = 1 + max((d for _, d in shapes), default=0) if collection else 0
        if depth > limits.MAX_DEPTH:
            raise _YamlLimit(
                None,
                None,
                f"nested more than {limits.MAX_DEPTH} levels deep, the limit",
                node.start_mark,
            )
        self._shape[id(node)] = (1 + sum(s for s, _ in shapes), depth)
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise _YamlLimit(
                        None,
                        None,
                        f"the key {shown(key_node.value)} is given twice in one mapping; keep one",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        """A date or time; one that is no real day stays text, for the date check to name."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return str(self.construct_scalar(node))

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError as exc:  # e.g. more digits than Python converts
            raise _YamlLimit(None, None, f"not a usable number: {exc}", node.start_mark) from None


_BoundedSafeLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedSafeLoader.construct_yaml_timestamp
)
_BoundedSafeLoader.add_constructor("tag:yaml.org,2002:int", _BoundedSafeLoader.construct_yaml_int)


def parse_yaml(name: str, text: str) -> Any:
    """One YAML document, read safely within the limits, or a LoadError naming the line."""
    loader: _BoundedSafeLoader | None = None
    try:
        loader = _BoundedSafeLoader(text)  # it checks the characters at once
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if isinstance(exc, yaml.reader.ReaderError):
            line = text[: exc.position].count("\n") + 1
            raise _fail(
                name, f"line {line}", f"not valid YAML: {exc.reason} ({exc.character:#x})"
            ) from None
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise _fail(name, where, f"not valid YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()


# -- the formats ----------------------------------------------------------------------


def _read_yaml(name: str, path: Path) -> Iterator[RawRecord]:
    text = document_text(name, path, limits.MAX_YAML_BYTES)
    yield from _read_document(name, parse_yaml(name, text))


def _read_json(name: str, path: Path) -> Iterator[RawRecord]:
    text = document_text(name, path)
    yield from _read_document(name, parse_json(name, "file", text))


def _read_document(name: str, document: Any) -> Iterator[RawRecord]:
    if not isinstance(document, dict):
        raise _fail(name, "file", "expected a mapping with 'entities' and 'links' lists")
    unknown = sorted((key for key in document if key not in _DOCUMENT_KEYS), key=str)
    if unknown:
        raise LoadError(
            [
                Problem(
                    name,
                    "file",
                    str(key),
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
        return f"{where} (id {shown(item['id'])})"
    source, type_, target = item.get("source"), item.get("type"), item.get("target")
    if (
        type(source) is str
        and type(type_) is str
        and type(target) is str
        and len(source) <= 60
        and len(type_) <= 60
        and len(target) <= 60
    ):  # the usual link, said without building lists (this runs once per record)
        return f"{where} ({source} -{type_}-> {target})"
    if {"source", "type", "target"} <= set(item):
        ends = [item[k] for k in ("source", "type", "target")]
        ends = [e if isinstance(e, str) and len(e) <= 60 else shown(e) for e in ends]
        return f"{where} ({ends[0]} -{ends[1]}-> {ends[2]})"
    return where


def _read_jsonl(name: str, path: Path) -> Iterator[RawRecord]:
    problems: list[Problem] = []
    seen_any = False
    with _open(name, path) as handle:
        for number, line, raw in _checked_lines(name, handle):
            if not line.strip():
                continue
            seen_any = True
            where = f"line {number}"
            try:
                # the line's bytes (checked as UTF-8 by _lines): orjson reads them as they are,
                # not a str encoded again
                item = parse_json(name, where, raw)
            except LoadError as exc:
                problems.extend(exc.problems)
                continue
            if not isinstance(item, dict):
                problems.append(Problem(name, where, None, "expected a JSON object"))
            elif {"source", "type", "target"} <= set(item):
                yield RawRecord(name, _describe(where, item), "link", item)
            elif "kind" in item:
                yield RawRecord(name, _describe(where, item), "entity", item)
            else:
                problems.append(
                    Problem(
                        name,
                        where,
                        None,
                        "neither an entity (it has no 'kind') nor a link "
                        "(it lacks 'source', 'type' or 'target')",
                    )
                )
    if not seen_any:
        problems.append(Problem(name, "file", None, "the file is empty"))
    if problems:
        raise LoadError(problems)


_CSV_COLUMNS: dict[Section, frozenset[str]] = {
    "entity": frozenset(Entity.model_fields),
    "link": frozenset(Link.model_fields),
}


def _read_csv(name: str, path: Path) -> Iterator[RawRecord]:
    csv.field_size_limit(limits.MAX_CSV_CELL_CHARS)
    problems: list[Problem] = []
    with _open(name, path) as handle:
        rows = csv.reader((text for _, text in _lines(name, handle)), strict=True)
        header = _csv_header(name, rows)
        section: Section = "link" if {"source", "type", "target"} <= set(header) else "entity"
        number = 1
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                number += 1
                problems.append(Problem(name, f"row {number}", None, _csv_message(exc)))
                continue
            number += 1
            if not row or row == [""]:
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(
                        name,
                        f"row {number}",
                        None,
                        f"{len(row)} cells, but the header has {len(header)} columns",
                    )
                )
                continue
            item = _csv_item(dict(zip(header, row, strict=True)))
            yield RawRecord(name, _describe(f"row {number}", item), section, item)
    if problems:
        raise LoadError(problems)


def _csv_message(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {limits.MAX_CSV_CELL_CHARS:,} characters, the limit"
    return f"not valid CSV: {text}"


def _csv_header(name: str, rows: Iterator[list[str]]) -> list[str]:
    """The header's column names, each a field of the records the file holds, each once."""
    try:
        header = [column.strip() for column in next(rows)]
    except StopIteration:
        raise _fail(name, "file", "the file is empty") from None
    except csv.Error as exc:
        raise _fail(name, "header", _csv_message(exc)) from None
    columns = set(header)
    if {"source", "type", "target"} <= columns:
        section: Section = "link"
    elif {"id", "kind"} <= columns:
        section = "entity"
    else:
        raise _fail(
            name,
            "header",
            "a CSV file holds entities (columns id, kind, name, ...) or links "
            "(columns source, type, target, grading, sources, ...)",
        )
    problems = []
    allowed = _CSV_COLUMNS[section]
    for position, column in enumerate(header, start=1):
        if column not in allowed:
            problems.append(
                Problem(
                    name,
                    "header",
                    column or f"column {position}",
                    f"unknown column for {'a links' if section == 'link' else 'an entities'} file; "
                    "its columns are: " + ", ".join(sorted(allowed)),
                )
            )
        elif header.index(column) != position - 1:
            problems.append(Problem(name, "header", column, "the column is given twice"))
    if problems:
        raise LoadError(problems)
    return header


def _csv_item(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key, value in row.items():
        if value.strip() == "":
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


def _read_stix(name: str, path: Path) -> Iterator[RawRecord]:
    from statecrime.loaders.stix import read_stix

    text = document_text(name, path)
    # limits and duplicate keys checked, and the value parsed once for the STIX reader
    yield from read_stix(name, text, parse_json(name, "file", text))


def _read_misp(name: str, path: Path) -> Iterator[RawRecord]:
    from statecrime.loaders.misp import read_misp

    text = document_text(name, path)
    parse_json(name, "file", text)  # limits and duplicate keys, before the galaxy reader parses
    yield from read_misp(name, text)


def _read_ftm(name: str, path: Path) -> Iterator[RawRecord]:
    try:
        from statecrime.loaders.ftm import read_ftm
    except ImportError as exc:
        raise _fail(
            name,
            "file",
            f"reading FollowTheMoney needs the ftm extra: pip install 'statecrime[ftm]' ({exc})",
        ) from exc
    text = document_text(name, path)
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                parse_json(name, f"line {number}", line)
            except LoadError as exc:
                problems.extend(exc.problems)
    if problems:
        raise LoadError(problems)
    yield from read_ftm(name, text)


_EXAMPLE_DOCUMENT = {
    "sources": [
        {"id": "src-example", "publisher": "HM Treasury", "title": "A notice", "date": "2024-10-01"}
    ],
    "entities": [
        {"id": "ex-state", "kind": "State", "name": "Example State", "country": "RU"},
        {"id": "ex-agency", "kind": "StateAgency", "name": "Example Agency", "country": "RU"},
    ],
    "links": [
        {
            "source": "ex-agency",
            "type": "PART_OF",
            "target": "ex-state",
            "grading": "A1",
            "sources": ["src-example"],
            "since": "2019-12",
        }
    ],
}


def _example_yaml() -> str:
    return yaml.safe_dump(_EXAMPLE_DOCUMENT, sort_keys=False)


def _example_jsonl() -> str:
    rows = [*_EXAMPLE_DOCUMENT["entities"], *_EXAMPLE_DOCUMENT["links"]]
    rows.insert(0, {"kind": domain.SOURCE_KIND, **_EXAMPLE_DOCUMENT["sources"][0]})
    return "".join(json.dumps(row) + "\n" for row in rows)


_EXAMPLE_CSV = (
    "id,kind,name,country,aliases,identifiers\n"
    "ex-state,State,Example State,RU,ES;Example,wikidata:Q1\n"
    'ex-agency,StateAgency,"Example Agency, the",RU,,\n'
)

_EXAMPLE_STIX = json.dumps(
    {
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {
                "type": "intrusion-set",
                "spec_version": "2.1",
                "id": "intrusion-set--8b1d3a7c-1111-4a4a-9d9d-000000000001",
                "created": "2024-01-01T00:00:00.000Z",
                "modified": "2024-01-01T00:00:00.000Z",
                "name": "Example Set",
            }
        ],
    },
    indent=1,
)

_EXAMPLE_MISP = json.dumps(
    {
        "name": "Threat Actor",
        "type": "threat-actor",
        "source": "MISP Project",
        "version": 1,
        "uuid": "7cdff317-a673-4474-84ec-4f1754947823",
        "values": [
            {
                "value": "Example Crew",
                "uuid": "0d5c8a2e-1f7c-4a0e-9a53-0b5b8a4d2c11",
                "description": "An example actor.",
                "meta": {
                    "country": "KP",
                    "synonyms": ["Example Team"],
                    "cfr-suspected-state-sponsor": "North Korea",
                },
            }
        ],
    },
    indent=1,
)
_EXAMPLE_FTM = (
    json.dumps(
        {
            "id": "ex-company",
            "schema": "Company",
            "properties": {"name": ["Example Holdings"], "country": ["ru"]},
            "first_seen": "2023-02-01T00:00:00",
            "last_seen": "2024-01-15T00:00:00",
        }
    )
    + "\n"
)

register(Reader("yaml", _read_yaml, _example_yaml(), (".yaml", ".yml")))
register(Reader("json", _read_json, json.dumps(_EXAMPLE_DOCUMENT, indent=1), (".json",)))
register(Reader("jsonl", _read_jsonl, _example_jsonl(), (".jsonl",)))
register(Reader("csv", _read_csv, _EXAMPLE_CSV, (".csv",)))
register(Reader("stix", _read_stix, _EXAMPLE_STIX))
register(Reader("ftm", _read_ftm, _EXAMPLE_FTM, extra="ftm"))
register(Reader("misp-galaxy", _read_misp, _EXAMPLE_MISP))

FORMATS = tuple(READERS)
"""Every format name ``--from`` takes, in registration order."""
