"""STIX 2.1 bundles in: the records the reader maps them to, a load into the real store, bad input.

The bundle under ``tests/data/stix/`` is built with the stix2 library by
:func:`build_bundle` (the test ``test_data_file_is_the_built_bundle`` keeps the two
equal; regenerate with ``python -m tests.test_import_stix``). Names, ids and URLs
are fictional: the file tests the mapping, it asserts no fact about the world.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stix2

from statecrime.graph.model import Entity
from statecrime.graph.store import Store
from statecrime.loaders import readers
from statecrime.loaders.load import check_records
from statecrime.loaders.problems import LoadError
from statecrime.loaders.readers import RawRecord
from statecrime.loaders.stix import credibility, map_relationship, read_stix
from tests.support.raw_records import entities_by_id, links_by_key

DATA = Path(__file__).resolve().parent / "data" / "stix"
BUNDLE_FILE = DATA / "state-unit-bundle.json"

CREATED = "2024-02-01T10:00:00.000Z"
MODIFIED = "2024-02-20T10:00:00.000Z"
PRODUCER = "identity--8b1f1b43-3a8e-4d3c-9d8f-0a0000000001"
UNIT = "threat-actor--8b1f1b43-3a8e-4d3c-9d8f-0a0000000002"
INTRUSION_SET = "intrusion-set--8b1f1b43-3a8e-4d3c-9d8f-0a0000000003"
MINISTRY = "identity--8b1f1b43-3a8e-4d3c-9d8f-0a0000000004"
COUNTRY = "location--8b1f1b43-3a8e-4d3c-9d8f-0a0000000005"
MALWARE = "malware--8b1f1b43-3a8e-4d3c-9d8f-0a0000000006"
ATTRIBUTION = "relationship--8b1f1b43-3a8e-4d3c-9d8f-0a0000000007"
TARGETING = "relationship--8b1f1b43-3a8e-4d3c-9d8f-0a0000000008"
BASING = "relationship--8b1f1b43-3a8e-4d3c-9d8f-0a0000000009"
USING = "relationship--8b1f1b43-3a8e-4d3c-9d8f-0a000000000a"
REPORT = "report--8b1f1b43-3a8e-4d3c-9d8f-0a000000000b"
BUNDLE = "bundle--8b1f1b43-3a8e-4d3c-9d8f-0a000000000c"


def build_bundle() -> stix2.Bundle:
    """A producer's bundle: a state unit, an intrusion set attributed to it, a target, a report."""
    common: dict[str, Any] = {"created": CREATED, "modified": MODIFIED, "created_by_ref": PRODUCER}
    amber = [stix2.TLP_AMBER]
    objects = [
        stix2.Identity(
            id=PRODUCER,
            name="Example CTI Ltd",
            identity_class="organization",
            created=CREATED,
            modified=CREATED,
        ),
        stix2.ThreatActor(
            id=UNIT,
            name="Example State Unit",
            aliases=["Unit X"],
            threat_actor_types=["nation-state"],
            roles=["director"],
            resource_level="government",
            description="A fictional military intelligence unit.",
            external_references=[
                {
                    "source_name": "example-kb",
                    "external_id": "TA-0001",
                    "url": "https://example.org/kb/TA-0001",
                }
            ],
            object_marking_refs=amber,
            **common,
        ),
        stix2.IntrusionSet(
            id=INTRUSION_SET,
            name="Example Intrusion Set",
            aliases=["Example Intrusion Set", "EIS"],
            **common,
        ),
        stix2.Identity(
            id=MINISTRY,
            name="Example Ministry",
            identity_class="organization",
            sectors=["government-national"],
            **common,
        ),
        stix2.Location(id=COUNTRY, name="Exampleland", country="RU", **common),
        stix2.Malware(id=MALWARE, name="ExampleLoader", is_family=True, **common),
        stix2.Relationship(
            id=ATTRIBUTION,
            relationship_type="attributed-to",
            source_ref=INTRUSION_SET,
            target_ref=UNIT,
            confidence=85,
            description="Shared infrastructure and tooling.",
            external_references=[
                {
                    "source_name": "Example CTI Ltd",
                    "description": "Attribution of the Example Intrusion Set",
                    "url": "https://example.org/attribution",
                }
            ],
            object_marking_refs=amber,
            **common,
        ),
        stix2.Relationship(
            id=TARGETING,
            relationship_type="targets",
            source_ref=INTRUSION_SET,
            target_ref=MINISTRY,
            confidence=50,
            start_time="2023-06-01T00:00:00Z",
            **common,
        ),
        stix2.Relationship(
            id=BASING,
            relationship_type="located-at",
            source_ref=UNIT,
            target_ref=COUNTRY,
            **common,
        ),
        stix2.Relationship(
            id=USING,
            relationship_type="uses",
            source_ref=INTRUSION_SET,
            target_ref=MALWARE,
            **common,
        ),
        stix2.Report(
            id=REPORT,
            name="Example Intrusion Set targets a ministry",
            published="2024-03-01T00:00:00Z",
            report_types=["threat-report"],
            object_refs=[INTRUSION_SET, MINISTRY, TARGETING],
            external_references=[
                {"source_name": "Example CTI Ltd", "url": "https://example.org/report"}
            ],
            **common,
        ),
        stix2.TLP_AMBER,
    ]
    return stix2.Bundle(objects=objects, id=BUNDLE)


