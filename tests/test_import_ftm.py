"""FollowTheMoney import: the records the reader maps FtM entities to, and a real load.

The fixtures under ``tests/data/ftm/`` are hand-written FtM JSON lines with
invented names (see their README). The first tests check the native records
``read_ftm`` yields, since the mapping is the reader's whole job; the
end-to-end test then runs them through the common checks and writes them to
the real embedded store, as ``statecrime load --from ftm`` will once the reader
is wired into ``read_file``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from statecrime.graph import domain
from statecrime.graph.store import Store
from statecrime.loaders.ftm import EDGE_RELATIONS, GRADING, map_id, read_ftm
from statecrime.loaders.load import check_records
from statecrime.loaders.problems import LoadError
from statecrime.loaders.readers import RawRecord
from tests.support.raw_records import entities_by_id, links_by_key

DATA = Path(__file__).resolve().parent / "data" / "ftm"
CURATED_STATES = Path(__file__).resolve().parent.parent / "data" / "curated" / "states.yaml"


def read(name: str) -> list[RawRecord]:
    path = DATA / name
    return list(read_ftm(str(path), path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def network() -> list[RawRecord]:
    return read("network.ftm.json")


def test_edge_relations_follow_the_domain_hints() -> None:
    for relation in domain.RELATIONS.values():
        if relation.ftm and relation.ftm != "Membership":  # Membership: hinted twice, decided
            assert EDGE_RELATIONS[relation.ftm] == relation.name
    assert EDGE_RELATIONS["Membership"] == "MEMBER_OF"
    assert EDGE_RELATIONS["Directorship"] == "MEMBER_OF"
    assert EDGE_RELATIONS["Family"] == "LINKED_TO"


def test_persons_take_roles_from_topics_only(network: list[RawRecord]) -> None:
    by_id = entities_by_id(network)
    oligarch = by_id["NK-test-ivanov"]
    assert oligarch["kind"] == "Person"
    assert oligarch["roles"] == ["oligarch"]
    assert oligarch["country"] == "RU"  # "suhh" (the Soviet Union) is not ISO: skipped
    assert oligarch["aliases"] == ["I. Exampleov", "Vanya X"]
    assert oligarch["identifiers"] == {"opensanctions": "NK-test-ivanov", "wikidata": "Q99999991"}
    assert oligarch["description"] == "Invented oligarch for tests."
    assert by_id["NK-test-petrova"]["roles"] == ["criminal", "officer"]
    assert "roles" not in by_id["NK-test-nobody"]  # no topic says anything
    fixer = by_id[map_id("test person/9")]
    assert "roles" not in fixer  # role.lawyer does not make an enabler
    assert fixer["id"].startswith("ftm-") and fixer["identifiers"] == {"ftm": "test person/9"}


def test_organisations_take_their_kind_from_topics(network: list[RawRecord]) -> None:
    by_id = entities_by_id(network)
    assert by_id["NK-test-crew"]["kind"] == "CybercrimeGroup"
    assert by_id["NK-test-crew"]["aliases"] == ["ExampleLocker Gang"]
    assert by_id["NK-test-agency"]["kind"] == "StateAgency"
    assert by_id["NK-test-office"]["kind"] == "Location"
    assert by_id["NK-test-office"]["name"] == "1 Example Street, Nicosia"
    assert "NK-test-yacht" not in by_id  # a Vessel has no kind here


def test_company_fragments_merge(network: list[RawRecord]) -> None:
    company = entities_by_id(network)["NK-test-holdings"]
    assert company["kind"] == "Company"
    assert company["name"] == "Example Holdings Ltd"
    assert set(company["aliases"]) == {"EHL", "Example Trading Ltd"}
    assert company["country"] == "CY"
    assert company["identifiers"]["registrationNumber"] == "HE000001"
    assert len(company["sources"]) == 2  # one per dataset of its two fragments


def test_sanctioning_states_join_the_curated_states(network: list[RawRecord]) -> None:
    by_id = entities_by_id(network)
    assert by_id["us"] == {"id": "us", "kind": "State", "name": "United States", "country": "US"}
    assert by_id["eu"] == {"id": "eu", "kind": "Organisation", "name": "European Union"}
    assert "id: us\n    kind: State\n    name: United States\n" in CURATED_STATES.read_text()


def test_edges_become_graded_f6_sourced_links(network: list[RawRecord]) -> None:
    by_key = links_by_key(network)
    by_id = entities_by_id(network)
    assert set(by_key) == {
        ("NK-test-ivanov", "OWNS", "NK-test-holdings"),
        ("NK-test-nobody", "MEMBER_OF", "NK-test-holdings"),
        ("NK-test-petrova", "MEMBER_OF", "NK-test-crew"),
        ("NK-test-petrova", "MEMBER_OF", "NK-test-agency"),
        ("NK-test-ivanov", "LINKED_TO", "NK-test-nobody"),
        ("NK-test-ivanov", "LINKED_TO", "NK-test-crew"),
        (map_id("test person/9"), "ENABLES", "NK-test-ivanov"),
        ("NK-test-crew", "SANCTIONED_BY", "us"),
        ("NK-test-ivanov", "SANCTIONED_BY", "eu"),
    }  # nothing to or about the Vessel, nothing for the "zz" sanction
    assert {link["grading"] for link in by_key.values()} == {GRADING} == {"F6"}
    for link in by_key.values():
        assert link["sources"] and all(by_id[s]["kind"] == "Source" for s in link["sources"])

    owns = by_key[("NK-test-ivanov", "OWNS", "NK-test-holdings")]
    assert owns["since"] == "2015-04"
    [owns_source] = [by_id[s] for s in owns["sources"]]
    assert owns_source["publisher"] == "Example Companies Registry"
    assert owns_source["url"] == "https://registry.example.org/HE000001"
    assert owns_source["title"] == "test_registry"
    assert owns_source["date"] == "2020-01-01"

    director = by_key[("NK-test-nobody", "MEMBER_OF", "NK-test-holdings")]
    assert (director["since"], director["until"]) == ("2016-01-10", "2020-12-31")
    assert "Directorship" in director["note"] and "Director" in director["note"]

    odd = by_key[("NK-test-ivanov", "LINKED_TO", "NK-test-crew")]
    assert "OWNS cannot join a Person to a CybercrimeGroup" in odd["note"]


def test_two_sanctions_by_one_state_make_one_link(network: list[RawRecord]) -> None:
    by_id = entities_by_id(network)
    link = links_by_key(network)[("NK-test-crew", "SANCTIONED_BY", "us")]
    assert link["since"] == "2019-12-05"
    assert "until" not in link
    sources = [by_id[s] for s in link["sources"]]
    assert [s["title"] for s in sources] == ["TEST-CYBER2", "TEST-ENTITY-LIST"]
    assert sources[0]["publisher"] == "Example Office of Foreign Assets Control"
    assert sources[0]["url"] == "https://sanctions.example.org/test-cyber2"
    assert {s["sourceType"] for s in sources} == {"sanctions-notice"}
    eu = links_by_key(network)[("NK-test-ivanov", "SANCTIONED_BY", "eu")]
    assert (eu["since"], eu["until"]) == ("2022-03-09", "2025-03-09")


def test_a_file_without_provenance_cites_itself() -> None:
    records = read("bare.ftm.json")
    by_id = entities_by_id(records)
    [source] = [e for e in by_id.values() if e["kind"] == "Source"]
    assert source["publisher"] == "FollowTheMoney file"
    assert source["title"].endswith("bare.ftm.json")
    assert source["date"] == "2024-01-15"  # the latest last_seen
    assert source["sourceType"] == "research"
    [link] = links_by_key(records).values()
    assert link["type"] == "LINKED_TO" and link["sources"] == [source["id"]]
    assert by_id["test-bare-a"]["roles"] == ["official"]


def test_reading_twice_gives_the_same_records() -> None:
    assert read("network.ftm.json") == read("network.ftm.json")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bad-json.ftm.json",
            [
                ("line 2", None, "not valid JSON"),
                ("line 3", "id", "an FtM entity needs an id"),
            ],
        ),
        (
            "bad-schema.ftm.json",
            [("line 2 (test-odd)", "schema", "unknown FollowTheMoney schema 'Spaceship'")],
        ),
    ],
)
def test_bad_lines_are_refused_with_file_and_line(
    name: str, expected: list[tuple[str, str | None, str]]
) -> None:
    with pytest.raises(LoadError) as caught:
        read(name)
    problems = caught.value.problems
    assert [(p.record, p.field) for p in problems] == [(w, f) for w, f, _ in expected]
    for problem, (_, _, message) in zip(problems, expected, strict=True):
        assert problem.file.endswith(name)
        assert message in problem.message


def test_an_edge_to_a_missing_entity_is_refused() -> None:
    records = read("missing-end.ftm.json")
    with pytest.raises(LoadError) as caught:
        check_records(records, lambda ids: {})
    [problem] = caught.value.problems
    assert problem.file.endswith("missing-end.ftm.json")
    assert problem.record.startswith("line 2 (test-own-missing)")
    assert problem.field == "target"
    assert "no entity with id 'test-no-such-company'" in problem.message


def test_load_into_the_store(empty_store: Store) -> None:
    store = empty_store
    batch = check_records(read("network.ftm.json"), lambda ids: {})
    store.write(list(batch.entities.values()), list(batch.links.values()))

    stored = {link.key: link for link in store.all_links()}
    assert set(stored) == set(batch.links)
    sanction = stored[("NK-test-crew", "SANCTIONED_BY", "us")]
    assert sanction.grading == "F6" and sanction.since == "2019-12-05"
    held = store.fetch_entities(["us", "NK-test-crew", "NK-test-ivanov", *sanction.sources])
    assert held["us"].kind == "State" and held["us"].country == "US"
    assert held["NK-test-crew"].kind == "CybercrimeGroup"
    assert held["NK-test-ivanov"].roles == ["oligarch"]
    assert {held[s].title for s in sanction.sources} == {"TEST-CYBER2", "TEST-ENTITY-LIST"}

    # a re-import merges: the same ids, nothing new
    again = check_records(
        read("network.ftm.json"),
        lambda ids: {i: e.kind for i, e in store.fetch_entities(ids).items()},
    )
    assert set(again.entities) == set(batch.entities)
    assert store.fetch_entities(again.entities) == batch.entities


# --- an Aleph-style export without dates ----------------------------------------------


def _undated(**options: object) -> tuple[list[RawRecord], dict[str, int]]:
    from statecrime.loaders import summary

    path = DATA / "aleph-undated.ftm.json"
    with summary.reading(summary.ReadOptions(**options)) as notes:  # type: ignore[arg-type]
        records = list(read_ftm(str(path), path.read_text(encoding="utf-8")))
    return records, notes.skipped[str(path)]


def test_a_file_without_dates_loads_with_undated_sources() -> None:
    records, skipped = _undated()
    check_records(records, lambda ids: {})
    [source] = [r.data for r in records if r.data.get("kind") == "Source"]
    assert source["publisher"] == "FollowTheMoney file"
    assert "date" not in source
    assert skipped == {
        "FtM schema Vessel": 1,
        "FtM property Person:birthDate": 1,
        "FtM property Ownership:percentage": 1,
    }


def test_a_file_without_dates_takes_the_load_date() -> None:
    records, _ = _undated(date="2024-05-01")
    [source] = [r.data for r in records if r.data.get("kind") == "Source"]
    assert source["date"] == "2024-05-01"
