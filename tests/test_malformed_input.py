"""Property-based: whatever a file holds, a load ends cleanly or in problems, never half-done.

For every reader in :data:`statecrime.loaders.readers.READERS` (so also for
readers registered after this test was written), hypothesis breaks the reader's
own example file: cuts it, splices syntax into it, replaces bytes, swaps a value
of its parsed records for an arbitrary one, repeats a key. Each broken file is
loaded on the real embedded store, and the outcome must be a clean load, or a
:class:`LoadError` whose every problem names the file and the record, with the
store exactly as before. Any other exception is a failure.

Bounded so the suite stays fast: a few dozen examples a reader, no deadline (the
embedded store's first write of a session is slow). To search harder, set
``STATECRIME_FUZZ_EXAMPLES`` (say 1000) and run this file alone.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statecrime.graph.dates import DateError, PartialDate
from statecrime.graph.store import Store
from statecrime.loaders.load import check_records, load_paths, read_paths
from statecrime.loaders.problems import LoadError
from statecrime.loaders.readers import READERS, Reader

NAMES = sorted(READERS)
FOLDER = Path(tempfile.mkdtemp(prefix="statecrime-malformed-"))

EXAMPLES = int(os.environ.get("STATECRIME_FUZZ_EXAMPLES", "30"))
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
STORE_BOUNDED = settings(BOUNDED, max_examples=max(12, EXAMPLES // 10))

# JSON values of every type, with the texts that break parsers and stores
TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "2024-13-45",
            "0000",
            '=HYPERLINK("http://x")',
            "\x00",
            "a" * 1_500,
            "'; MATCH (n) DETACH DELETE n //",
            "ru-fsb",
            "State",
            "B2",
        ]
    ),
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
SYNTAX = st.text(alphabet="{}[]\":,'\n\r\t -#&*!|>?%@`\\=;0123456789abcxyz", max_size=12)


def _shape(example: str) -> str:
    """How the example is written, to know how to break its records: json, jsonl, yaml, text."""
    try:
        orjson.loads(example)
        return "json"
    except orjson.JSONDecodeError:
        pass
    lines = [line for line in example.splitlines() if line.strip()]
    try:
        for line in lines:
            orjson.loads(line)
        return "jsonl"
    except orjson.JSONDecodeError:
        pass
    try:
        if isinstance(yaml.safe_load(example), dict):
            return "yaml"
    except yaml.YAMLError:
        pass
    return "text"


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replaced(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replaced(v, rest, new) if i == head else v) for i, v in enumerate(value)]


def _dump(shape: str, value: Any) -> str:
    if shape == "yaml":
        return yaml.safe_dump(value, allow_unicode=True)
    return json.dumps(value, ensure_ascii=False)


@st.composite
def broken_text(draw: st.DrawFn, example: str) -> str:
    """The example with its text cut, spliced, replaced or a line repeated."""
    how = draw(st.sampled_from(["cut", "splice", "replace", "repeat line", "repeat key"]))
    at = draw(st.integers(0, len(example)))
    if how == "cut":
        return example[:at]
    if how == "splice":
        return example[:at] + draw(SYNTAX) + example[at:]
    if how == "replace":
        end = draw(st.integers(at, min(len(example), at + 20)))
        return example[:at] + draw(SYNTAX) + example[end:]
    lines = example.splitlines(keepends=True) or [""]
    index = draw(st.integers(0, len(lines) - 1))
    if how == "repeat line":
        return "".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])
    # a key repeated inside its own mapping: `"name": "x"` becomes `"name": "x", "name": "x"`
    line = lines[index]
    for separator in ('", "', ", "):
        if separator in line:
            head, _, tail = line.partition(separator)
            first = head.rsplit("{", 1)[-1].rsplit(",", 1)[-1]
            lines[index] = f"{head}{separator}{tail}".replace(first, f"{first}, {first.strip()}", 1)
            break
    return "".join(lines)


@st.composite
def broken_records(draw: st.DrawFn, example: str) -> str:
    """The example with one value of its parsed records (a field, a list, a record, the
    whole document) replaced by an arbitrary JSON value."""
    shape = _shape(example)
    if shape == "text":
        return draw(broken_text(example))
    if shape == "jsonl":
        lines = [line for line in example.splitlines() if line.strip()]
        index = draw(st.integers(0, len(lines) - 1))
        record = orjson.loads(lines[index])
        path = draw(st.sampled_from(list(_nodes(record))))
        lines[index] = _dump("json", _replaced(record, path, draw(VALUES)))
        return "\n".join(lines) + "\n"
    document = orjson.loads(example) if shape == "json" else yaml.safe_load(example)
    path = draw(st.sampled_from(list(_nodes(document))))
    return _dump(shape, _replaced(document, path, draw(VALUES)))


def _write(reader: Reader, content: str | bytes) -> Path:
    path = FOLDER / f"case-{reader.name}{(reader.extensions or ('.txt',))[0]}"
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    else:
        path.write_bytes(content)
    return path


def _problems_name_the_file(exc: LoadError, path: Path) -> None:
    assert exc.problems, "a LoadError must say why"
    for problem in exc.problems:
        assert problem.file == str(path), problem
        assert problem.record and problem.message, problem


def _outcome_without_store(reader: Reader, content: str | bytes) -> None:
    path = _write(reader, content)
    try:
        check_records(read_paths([path], reader.name), lambda ids: {})
    except LoadError as exc:
        _problems_name_the_file(exc, path)


def _outcome_on_store(store: Store, reader: Reader, content: str | bytes) -> None:
    path = _write(reader, content)
    before = store.counts()
    try:
        load_paths(store, [path], reader.name)
    except LoadError as exc:
        _problems_name_the_file(exc, path)
        assert store.counts() == before, "a refused load changed the store"


def test_every_reader_has_an_example_that_loads(empty_store: Store) -> None:
    """The examples are the seeds of the tests below, so each must be a clean load."""
    for name in NAMES:
        reader = READERS[name]
        if reader.extra:
            pytest.importorskip({"ftm": "followthemoney"}.get(reader.extra, reader.extra))
        path = _write(reader, reader.example)
        report = load_paths(empty_store, [path], name)
        counted = report.as_dict()
        assert sum(sum(counted[k].values()) for k in ("entities", "sources")) > 0, name  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", NAMES)
@BOUNDED
@given(data=st.data())
def test_broken_text_ends_in_problems_or_a_clean_read(name: str, data: st.DataObject) -> None:
    reader = READERS[name]
    _outcome_without_store(reader, data.draw(broken_text(reader.example)))


@pytest.mark.parametrize("name", NAMES)
@BOUNDED
@given(data=st.data())
def test_broken_records_end_in_problems_or_a_clean_read(name: str, data: st.DataObject) -> None:
    reader = READERS[name]
    _outcome_without_store(reader, data.draw(broken_records(reader.example)))


@pytest.mark.parametrize("name", NAMES)
@BOUNDED
@given(content=st.binary(max_size=200))
def test_arbitrary_bytes_end_in_problems_or_a_clean_read(name: str, content: bytes) -> None:
    _outcome_without_store(READERS[name], content)


@pytest.mark.parametrize("name", NAMES)
@STORE_BOUNDED
@given(data=st.data())
def test_a_broken_file_never_half_loads(name: str, store: Store, data: st.DataObject) -> None:
    """On the real store: a broken file loads whole or not at all (store counts unchanged)."""
    reader = READERS[name]
    strategy = st.one_of(broken_text(reader.example), broken_records(reader.example))
    _outcome_on_store(store, reader, data.draw(strategy))


@BOUNDED
@given(text=st.from_regex(r"\A[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?\Z") | st.text(max_size=12))
def test_a_date_is_a_span_or_a_date_error(text: str) -> None:
    """Every text is a partial date whose span can be worked out, or a DateError."""
    import datetime as dt

    try:
        date = PartialDate.parse(text)
    except DateError:
        return
    first, last = dt.date.fromisoformat(date.first), dt.date.fromisoformat(date.last)
    assert first <= last
