"""Entity resolution in a real store: the curated data, ATT&CK and MISP make one Lazarus Group.

One scenario, loaded once (the MISP galaxy is large): the curated dataset, the
ATT&CK-shaped bundle of ``tests/data/stix``, then the real MISP threat-actor
galaxy from ``pymispgalaxies``. The tests read it; the last ones load again.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from statecrime.graph.model import Entity
from statecrime.graph.store import Store
from statecrime.loaders import match_index
from statecrime.loaders.load import LoadReport, load_paths
from statecrime.loaders.misp import galaxy_path
from statecrime.loaders.problems import LoadError
from statecrime.loaders.resolve import (
    MERGED_SCHEME,
    Judgements,
    current_id,
    merges_of,
    read_judgements,
)
from statecrime.queries.chains import find_chains
from tests.support.stores import curated_files, wipe

DATA = Path(__file__).resolve().parent / "data" / "stix"
ATTACK = DATA / "attack-shaped-2.1.json"
LAZARUS_ATTACK = "intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a"
LAZARUS_MISP = "misp-68391641-859f-4a9a-9a1e-3e5cf71ec376"
RAT = "malware--8b1f1b43-3a8e-4d3c-9d8f-500000000004"


def unchanged(report: LoadReport) -> bool:
    return all(
        getattr(report, name).added == 0 and getattr(report, name).updated == 0
        for name in ("entities", "sources", "links")
    ) and not (report.merged or report.removed)


@pytest.fixture(scope="module")
def merged_store(store: Store) -> Store:
    wipe(store)
    load_paths(store, curated_files())
    load_paths(store, [ATTACK], "stix")
    load_paths(store, [galaxy_path("threat-actor")], "misp-galaxy")
    return store


def test_lazarus_group_is_one_entity(merged_store: Store) -> None:
    named = [e for e in merged_store.all_entities() if e.name == "Lazarus Group"]
    assert [e.id for e in named] == ["lazarus-group"]
    [lazarus] = named
    assert lazarus.kind == "HackingGroup"  # the curated kind stands
    assert set(lazarus.identifiers[MERGED_SCHEME]) >= {LAZARUS_ATTACK, LAZARUS_MISP}
    assert "G0032" in lazarus.identifiers["mitre-attack"]
    assert "Labyrinth Chollima" in lazarus.aliases  # ATT&CK's alias, now the curated entity's
    # the imported links are re-pointed to the kept id
    assert (
        "lazarus-group",
        "USES",
        RAT,
    ) in {link.key for link in merged_store.all_links()}
    assert not merged_store.fetch_entities([LAZARUS_ATTACK, LAZARUS_MISP])


def test_merged_away_ids_still_lead_to_the_entity(merged_store: Store) -> None:
    assert current_id(merged_store, LAZARUS_ATTACK) == "lazarus-group"
    assert current_id(merged_store, LAZARUS_MISP) == "lazarus-group"
    lazarus = merged_store.fetch_entities(["lazarus-group"])["lazarus-group"]
    why = {m["merged"]: m for m in merges_of(lazarus)}
    # the curated record carries ATT&CK's group id, so the identifier decides first
    assert why[LAZARUS_ATTACK]["rule"] == "identifier"
    assert why[LAZARUS_ATTACK]["key"] == "mitre-attack:G0032", why[LAZARUS_ATTACK]
    assert why[LAZARUS_ATTACK]["kept"] == "lazarus-group"
    assert any(str(ATTACK) in where for where in why[LAZARUS_ATTACK]["records"])
    assert why[LAZARUS_MISP]["load"].startswith("load-")


def test_chains_from_kp_reach_imported_groups(merged_store: Store) -> None:
    chains = find_chains(merged_store, state="kp")
    reached = {n["id"] for chain in chains for n in chain.nodes}
    assert any(i.startswith("misp-") for i in reached)
    # suspicion (the tracker's C3) stays apart from designation (B2 or better)
    graded = find_chains(merged_store, state="kp", min_grading="B2")
    assert graded
    assert not any(n["id"].startswith("misp-") for c in graded for n in c.nodes)


def test_kinds_that_may_not_merge_stay_apart(merged_store: Store, tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        "entities:\n"
        "  - {id: malware-named-lazarus, kind: Malware, name: Lazarus Group}\n"
        "  - {id: person-named-lazarus, kind: Person, name: Lazarus Group}\n",
        encoding="utf-8",
    )
    report = load_paths(merged_store, [odd])
    assert report.merged == []
    held = merged_store.fetch_entities(["malware-named-lazarus", "person-named-lazarus"])
    assert set(held) == {"malware-named-lazarus", "person-named-lazarus"}


def test_loading_the_same_input_twice_changes_nothing(merged_store: Store) -> None:
    assert unchanged(load_paths(merged_store, [ATTACK], "stix"))
    assert unchanged(load_paths(merged_store, [galaxy_path("threat-actor")], "misp-galaxy"))
    assert unchanged(load_paths(merged_store, curated_files()))


def index_rows(store: Store) -> set[tuple[str, str]]:
    rows = store.read("MATCH (m:MatchKey) RETURN m.key AS key, m.entity AS entity")
    return {(row["key"], row["entity"]) for row in rows}


def expected_index(store: Store) -> set[tuple[str, str]]:
    return {(key, e.id) for e in store.all_entities() for key in match_index.match_keys(e)}


def test_the_match_index_is_in_step_with_the_store(merged_store: Store) -> None:
    assert match_index.is_ready(merged_store)
    rows = index_rows(merged_store)
    assert rows == expected_index(merged_store)
    assert ("mitre-attack:G0032", "lazarus-group") in rows
    assert not any(entity == LAZARUS_ATTACK for _, entity in rows)  # merged away: no keys


def test_candidates_come_from_the_incoming_keys(merged_store: Store) -> None:
    """A record is matched against what its own keys find, not every stored name."""
    incoming = Entity(id="new-group", kind="HackingGroup", name="Hidden Cobra")
    found = {e.id for e in match_index.candidates(merged_store, [incoming])}
    assert "lazarus-group" in found
    stored = sum(1 for e in merged_store.all_entities() if e.kind != "Source")
    assert stored > 500 and len(found) < 20, (stored, sorted(found))
    unknown = Entity(id="nobody", kind="HackingGroup", name="Nobody Known")
    assert match_index.candidates(merged_store, [unknown]) == []


APT38 = "intrusion-set--00f67a77-86a4-4adf-be26-1a54fc713340"
"""ATT&CK's APT38 (G0082), whose aliases include Bluenoroff and Stardust Chollima."""