def records_of(path: Path) -> list[RawRecord]:
    return list(read_stix(str(path), path.read_text(encoding="utf-8")))


def test_data_file_is_the_built_bundle() -> None:
    assert json.loads(BUNDLE_FILE.read_text(encoding="utf-8")) == json.loads(
        build_bundle().serialize()
    )


def test_objects_become_entities_of_the_mapped_kinds() -> None:
    entities = entities_by_id(records_of(BUNDLE_FILE))
    unit = entities[UNIT]
    assert unit["kind"] == "StateAgency"
    assert unit["name"] == "Example State Unit"
    assert unit["aliases"] == ["Unit X"]
    assert unit["description"] == "A fictional military intelligence unit."
    assert unit["identifiers"] == {"stix": [UNIT], "example-kb": ["TA-0001"]}
    assert unit["tlp"] == "AMBER"
    assert entities[INTRUSION_SET]["kind"] == "HackingGroup"
    assert entities[INTRUSION_SET]["aliases"] == ["EIS"]
    assert entities[INTRUSION_SET]["sources"] == [REPORT]
    assert entities[MINISTRY]["kind"] == "Organisation"
    # a country is the state of its ISO code, under the curated id and country name
    assert COUNTRY not in entities
    assert entities["ru"] == {
        "id": "ru",
        "kind": "State",
        "name": "Russia",
        "aliases": ["Exampleland"],
        "country": "RU",
        "identifiers": {"stix": [COUNTRY], "iso-3166": ["RU"]},
    }
    # the producer is a publisher, not a subject; malware is software a group uses
    assert PRODUCER not in entities
    assert entities[MALWARE]["kind"] == "Malware"


def test_report_and_references_become_sources() -> None:
    records = records_of(BUNDLE_FILE)
    entities = entities_by_id(records)
    assert entities[REPORT] == {
        "id": REPORT,
        "kind": "Source",
        "publisher": "Example CTI Ltd",
        "title": "Example Intrusion Set targets a ministry",
        "date": "2024-03-01",
        "url": "https://example.org/report",
    }
    cited = [e for e in entities.values() if e["id"].startswith("src-")]
    by_url = {e.get("url"): e for e in cited}
    attribution = by_url["https://example.org/attribution"]
    assert attribution["publisher"] == "Example CTI Ltd"
    assert attribution["title"] == "Attribution of the Example Intrusion Set"
    # the reference carries no date; the citing relationship's date is not the document's
    assert "date" not in attribution
    assert attribution["tlp"] == "AMBER"  # as restricted as what cites it
    assert by_url["https://example.org/kb/TA-0001"]["title"] == "TA-0001"
    assert entities[UNIT]["sources"] == [by_url["https://example.org/kb/TA-0001"]["id"]]
    bundle = entities[BUNDLE]
    assert bundle["publisher"] == "Example CTI Ltd"
    assert bundle["title"] == BUNDLE_FILE.name
    assert bundle["date"] == "2024-02-20"
    assert bundle["sourceType"] == "research"
    # every record says where in the file it came from
    wheres = {r.data.get("id"): r.where for r in records if r.section == "entity"}
    assert wheres[UNIT] == f"objects[1] ({UNIT})"
    assert wheres[attribution["id"]] == f"objects[6] ({ATTRIBUTION}) external_references[0]"


