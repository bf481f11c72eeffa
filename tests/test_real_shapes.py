"""Published formats as they come: ATT&CK-shaped STIX 2.1 and 2.0, the real MISP galaxies.

The bundles under ``tests/data/stix/attack-shaped-*.json`` are written by the
project in the shape of MITRE's (custom ``x-mitre-*`` objects and relationships
to them, alias references, citation markup, deprecated and revoked objects);
apart from Lazarus Group's public ATT&CK id (G0032) and two public reports, the
names and ids are fictional. The MISP tests read the galaxies the pinned
``pymispgalaxies`` release ships.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from statecrime.loaders import summary
from statecrime.loaders.load import check_records
from statecrime.loaders.misp import galaxy_path, read_misp, state_code
from statecrime.loaders.problems import LoadError
from statecrime.loaders.readers import RawRecord
from statecrime.loaders.stix import cited_date, clean_text, read_stix
from tests.support.raw_records import entities_by_id, links_by_key

DATA = Path(__file__).resolve().parent / "data" / "stix"
ATTACK_21 = DATA / "attack-shaped-2.1.json"
ATTACK_20 = DATA / "attack-shaped-2.0.json"
LAZARUS = "intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a"
DEPRECATED = "intrusion-set--8b1f1b43-3a8e-4d3c-9d8f-500000000001"
REVOKED = "intrusion-set--8b1f1b43-3a8e-4d3c-9d8f-500000000002"
RAT = "malware--8b1f1b43-3a8e-4d3c-9d8f-500000000004"
TOOL = "tool--8b1f1b43-3a8e-4d3c-9d8f-500000000005"
CAMPAIGN = "campaign--8b1f1b43-3a8e-4d3c-9d8f-500000000009"


def read(path: Path, **options: Any) -> tuple[list[RawRecord], dict[str, int]]:
    with summary.reading(summary.ReadOptions(**options)) as notes:
        records = list(read_stix(str(path), path.read_text(encoding="utf-8")))
    return records, notes.skipped.get(str(path), {})


def test_attack_bundle_loads_and_says_what_it_skipped() -> None:
    records, skipped = read(ATTACK_21)
    check_records(records, lambda ids: {})  # every record passes the common checks
    assert skipped == {
        "object attack-pattern": 1,
        "object identity": 1,
        "object marking-definition": 1,
        "object x-mitre-data-component (custom)": 1,
        "object x-mitre-tactic (custom)": 1,
        "relationship detects to a custom object (x-mitre-data-component -> attack-pattern)": 1,
        "relationship revoked-by (intrusion-set -> intrusion-set)": 1,
        "relationship uses (intrusion-set -> attack-pattern)": 1,
        "relationship uses (malware -> attack-pattern)": 1,
        "revoked objects": 1,
    }


def test_strict_refuses_what_it_would_skip() -> None:
    with pytest.raises(LoadError) as caught:
        read(ATTACK_21, strict=True)
    problems = [str(p) for p in caught.value.problems]
    assert any("--strict: 1 object x-mitre-tactic (custom) not imported" in p for p in problems)
    assert len(problems) == 10


def test_groups_software_and_uses() -> None:
    records, _ = read(ATTACK_21)
    found = entities_by_id(records)
    lazarus = found[LAZARUS]
    assert lazarus["kind"] == "HackingGroup"
    # alias references are aliases, never Sources; the STIX and ATT&CK ids are identifiers
    assert lazarus["aliases"] == ["Labyrinth Chollima", "HIDDEN COBRA"]
    assert lazarus["identifiers"] == {"stix": [LAZARUS], "mitre-attack": ["G0032"]}
    assert not any(
        e.get("publisher") in ("Labyrinth Chollima", "HIDDEN COBRA") for e in found.values()
    )
    # citation markup and markdown links are cleaned from the text
    assert lazarus["description"] == (
        "Lazarus Group is a North Korean state-sponsored cyber threat group. "
        "It is tracked as Labyrinth Chollima by some."
    )
    assert found[RAT]["kind"] == "Malware"
    assert found[TOOL]["kind"] == "Tool"
    assert found[DEPRECATED]["deprecated"] is True
    assert "deprecated" not in lazarus
    assert REVOKED not in found
    made = links_by_key(records)
    assert (LAZARUS, "USES", RAT) in made
    assert (LAZARUS, "USES", TOOL) in made
    assert (CAMPAIGN, "ATTRIBUTED_TO", LAZARUS) in made
    assert found[CAMPAIGN]["kind"] == "Incident"
    assert (CAMPAIGN, "USES", TOOL) in made  # campaign-uses-software, as ATT&CK publishes it
    assert made[(LAZARUS, "USES", RAT)]["note"] == "Lazarus Group has used ExampleRAT."


def test_sources_carry_their_own_date_or_none() -> None:
    found = entities_by_id(read(ATTACK_21)[0])
    by_url = {e.get("url"): e for e in found.values() if e["kind"] == "Source"}
    blockbuster = by_url[
        "https://www.operationblockbuster.com/wp-content/uploads/2016/02/Operation-Blockbuster-Report.pdf"
    ]
    assert blockbuster["date"] == "2016-02-24"  # the date the citation carries
    assert blockbuster["publisher"] == "Novetta Threat Research Group"
    assert (
        blockbuster["title"]
        == "Operation Blockbuster: Unraveling the Long Thread of the Sony Attack"
    )
    assert by_url["https://example.org/exampleRAT"]["date"] == "2021"
    page = by_url["https://attack.mitre.org/groups/G0032"]
    assert "date" not in page  # never the citing object's created date
    assert page["publisher"] == "MITRE ATT&CK"
    assert page["title"] == "G0032: Lazarus Group"


def test_stix_20_as_mitre_cti_publishes_it() -> None:
    records, skipped = read(ATTACK_20)
    check_records(records, lambda ids: {})
    found = entities_by_id(records)
    group = found["intrusion-set--8b1f1b43-3a8e-4d3c-9d8f-500000000020"]
    assert group["aliases"] == ["E20"]
    assert group["identifiers"]["mitre-attack"] == ["G9920"]
    loader = found["malware--8b1f1b43-3a8e-4d3c-9d8f-500000000021"]
    assert loader["aliases"] == ["TL"]  # x_mitre_aliases
    assert [link["type"] for link in links_by_key(records).values()] == ["USES"]
    assert (
        skipped["relationship related-to to a custom object (intrusion-set -> x-mitre-tactic)"] == 1
    )


def test_country_location_is_the_state_of_its_code() -> None:
    created = {
        "spec_version": "2.1",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
    }
    group = {
        "type": "intrusion-set",
        "id": "intrusion-set--8b1f1b43-3a8e-4d3c-9d8f-600000000001",
        "name": "Example KP Group",
        **created,
    }
    where = {
        "type": "location",
        "id": "location--8b1f1b43-3a8e-4d3c-9d8f-600000000002",
        "name": "DPRK",
        "country": "KP",
        **created,
    }
    rel = {
        "type": "relationship",
        "id": "relationship--8b1f1b43-3a8e-4d3c-9d8f-600000000003",
        "relationship_type": "originates-from",
        "source_ref": group["id"],
        "target_ref": where["id"],
        **created,
    }
    text = json.dumps(
        {
            "type": "bundle",
            "id": "bundle--8b1f1b43-3a8e-4d3c-9d8f-600000000000",
            "objects": [group, where, rel],
        }
    )
    records = list(read_stix("kp.json", text))
    state = entities_by_id(records)["kp"]
    assert (state["kind"], state["name"], state["country"]) == ("State", "North Korea", "KP")
    assert state["aliases"] == ["DPRK"]
    assert (group["id"], "BASED_IN", "kp") in links_by_key(records)


def test_text_helpers() -> None:
    assert clean_text("(Citation: A)(Citation: B)") is None
    assert clean_text("See [X](https://example.org) now.(Citation: X)") == "See X now."
    assert cited_date("Someone. (2019, March). Title.") == "2019-03"
    assert cited_date("Retrieved March 1, 2021.") is None


# --- MISP galaxies, as pymispgalaxies ships them --------------------------------------


def misp(name: str, **options: Any) -> tuple[list[RawRecord], summary.Notes]:
    path = galaxy_path(name)
    with summary.reading(summary.ReadOptions(**options)) as notes:
        records = list(read_misp(str(path), path.read_text(encoding="utf-8")))
    return records, notes


def test_misp_threat_actors() -> None:
    records, notes = misp("threat-actor")
    check_records(records, lambda ids: {})
    found = entities_by_id(records)
    [lazarus] = [e for e in found.values() if e.get("name") == "Lazarus Group"]
    assert lazarus["kind"] == "HackingGroup"
    assert lazarus["country"] == "KP"
    assert "Hidden Cobra" in lazarus["aliases"]
    assert lazarus["identifiers"]["misp-galaxy"] == [lazarus["id"].removeprefix("misp-")]
    # its refs name two ATT&CK groups (G0032, G0082): conflated, so neither becomes an id
    assert "mitre-attack" not in lazarus["identifiers"]
    made = links_by_key(records)
    sponsor = made[("kp", "SPONSORS", lazarus["id"])]
    assert sponsor["grading"] == "C3"  # the tracker's compilation, attribution-confidence 50
    assert any(
        found[s].get("publisher") == "Council on Foreign Relations" for s in sponsor["sources"]
    )
    assert ("misp-" + lazarus["identifiers"]["misp-galaxy"][0], "TARGETS", "gb") in made
    assert found["kp"]["name"] == "North Korea"
    # APT28's refs name one ATT&CK group: it becomes an identifier
    [apt28] = [e for e in found.values() if e.get("name") == "APT28"]
    assert apt28["identifiers"]["mitre-attack"] == ["G0007"]
    unmapped = notes.unmapped[str(galaxy_path("threat-actor"))]
    assert unmapped["victim 'Hong Kong'"] > 0  # not a state
    assert not any(k.startswith("state sponsor") for k in unmapped)  # every sponsor string mapped
    galaxy = [e for e in found.values() if e["id"].startswith("misp-galaxy-threat-actor")]
    assert len(galaxy) == 1 and "date" not in galaxy[0]  # MISP gives no date


def test_misp_galaxy_date_option() -> None:
    records, _ = misp("threat-actor", date="2025-11-01")
    galaxy = [e for e in entities_by_id(records).values() if e["id"].startswith("misp-galaxy-")]
    assert galaxy[0]["date"] == "2025-11-01"


def test_misp_agencies_are_part_of_their_state() -> None:
    records, _ = misp("intelligence-agencies")
    check_records(records, lambda ids: {})
    found = entities_by_id(records)
    [rgb] = [e for e in found.values() if e.get("name") == "Reconnaissance General Bureau"]
    assert rgb["kind"] == "StateAgency"
    assert links_by_key(records)[(rgb["id"], "PART_OF", "kp")]["grading"] == "C2"


def test_sponsor_strings_map_by_the_table() -> None:
    assert state_code("Korea (Democratic People's Republic of)", {}) == (True, "kp")
    assert state_code("Bangladesh Bank", {}) == (False, None)