def test_apt38_is_bluenoroff_and_not_lazarus(merged_store: Store, tmp_path: Path) -> None:
    """ATT&CK's G0082 lists Bluenoroff among APT38's names; the curated Bluenoroff holds
    G0082, so the identifier decides. MISP's Lazarus cluster names APT38 and Bluenoroff
    too (it conflates the groups), which is why names alone merge neither way."""
    bundle = tmp_path / "apt38.json"
    apt38 = {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": APT38,
        "created": "2019-09-09T19:15:44.375Z",
        "modified": "2024-04-01T00:00:00.000Z",
        "name": "APT38",
        "aliases": ["APT38", "BeagleBoyz", "Bluenoroff", "Stardust Chollima"],
        "external_references": [
            {
                "source_name": "mitre-attack",
                "url": "https://attack.mitre.org/groups/G0082",
                "external_id": "G0082",
            }
        ],
    }
    bundle.write_text(
        orjson.dumps(
            {"type": "bundle", "id": "bundle--" + APT38[15:], "objects": [apt38]}
        ).decode(),
        encoding="utf-8",
    )
    report = load_paths(merged_store, [bundle], "stix")
    assert merges_made(report) == {("bluenoroff", APT38, "identifier", "mitre-attack:G0082")}
    held = merged_store.fetch_entities(["bluenoroff", "lazarus-group"])
    assert APT38 in held["bluenoroff"].identifiers[MERGED_SCHEME]
    assert APT38 not in held["lazarus-group"].identifiers.get(MERGED_SCHEME, [])
    assert LAZARUS_MISP in held["lazarus-group"].identifiers[MERGED_SCHEME]