def test_relationships_become_graded_sourced_links() -> None:
    records = records_of(BUNDLE_FILE)
    links = links_by_key(records)
    assert set(links) == {
        (INTRUSION_SET, "ATTRIBUTED_TO", UNIT),
        (INTRUSION_SET, "TARGETS", MINISTRY),
        (UNIT, "BASED_IN", "ru"),
        (INTRUSION_SET, "USES", MALWARE),
    }
    attributed = links[(INTRUSION_SET, "ATTRIBUTED_TO", UNIT)]
    cited = entities_by_id(records)
    assert attributed["grading"] == "F1"  # confidence 85: confirmed by other sources
    assert attributed["tlp"] == "AMBER"
    assert attributed["note"] == "Shared infrastructure and tooling."
    [source_id] = attributed["sources"]
    assert cited[source_id]["url"] == "https://example.org/attribution"
    targets = links[(INTRUSION_SET, "TARGETS", MINISTRY)]
    assert targets["grading"] == "F3"  # confidence 50: possibly true
    assert targets["sources"] == [REPORT]  # the report lists the relationship
    assert targets["since"] == "2023-06-01"
    based = links[(UNIT, "BASED_IN", "ru")]
    assert based["grading"] == "F6"  # no confidence: cannot be judged
    assert based["sources"] == [BUNDLE]  # nothing else evidences it
    where = {(r.data["source"], r.data["type"]): r.where for r in records if r.section == "link"}
    assert where[(INTRUSION_SET, "ATTRIBUTED_TO")] == f"objects[6] ({ATTRIBUTION})"


def test_bundle_loads_into_the_store(empty_store: Store) -> None:
    batch = check_records(records_of(BUNDLE_FILE), lambda ids: {})
    empty_store.write(list(batch.entities.values()), list(batch.links.values()))
    stored = {link.key: link for link in empty_store.all_links()}
    link = stored[(INTRUSION_SET, "ATTRIBUTED_TO", UNIT)]
    assert link.grading == "F1"
    assert link.tlp == "AMBER"
    ends = empty_store.fetch_entities([INTRUSION_SET, UNIT, *link.sources])
    assert ends[UNIT].kind == "StateAgency"
    assert ends[INTRUSION_SET].kind == "HackingGroup"
    [source] = [ends[s] for s in link.sources]
    assert isinstance(source, Entity)
    assert source.kind == "Source"
    assert source.publisher == "Example CTI Ltd"
    assert source.url == "https://example.org/attribution"
    assert len(stored) == 4
    # importing the same bundle again changes nothing: STIX ids are kept
    again = check_records(records_of(BUNDLE_FILE), lambda ids: {})
    assert again.entities.keys() == batch.entities.keys()
    assert again.links.keys() == batch.links.keys()


@pytest.mark.skipif("stix" not in readers.FORMATS, reason="--from stix is not wired yet")
def test_load_paths_from_stix(empty_store: Store) -> None:
    from statecrime.loaders.load import load_paths

    report = load_paths(empty_store, [BUNDLE_FILE], "stix")
    assert report.links.added == 4
    assert {link.type for link in empty_store.all_links()} == {
        "ATTRIBUTED_TO",
        "TARGETS",
        "BASED_IN",
        "USES",
    }


# --- the mapping rules ----------------------------------------------------------------


def small_bundle(*objects: dict[str, Any]) -> str:
    stamped = [
        {"spec_version": "2.1", "created": CREATED, "modified": CREATED, **o} for o in objects
    ]
    return json.dumps({"type": "bundle", "id": BUNDLE, "objects": stamped})


