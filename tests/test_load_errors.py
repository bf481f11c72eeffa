"""Bad input is refused with the file, the record and the field named, and nothing is written.

Each case writes a file that is valid but for one fault, next to a valid file
loaded in the same call, and checks the message and that the store is untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.loaders.problems import LoadError

VALID = """
sources:
  - {id: src-1, publisher: HM Treasury, title: A notice, date: 2024-10-01}
entities:
  - {id: ru, kind: State, name: Russia, country: RU}
  - {id: ru-fsb, kind: StateAgency, name: Federal Security Service, country: RU}
  - {id: grp, kind: CybercrimeGroup, name: A group, country: RU}
links:
  - {source: ru-fsb, type: PART_OF, target: ru, grading: A1, sources: [src-1]}
"""

CASES = {
    "missing required field": (
        "entities:\n  - {id: x1, kind: Person}\n",
        ["bad.yaml", "entities[0] (id 'x1')", "field 'name'", "required field is missing"],
    ),
    "unknown relation type": (
        "links:\n  - {source: ru-fsb, type: BRIBES, target: grp, grading: B2, sources: [src-1]}\n",
        ["links[0] (ru-fsb -BRIBES-> grp)", "field 'type'", "unknown relation type 'BRIBES'"],
    ),
    "relation joining kinds it may not join": (
        "links:\n  - {source: grp, type: PART_OF, target: ru, grading: B2, sources: [src-1]}\n",
        ["field 'type'", "PART_OF cannot join a CybercrimeGroup to a State"],
    ),
    "link to a missing entity": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: nobody, grading: B2,"
        " sources: [src-1]}\n",
        ["links[0]", "field 'target'", "no entity with id 'nobody'"],
    ),
    "link citing a missing source": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: [src-9]}\n",
        ["field 'sources'", "no source with id 'src-9'"],
    ),
    "link citing an entity as its source": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: [ru]}\n",
        ["field 'sources'", "'ru' is a State, not a Source"],
    ),
    "duplicate id with conflicting kind": (
        "entities:\n  - {id: grp, kind: OrganisedCrimeGroup, name: A group}\n",
        ["entities[0] (id 'grp')", "field 'kind'", "already a CybercrimeGroup"],
    ),
    "invalid grading": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: G7, sources: [src-1]}\n",
        ["field 'grading'", "'G7' is not an Admiralty grading"],
    ),
    "malformed date": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: [src-1],"
        " since: 2019-13}\n",
        ["field 'since'", "'2019-13' is not a valid date"],
    ),
    "until before since": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: [src-1],"
        " since: 2020, until: 2019}\n",
        ["until 2019 is before since 2020"],
    ),
    "link without a source": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: []}\n",
        ["field 'sources'", "at least 1 item"],
    ),
    "field that does not apply to the kind": (
        "entities:\n  - {id: x2, kind: State, name: X, roles: [oligarch]}\n",
        ["field 'roles' does not apply to kind State"],
    ),
    "unknown field": (
        "entities:\n  - {id: x3, kind: State, name: X, colour: red}\n",
        ["field 'colour'", "unknown field"],
    ),
    "bad country code": (
        "entities:\n  - {id: x4, kind: State, name: X, country: Russia}\n",
        ["field 'country'", "ISO 3166-1 alpha-2"],
    ),
    "bad tlp": (
        "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: [src-1],"
        " tlp: PURPLE}\n",
        ["field 'tlp'", "unknown TLP marking 'PURPLE'"],
    ),
    "identifier scheme holding a colon": (
        'entities:\n  - {id: x5, kind: Company, name: X, identifiers: {"urn:lei": "5493"}}\n',
        ["entities[0] (id 'x5')", "field 'identifiers'", "identifier scheme 'urn:lei' holds ':'"],
    ),
    "not yaml": ("entities: [\n", ["bad.yaml", "not valid YAML"]),
    "unknown top-level key": ("entitys: []\n", ["field 'entitys'", "unknown top-level key"]),
    "empty file": ("   \n", ["bad.yaml: file", "the file is empty"]),
}


def _count(store: Store) -> int:
    with store.session() as session:
        return session.run("MATCH (n) RETURN count(n) AS c").single()["c"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_whole(case: str, empty_store: Store, tmp_path: Path) -> None:
    text, expected = CASES[case]
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_paths(empty_store, [good, bad])
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"
    assert _count(empty_store) == 0, "a refused load wrote something"


def test_a_file_that_is_not_utf8_is_named(empty_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("entities:\n  - {id: x, kind: State, name: Côte}\n".encode("latin-1"))
    with pytest.raises(LoadError, match=r"latin1.yaml: line 2: not UTF-8"):
        load_paths(empty_store, [bad])


def test_every_problem_is_reported_at_once(empty_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "many.yaml"
    bad.write_text(
        "entities:\n  - {id: a, kind: Nation, name: A}\n  - {id: b, kind: State}\n"
        "links:\n  - {source: a, type: TASKS, target: b, grading: Z9, sources: [s]}\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        load_paths(empty_store, [bad])
    fields = {(p.record.split(" ")[0], p.field) for p in caught.value.problems}
    assert {("entities[0]", "kind"), ("entities[1]", "name"), ("links[0]", "grading")} <= fields


def test_a_stored_entity_cannot_change_kind(empty_store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    load_paths(empty_store, [good])
    before = _count(empty_store)
    change = tmp_path / "change.yaml"
    change.write_text("entities:\n  - {id: ru-fsb, kind: Company, name: FSB Ltd}\n", "utf-8")
    with pytest.raises(LoadError, match="stored as a StateAgency, not a Company"):
        load_paths(empty_store, [change])
    assert _count(empty_store) == before


def test_one_entity_in_two_files_adds_up_unless_they_disagree(
    empty_store: Store, tmp_path: Path
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    more = tmp_path / "more.yaml"
    more.write_text("entities:\n  - {id: ru, kind: State, name: Russia, aliases: [RF]}\n", "utf-8")
    load_paths(empty_store, [good, more])
    assert empty_store.fetch_entities(["ru"])["ru"].aliases == ["RF"]
    assert empty_store.fetch_entities(["ru"])["ru"].country == "RU"

    clash = tmp_path / "clash.yaml"
    clash.write_text("entities:\n  - {id: grp, kind: CybercrimeGroup, name: Other}\n", "utf-8")
    with pytest.raises(LoadError, match=r"clash.yaml: entities\[0\] \(id 'grp'\), field 'name'"):
        load_paths(empty_store, [good, clash])


def test_one_link_in_two_files_adds_sources_unless_they_disagree(
    empty_store: Store, tmp_path: Path
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    again = tmp_path / "again.yaml"
    again.write_text(
        "sources:\n  - {id: src-2, publisher: NCA, title: Another, date: 2024}\n"
        "links:\n  - {source: ru-fsb, type: PART_OF, target: ru, grading: A1, sources: [src-2],"
        " since: 1995}\n",
        "utf-8",
    )
    load_paths(empty_store, [good, again])
    link = empty_store.fetch_links([("ru-fsb", "PART_OF", "ru")])[("ru-fsb", "PART_OF", "ru")]
    assert (link.sources, link.since) == (["src-1", "src-2"], "1995")

    clash = tmp_path / "clash.yaml"
    clash.write_text(
        "links:\n  - {source: ru-fsb, type: PART_OF, target: ru, grading: B2, sources: [src-1]}\n",
        "utf-8",
    )
    with pytest.raises(
        LoadError, match=r"field 'grading': the link ru-fsb -PART_OF-> ru is given twice"
    ):
        load_paths(empty_store, [good, clash])


# -- inputs that once ended in a traceback, or were silently accepted ----------------------

LINK = "links:\n  - {source: ru-fsb, type: TASKS, target: grp, grading: B2, sources: [src-1]"

# file name -> (text, fragments the refusal must hold); each crashed or was accepted before
HOSTILE = {
    # RecursionError from PyYAML's composer
    "deep.yaml": (
        "entities: " + "[" * 5000 + "]" * 5000 + "\n",
        ["deep.yaml: line 1", "nested more than 64 levels"],
    ),
    "deep-blocks.yaml": (
        "entities:\n" + "".join("  " * i + "- \n" for i in range(2000)),
        ["deep-blocks.yaml: line 65", "nested more than 64 levels"],
    ),
    # billion laughs: nine aliases of nine aliases of ...
    "laughs.yaml": (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        ["laughs.yaml: line", "aliases stand for more than 100,000 values"],
    ),
    "self.yaml": ("entities: &a [*a]\n", ["self.yaml: line 1", "the alias *a refers to itself"]),
    # ValueError from PyYAML's timestamp constructor
    "impossible-date.yaml": (
        LINK + ", since: 2024-13-45}\n",
        ["field 'since'", "'2024-13-45' is not a valid date"],
    ),
    "impossible-day.yaml": (
        LINK + ", until: 2023-02-30}\n",
        ["field 'until'", "day is out of range"],
    ),
    "year-zero.yaml": (LINK + ", since: '0000'}\n", ["field 'since'", "year 0 is out of range"]),
    # ValueError: more digits than Python turns into an int
    "long-number.yaml": (
        "entities:\n  - {id: " + "7" * 5000 + ", kind: State, name: X}\n",
        ["long-number.yaml: line 2", "not a usable number"],
    ),
    # TypeError sorting top-level keys of mixed types
    "int-key.yaml": (
        "1: x\nentitys: []\n",
        ["field '1'", "field 'entitys'", "unknown top-level key"],
    ),
    # last one won
    "duplicate.yaml": (
        "entities:\n  - {id: x9, kind: State, name: A, name: B}\n",
        ["duplicate.yaml: line 2", "the key 'name' is given twice"],
    ),
    "duplicate-top.yaml": (
        "entities: []\nentities: [{id: x9, kind: State, name: A}]\n",
        ["line 2", "the key 'entities' is given twice"],
    ),
    "duplicate.json": (
        '{"entities": [{"id": "x9", "kind": "State", "name": "A", "name": "B"}]}',
        ["duplicate.json: file, field 'name'", "given twice in one object"],
    ),
    "duplicate.jsonl": (
        '{"id": "x9", "kind": "State", "name": "A", "name": "B"}\n',
        ["duplicate.jsonl: line 1, field 'name'", "given twice"],
    ),
    "duplicate-nested.jsonl": (
        '{"id": "x9", "kind": "State", "name": "A", "identifiers": {"w": "1", "w": "2"}}\n',
        ["line 1, field 'w'", "given twice"],
    ),
    # RecursionError from Python's json module in the duplicate check (orjson allows 1024)
    "deep.jsonl": (
        "[" * 1000 + "]" * 1000 + "\n",
        ["deep.jsonl: line 1", "nested more than 64 levels"],
    ),
    "deep.json": (
        '{"entities": ' + "[" * 2000 + "]" * 2000 + "}",
        ["deep.json: line 1", "not valid JSON"],
    ),
    # a commit-time ClientError from the store
    "long-name.jsonl": (
        '{"id": "x9", "kind": "State", "name": "' + "n" * 10_000_000 + '"}\n',
        ["line 1 (id 'x9'), field 'name'", "at most 1000 characters"],
    ),
    "long-id.jsonl": (
        '{"id": "' + "i" * 5_000_000 + '", "kind": "State", "name": "X"}\n',
        ["line 1 (id 'iiii", "more characters)", "field 'id'"],
    ),
    "long-line.jsonl": (
        '{"id": "x9", "kind": "State", "name": "X", "note": "' + "n" * (17 * 1024 * 1024) + '"}\n',
        ["long-line.jsonl: line 1", "longer than 16 MiB"],
    ),
    # _csv.Error: field larger than field limit (131072)
    "long-cell.csv": (
        "id,kind,name,description\nx9,State,X," + "d" * 200_000 + "\n",
        ["row 2 (id 'x9'), field 'description'", "at most 100000 characters"],
    ),
    "huge-cell.csv": (
        "id,kind,name,description\nx9,State,X," + "d" * 2_000_000 + "\n",
        ["huge-cell.csv: row 2", "a cell is longer than 1,048,576 characters"],
    ),
    # extra cells and unknown columns were dropped
    "extra-cell.csv": (
        "id,kind,name\nx9,State,X,surplus\n",
        ["extra-cell.csv: row 2", "4 cells, but the header has 3 columns"],
    ),
    "unknown-column.csv": (
        "id,kind,name,colour\nx9,State,X,red\n",
        ["header, field 'colour'", "unknown column for an entities file"],
    ),
    "unknown-empty-column.csv": (
        "id,kind,name,colour\nx9,State,X,\n",
        ["header, field 'colour'", "unknown column"],
    ),
    "twice-column.csv": (
        "id,kind,name,name\nx9,State,X,Y\n",
        ["header, field 'name'", "the column is given twice"],
    ),
    "bad-quote.csv": ('id,kind,name\nx9,State,"X"Y\n', ["bad-quote.csv: row 2", "not valid CSV"]),
    # the safe loader: no tag builds a Python object
    "python-tag.yaml": (
        "entities: !!python/object/apply:os.system ['echo owned']\n",
        ["python-tag.yaml: line 1", "not valid YAML", "constructor"],
    ),
    "latin1-late.jsonl": (None, ["latin1-late.jsonl: line 2", "not UTF-8"]),
    "empty.jsonl": ("\n\n", ["empty.jsonl: file", "the file is empty"]),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_refused_cleanly(name: str, empty_store: Store, tmp_path: Path) -> None:
    text, expected = HOSTILE[name]
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / name
    if text is None:
        bad.write_bytes(
            b'{"id": "a1", "kind": "State", "name": "A"}\n{"id": "x9", "kind": "State", "name": "C\xf4te"}\n'
        )
    else:
        bad.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_paths(empty_store, [good, bad])
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message[:2000]}"
    assert len(message) < 5000, "a problem line must not carry the whole bad value"
    assert all(p.file.endswith(name) for p in caught.value.problems)
    assert _count(empty_store) == 0, "a refused load wrote something"


def test_fields_at_their_limits_load(empty_store: Store, tmp_path: Path) -> None:
    """The limits refuse the absurd, not the large: a name of 1,000 characters and a
    description of 100,000 load and read back whole."""
    from statecrime.graph.model import LONG_TEXT_CHARS, NAME_CHARS

    path = tmp_path / "large.jsonl"
    record = {
        "id": "big",
        "kind": "State",
        "name": "n" * NAME_CHARS,
        "description": "d" * LONG_TEXT_CHARS,
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    load_paths(empty_store, [path])
    stored = empty_store.fetch_entities(["big"])["big"]
    assert (len(stored.name), len(stored.description or "")) == (NAME_CHARS, LONG_TEXT_CHARS)


def test_yaml_aliases_within_the_limit_still_work(empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        "sources:\n  - {id: src-1, publisher: &pub HM Treasury, title: A notice, date: 2024}\n"
        "  - {id: src-2, publisher: *pub, title: Another, date: 2024}\n"
        "entities:\n  - &state {id: ru, kind: State, name: Russia, country: RU}\n",
        encoding="utf-8",
    )
    load_paths(empty_store, [path])
    assert empty_store.fetch_entities(["src-2"])["src-2"].publisher == "HM Treasury"


def test_many_problems_are_grouped(empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "dates.jsonl"
    lines = [
        {"id": f"s{n}", "kind": "Source", "name": "S", "date": f"2024-13-{n:02d}"}
        for n in range(1, 29)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_paths(empty_store, [path])
    assert len(caught.value.problems) == 28
    message = str(caught.value)
    assert "28 lines, field 'date': '2024-13-01' is not a valid date" in message
    assert "(at line 1 (id 's1'), line 2 (id 's2'), line 3 (id 's3'), ...)" in message
    assert message.count("\n") == 1, message