def test_a_judgement_keeps_two_ids_apart(empty_store: Store, tmp_path: Path) -> None:
    judged = tmp_path / "judgements.yaml"
    judged.write_text(
        "judgements:\n"
        f"  - ids: [lazarus-group, {LAZARUS_ATTACK}]\n"
        "    judgement: different\n"
        "    by: a test\n",
        encoding="utf-8",
    )
    judgements = read_judgements([judged])
    load_paths(empty_store, curated_files(), judgements=judgements)
    report = load_paths(empty_store, [ATTACK], "stix", judgements=judgements)
    assert report.merged == []
    assert set(empty_store.fetch_entities(["lazarus-group", LAZARUS_ATTACK])) == {
        "lazarus-group",
        LAZARUS_ATTACK,
    }
    # without the judgement, the next load merges them, removing the imported node
    report = load_paths(empty_store, [ATTACK], "stix", judgements=Judgements())
    assert [m["merged"] for m in report.merged] == [LAZARUS_ATTACK]
    assert report.removed == [LAZARUS_ATTACK]
    assert not empty_store.fetch_entities([LAZARUS_ATTACK])
    assert ("lazarus-group", "USES", RAT) in {link.key for link in empty_store.all_links()}


def test_a_merge_does_not_regrade_a_stored_link(empty_store: Store, tmp_path: Path) -> None:
    load_paths(empty_store, curated_files())
    before = {link.key: link for link in empty_store.all_links()}
    load_paths(empty_store, [galaxy_path("intelligence-agencies")], "misp-galaxy")
    after = {link.key: link for link in empty_store.all_links()}
    part_of = ("kp-rgb", "PART_OF", "kp")
    assert part_of in before
    assert after[part_of].grading == before[part_of].grading  # the MISP C2 adds sources only
    assert set(after[part_of].sources) > set(before[part_of].sources)


def merges_made(report: LoadReport) -> set[tuple[str, str, str, str]]:
    return {(m["kept"], m["merged"], m["rule"], m["key"]) for m in report.merged}


def test_a_store_without_the_index_gets_it_and_the_same_merges(empty_store: Store) -> None:
    load_paths(empty_store, curated_files())
    with_index = merges_made(load_paths(empty_store, [ATTACK], "stix"))
    wipe(empty_store)
    load_paths(empty_store, curated_files())
    with empty_store.session() as session:  # a store from before the index existed
        session.run("MATCH (m:MatchKey) DELETE m").consume()
        session.run("MATCH (m:MatchIndex) DELETE m").consume()
    assert not match_index.is_ready(empty_store)
    without = merges_made(load_paths(empty_store, [ATTACK], "stix"))
    assert with_index == without and with_index
    assert match_index.is_ready(empty_store)
    assert index_rows(empty_store) == expected_index(empty_store)


