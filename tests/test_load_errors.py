"""Bad input is refused with the file, the record and the field named, and nothing is written.

Each case writes a file that is valid but for one fault, next to a valid file
loaded in the same call, and checks the message and that the store is untouched.
"""

from __future__ import annotations

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
    with pytest.raises(LoadError, match=r"field 'grading': the link ru-fsb -PART_OF-> ru is given twice"):
        load_paths(empty_store, [good, clash])