def actor(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": "threat-actor",
        "id": f"threat-actor--8b1f1b43-3a8e-4d3c-9d8f-1{number:011d}",
        "name": f"Actor {number}",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"threat_actor_types": ["nation-state"]}, "StateAgency"),
        ({"threat_actor_types": ["nation-state", "criminal"]}, "HackingGroup"),
        ({"threat_actor_types": ["nation-state", "criminal"], "roles": ["sponsor"]}, "StateAgency"),
        ({"threat_actor_types": ["crime-syndicate"]}, "OrganisedCrimeGroup"),
        ({"threat_actor_types": ["crime-syndicate"], "labels": ["ransomware"]}, "CybercrimeGroup"),
        ({"threat_actor_types": ["criminal"]}, "CybercrimeGroup"),
        ({"primary_motivation": "personal-gain"}, "CybercrimeGroup"),
        ({"threat_actor_types": ["spy"], "resource_level": "government"}, "HackingGroup"),
        ({"threat_actor_types": ["criminal", "hacker"], "resource_level": "individual"}, "Person"),
    ],
)
def test_threat_actor_kinds(fields: dict[str, Any], kind: str) -> None:
    [record] = read_stix("b.json", small_bundle(actor(1, **fields)))
    assert record.data["kind"] == kind
    if kind == "Person":
        assert record.data["roles"] == ["criminal", "hacker"]


def test_a_reference_scheme_holding_a_colon_is_kept_under_a_name_the_store_keeps() -> None:
    ref = {"source_name": "urn:example-kb", "external_id": "TA-9", "url": "https://example.org/9"}
    records = read_stix("b.json", small_bundle(actor(1, external_references=[ref])))
    [record] = [r for r in records if r.section == "entity" and r.data["kind"] != "Source"]
    assert record.data["identifiers"]["urn-example-kb"] == ["TA-9"]
    Entity.model_validate(record.data)  # refused with the ':' (graph/model.py)


def test_tlp2_markings_and_passive_wording_swap_ends() -> None:
    amber_strict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    state = actor(1, threat_actor_types=["nation-state"])
    group = actor(2, threat_actor_types=["criminal"], object_marking_refs=[amber_strict])
    paid = {
        "type": "relationship",
        "id": "relationship--8b1f1b43-3a8e-4d3c-9d8f-200000000001",
        "relationship_type": "compensated-by",
        "source_ref": group["id"],
        "target_ref": state["id"],
        "confidence": 70,
        "object_marking_refs": [stix2.TLP_GREEN.id, red],
    }
    records = list(read_stix("b.json", small_bundle(state, group, paid)))
    assert (
        entities_by_id(records)[group["id"]]["tlp"] == "AMBER+STRICT"
    )  # a level of its own, never loosened
    [link] = links_by_key(records).values()
    assert (link["source"], link["type"], link["target"]) == (state["id"], "PAYS", group["id"])
    assert link["grading"] == "F2"
    assert link["tlp"] == "RED"  # the most restrictive marking wins


def test_relation_choice_derives_from_the_domain() -> None:
    assert map_relationship("directs", "StateAgency", "CybercrimeGroup").relation == "DIRECTS"
    assert map_relationship("originates-from", "HackingGroup", "State").relation == "BASED_IN"
    assert map_relationship("related-to", "Person", "Company").relation == "LINKED_TO"
    ambiguous = map_relationship("attributed-to", "Person", "CybercrimeGroup")
    assert ambiguous.relation == "LINKED_TO"
    assert "LEADS or MEMBER_OF" in (ambiguous.note or "")
    assert map_relationship("uses", "HackingGroup", "Person").relation == "LINKED_TO"
    assert map_relationship("impersonates", "HackingGroup", "Organisation") is None


def test_confidence_scale_is_the_spec_admiralty_mapping() -> None:
    table = {0: "5", 19: "5", 20: "4", 39: "4", 40: "3", 59: "3", 60: "2", 79: "2", 80: "1"}
    assert {value: credibility(value) for value in table} == table
    assert credibility(100) == "1"
    assert credibility(None) == "6"