def test_a_different_judgement_undoes_a_merge(empty_store: Store, tmp_path: Path) -> None:
    """The merged-away entity comes back with its own links, and the split is recorded."""
    load_paths(empty_store, curated_files())
    load_paths(empty_store, [ATTACK], "stix")
    lazarus = empty_store.fetch_entities(["lazarus-group"])["lazarus-group"]
    assert LAZARUS_ATTACK in lazarus.identifiers[MERGED_SCHEME]
    assert "Labyrinth Chollima" in lazarus.aliases
    assert ("lazarus-group", "USES", RAT) in {link.key for link in empty_store.all_links()}
    judged = tmp_path / "judgements.yaml"
    judged.write_text(
        "judgements:\n"
        f"  - ids: [lazarus-group, {LAZARUS_ATTACK}]\n"
        "    judgement: different\n"
        "    by: a test\n"
        "    note: not one group\n",
        encoding="utf-8",
    )
    judgements = read_judgements([judged])
    # a later load, even one without the ATT&CK file, undoes the merge
    report = load_paths(empty_store, curated_files(), judgements=judgements)
    assert [m.get("split") for m in report.merged] == [LAZARUS_ATTACK]
    held = empty_store.fetch_entities(["lazarus-group", LAZARUS_ATTACK])
    assert set(held) == {"lazarus-group", LAZARUS_ATTACK}
    lazarus, back = held["lazarus-group"], held[LAZARUS_ATTACK]
    assert LAZARUS_ATTACK not in lazarus.identifiers.get(MERGED_SCHEME, [])
    assert "Labyrinth Chollima" not in lazarus.aliases and "Hidden Cobra" in lazarus.aliases
    assert back.name == "Lazarus Group" and "G0032" in back.identifiers["mitre-attack"]
    keys = {link.key for link in empty_store.all_links()}
    assert (LAZARUS_ATTACK, "USES", RAT) in keys
    assert ("lazarus-group", "USES", RAT) not in keys
    [split] = [m for m in merges_of(lazarus) if m.get("split") == LAZARUS_ATTACK]
    assert split["by"] == "a test" and split["rule"] == "judgement"
    assert current_id(empty_store, LAZARUS_ATTACK) == LAZARUS_ATTACK
    assert index_rows(empty_store) == expected_index(empty_store)
    # and it stays undone: the same load again changes nothing; ATT&CK's own record,
    # loaded again, completes the entity (its description) and merges nothing
    assert unchanged(load_paths(empty_store, curated_files(), judgements=judgements))
    report = load_paths(empty_store, [ATTACK], "stix", judgements=judgements)
    assert report.merged == [] and report.removed == []
    assert empty_store.fetch_entities([LAZARUS_ATTACK])[LAZARUS_ATTACK].description
    assert unchanged(load_paths(empty_store, [ATTACK], "stix", judgements=judgements))
    assert index_rows(empty_store) == expected_index(empty_store)


def test_a_galaxy_with_files_is_one_load(empty_store: Store, tmp_path: Path) -> None:
    """``load FILE --misp-galaxy NAME``: one transaction, one summary, all or nothing."""
    galaxy = galaxy_path("intelligence-agencies")
    bad = tmp_path / "bad.yaml"
    bad.write_text("entities:\n  - {id: x, kind: NoSuchKind, name: X}\n", encoding="utf-8")
    with pytest.raises(LoadError):
        load_paths(empty_store, [bad], also=[(galaxy, "misp-galaxy")])
    assert empty_store.all_entities() == []  # the galaxy was not written either
    report = load_paths(empty_store, curated_files(), also=[(galaxy, "misp-galaxy")])
    assert report.files[-1] == str(galaxy) and len(report.files) == len(curated_files()) + 1
    assert report.entities.added > 120  # the curated entities and the galaxy's, one tally
    assert unchanged(load_paths(empty_store, curated_files(), also=[(galaxy, "misp-galaxy")]))


def test_resolution_and_its_undoing_on_neo4j(neo4j_store: Store, tmp_path: Path) -> None:
    """The same scenario on a real Neo4j: one Lazarus Group, the index in step, a split."""
    from tests.support.neo4j import wipe_neo4j

    wipe_neo4j(neo4j_store)
    load_paths(neo4j_store, curated_files())
    load_paths(neo4j_store, [ATTACK], "stix", also=[(galaxy_path("threat-actor"), "misp-galaxy")])
    named = [e.id for e in neo4j_store.all_entities() if e.name == "Lazarus Group"]
    assert named == ["lazarus-group"]
    assert match_index.is_ready(neo4j_store)
    assert index_rows(neo4j_store) == expected_index(neo4j_store)
    assert current_id(neo4j_store, LAZARUS_ATTACK) == "lazarus-group"
    judged = tmp_path / "judgements.yaml"
    judged.write_text(
        f"judgements:\n  - ids: [lazarus-group, {LAZARUS_ATTACK}]\n    judgement: different\n",
        encoding="utf-8",
    )
    report = load_paths(neo4j_store, curated_files(), judgements=read_judgements([judged]))
    assert [m.get("split") for m in report.merged] == [LAZARUS_ATTACK]
    keys = {link.key for link in neo4j_store.all_links()}
    assert (LAZARUS_ATTACK, "USES", RAT) in keys and ("lazarus-group", "USES", RAT) not in keys
    assert index_rows(neo4j_store) == expected_index(neo4j_store)
    wipe_neo4j(neo4j_store)
