"""Records in, store, records back out: equal, evidence included, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statecrime.graph.model import Entity, Link
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from tests.support.stores import wipe

DOCUMENT = {
    "sources": [
        {
            "id": "src-ofac",
            "publisher": "US Treasury",
            "title": "Treasury sanctions a group",
            "date": "2019-12-05",
            "url": "https://example.org/notice",
            "sourceType": "sanctions-notice",
        },
        {
            "id": "src-nca",
            "publisher": "NCA",
            "title": "A speech",
            "date": "2023-07",
            "tlp": "GREEN",
        },
    ],
    "entities": [
        {"id": "ru", "kind": "State", "name": "Russia", "country": "RU"},
        {
            "id": "ru-fsb",
            "kind": "StateAgency",
            "name": "Federal Security Service",
            "aliases": ["FSB", "ФСБ"],
            "country": "RU",
            "topics": ["gov.security"],
            "identifiers": {"wikidata": "Q5"},
        },
        {
            "id": "grp",
            "kind": "CybercrimeGroup",
            "name": 'Evil "Corp" \\ O\'Brien',
            "crimeTypes": ["cyber-theft", "ransomware"],
            "description": "A test group.",
            "sources": ["src-ofac"],
        },
        {
            "id": "cls",
            "kind": "CybercrimeGroup",
            "name": "Groups on its territory",
            "isClass": True,
        },
        {"id": "boss", "kind": "Person", "name": "A Boss", "roles": ["criminal", "hacker"]},
        {
            "id": "inc",
            "kind": "Incident",
            "name": "A theft",
            "date": "2017-05",
            "crimeTypes": ["cyber-theft"],
        },
    ],
    "links": [
        {
            "source": "ru-fsb",
            "type": "PART_OF",
            "target": "ru",
            "grading": "A1",
            "sources": ["src-ofac"],
        },
        {
            "source": "ru-fsb",
            "type": "TASKS",
            "target": "grp",
            "grading": "B2",
            "sources": ["src-ofac", "src-nca"],
            "since": "2017",
            "until": "2019-12-05",
            "note": "Tasked, per the notice.",
            "tlp": "AMBER",
        },
        {
            "source": "ru",
            "type": "TOLERATES",
            "target": "cls",
            "grading": "B2",
            "sources": ["src-nca"],
        },
        {
            "source": "boss",
            "type": "LEADS",
            "target": "grp",
            "grading": "A2",
            "sources": ["src-ofac"],
        },
        {
            "source": "grp",
            "type": "PERPETRATED",
            "target": "inc",
            "grading": "C3",
            "sources": ["src-ofac"],
        },
    ],
}


def expected() -> tuple[list[Entity], list[Link]]:
    entities = [Entity.model_validate({"kind": "Source", **s}) for s in DOCUMENT["sources"]]
    entities += [Entity.model_validate(e) for e in DOCUMENT["entities"]]
    links = [Link.model_validate(link) for link in DOCUMENT["links"]]
    return sorted(entities, key=lambda e: e.id), sorted(links, key=lambda k: k.key)


def stored(store: Store) -> tuple[list[Entity], list[Link]]:
    return sorted(store.all_entities(), key=lambda e: e.id), sorted(
        store.all_links(), key=lambda k: k.key
    )


def test_yaml_round_trip_keeps_every_field(empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "records.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT, allow_unicode=True), encoding="utf-8")
    report = load_paths(empty_store, [path])
    assert (report.entities.added, report.sources.added, report.links.added) == (6, 2, 5)
    assert stored(empty_store) == expected()


def test_loading_twice_changes_nothing(empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    load_paths(empty_store, [path])
    before = stored(empty_store)
    again = load_paths(empty_store, [path])
    assert (again.entities.added, again.entities.updated, again.entities.unchanged) == (0, 0, 6)
    assert (again.links.added, again.links.updated, again.links.unchanged) == (0, 0, 5)
    assert stored(empty_store) == before


def test_loading_a_link_again_adds_its_new_sources(empty_store: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text(yaml.safe_dump(DOCUMENT), encoding="utf-8")
    load_paths(empty_store, [first])
    more = tmp_path / "more.yaml"
    more.write_text(
        yaml.safe_dump(
            {
                "links": [
                    {
                        "source": "ru-fsb",
                        "type": "PART_OF",
                        "target": "ru",
                        "grading": "A1",
                        "sources": [
                            "src-nca",
                            {
                                "publisher": "NCSC",
                                "title": "An advisory",
                                "date": "2020-01-02",
                                "url": "https://example.org/advisory",
                            },
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    report = load_paths(empty_store, [more])
    assert (report.links.updated, report.sources.added) == (1, 1)
    link = empty_store.fetch_links([("ru-fsb", "PART_OF", "ru")])[("ru-fsb", "PART_OF", "ru")]
    assert link.sources[:2] == ["src-ofac", "src-nca"] and len(link.sources) == 3
    inline = empty_store.fetch_entities([link.sources[2]])[link.sources[2]]
    assert (inline.kind, inline.publisher, inline.title) == ("Source", "NCSC", "An advisory")


def test_jsonl_and_csv_load_the_same_graph(empty_store: Store, tmp_path: Path) -> None:
    lines = (
        [{"kind": "Source", **s} for s in DOCUMENT["sources"]]
        + DOCUMENT["entities"]
        + DOCUMENT["links"]
    )
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    load_paths(empty_store, [jsonl])
    from_jsonl = stored(empty_store)
    assert from_jsonl == expected()

    wipe(empty_store)
    entities_csv = tmp_path / "entities.csv"
    entities_csv.write_text(
        "id,kind,name,aliases,country,topics,identifiers,isClass,publisher,title,date,url,sourceType,roles,crimeTypes,description,sources,tlp\n"
        "src-ofac,Source,,,,,,,US Treasury,Treasury sanctions a group,2019-12-05,https://example.org/notice,sanctions-notice,,,,,\n"
        "src-nca,Source,,,,,,,NCA,A speech,2023-07,,,,,,,GREEN\n"
        "ru,State,Russia,,RU,,,,,,,,,,,,,\n"
        "ru-fsb,StateAgency,Federal Security Service,FSB;ФСБ,RU,gov.security,wikidata:Q5,,,,,,,,,,,\n"
        'grp,CybercrimeGroup,"Evil ""Corp"" \\ O\'Brien",,,,,,,,,,,,cyber-theft;ransomware,A test group.,src-ofac,\n'
        "cls,CybercrimeGroup,Groups on its territory,,,,,true,,,,,,,,,,\n"
        "boss,Person,A Boss,,,,,,,,,,,criminal;hacker,,,,\n"
        "inc,Incident,A theft,,,,,,,,2017-05,,,,cyber-theft,,,\n",
        encoding="utf-8",
    )
    links_csv = tmp_path / "links.csv"
    links_csv.write_text(
        "source,type,target,grading,sources,since,until,note,tlp\n"
        "ru-fsb,PART_OF,ru,A1,src-ofac,,,,\n"
        'ru-fsb,TASKS,grp,B2,src-ofac;src-nca,2017,2019-12-05,"Tasked, per the notice.",AMBER\n'
        "ru,TOLERATES,cls,B2,src-nca,,,,\n"
        "boss,LEADS,grp,A2,src-ofac,,,,\n"
        "grp,PERPETRATED,inc,C3,src-ofac,,,,\n",
        encoding="utf-8",
    )
    load_paths(empty_store, [entities_csv, links_csv])
    assert stored(empty_store) == from_jsonl


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s != "")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=names,
    aliases=st.lists(names, max_size=3, unique=True),
    grading=st.sampled_from(["A1", "B2", "C3", "F6"]),
)
def test_any_text_survives_the_store(
    empty_store: Store, tmp_path: Path, name: str, aliases: list[str], grading: str
) -> None:
    wipe(empty_store)
    document = {
        "sources": [{"id": "s", "publisher": name, "title": name, "date": "2020"}],
        "entities": [
            {"id": "a", "kind": "Person", "name": name, "aliases": aliases},
            {"id": "b", "kind": "OrganisedCrimeGroup", "name": "B"},
        ],
        "links": [
            {
                "source": "a",
                "type": "MEMBER_OF",
                "target": "b",
                "grading": grading,
                "sources": ["s"],
                "note": name,
            }
        ],
    }
    path = tmp_path / "any.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    load_paths(empty_store, [path])
    entity = empty_store.fetch_entities(["a"])["a"]
    assert (entity.name, entity.aliases) == (name, aliases)
    assert empty_store.all_links()[0].note == name