# --- bad input ------------------------------------------------------------------------


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LoadError) as caught:
        records_of(path)
    return [str(p) for p in caught.value.problems]


def test_not_json() -> None:
    [problem] = problems_of(DATA / "not-json.json")
    assert "not-json.json: line 1" in problem
    assert "not valid JSON" in problem


def test_not_a_bundle() -> None:
    [problem] = problems_of(DATA / "not-a-bundle.json")
    assert "not-a-bundle.json: file" in problem
    assert "not a STIX bundle" in problem
    assert "'threat-actor'" in problem


def test_relationship_to_a_missing_object() -> None:
    [problem] = problems_of(DATA / "missing-object.json")
    assert "missing-object.json: objects[1] (relationship--" in problem
    assert "field 'target_ref'" in problem
    assert "no object 'identity--8b1f1b43-3a8e-4d3c-9d8f-0a00000000ff' in the bundle" in problem


def test_every_faulty_object_is_named() -> None:
    bad_actor = actor(1, confidence=150)
    no_name = {k: v for k, v in actor(2).items() if k != "name"}
    custom = {
        "type": "x-example-thing",
        "id": "x-example-thing--8b1f1b43-3a8e-4d3c-9d8f-3a0000000001",
    }
    rel = {
        "type": "relationship",
        "id": "relationship--8b1f1b43-3a8e-4d3c-9d8f-3a0000000002",
        "relationship_type": "related-to",
        "source_ref": bad_actor["id"],
        "target_ref": custom["id"],
    }
    with pytest.raises(LoadError) as caught:
        list(read_stix("b.json", small_bundle(bad_actor, no_name, custom, rel)))
    problems = [str(p) for p in caught.value.problems]
    assert any("objects[0]" in p and "'confidence'" in p and "0-100" in p for p in problems)
    assert any("objects[1]" in p and "name" in p for p in problems)
    # a custom object and a relationship to it are skipped, not faults
    assert len(problems) == 2


def test_faulty_references_are_still_named_by_stix2() -> None:
    """References are checked without stix2 only when plain; a faulty one stix2 still names."""
    plain = actor(3, external_references=[{"source_name": "x", "url": "https://example.org/a"}])
    no_source = actor(4, external_references=[{"url": "https://example.org/b"}])
    nothing = actor(5, external_references=[{"source_name": "x"}])
    hashed = actor(
        6,
        external_references=[
            {"source_name": "x", "url": "https://example.org/c", "hashes": {"NOPE": "00"}}
        ],
    )
    with pytest.raises(LoadError) as caught:
        list(read_stix("r.json", small_bundle(plain, no_source, nothing, hashed)))
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 3, problems
    assert not any("objects[0]" in p for p in problems)
    assert any("objects[1]" in p and "(source_name)" in p for p in problems)
    assert any("objects[2]" in p and "At least one of" in p for p in problems)
    assert any("objects[3]" in p and "hash-algorithm-ov" in p for p in problems)


def test_duplicate_key_is_found_past_quoted_marks(tmp_path: Path) -> None:
    """Prose quoting ``"x": y`` inside a string is no key; a repeated key is still refused."""
    quoting = actor(7, description='ATT&CK writes "name": value in its prose')
    good = tmp_path / "good.json"
    good.write_text(small_bundle(quoting), encoding="utf-8")
    assert [r.data["name"] for r in readers.read_file(good, "stix")] == ["Actor 7"]
    text = small_bundle(quoting).replace('"name": "Actor 7"', '"name": "Actor 7", "name": "B"')
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match="a key is given twice") as caught:
        list(readers.read_file(bad, "stix"))
    assert "field 'name'" in str(caught.value.problems[0])


def test_stix_3_is_refused() -> None:
    text = json.dumps({"type": "bundle", "id": BUNDLE, "spec_version": "3.0", "objects": []})
    with pytest.raises(LoadError, match=r"only STIX 2\.0 and 2\.1 are read"):
        list(read_stix("new.json", text))


if __name__ == "__main__":
    BUNDLE_FILE.write_text(build_bundle().serialize(pretty=True) + "\n", encoding="utf-8")
