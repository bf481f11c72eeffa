"""Entity resolution in a real store: the curated data, ATT&CK and MISP make one Lazarus Group.

One scenario, loaded once (the MISP galaxy is large): the curated dataset, the
ATT&CK-shaped bundle of ``tests/data/stix``, then the real MISP threat-actor
galaxy from ``pymispgalaxies``. The tests read it; the last ones load again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from statecrime.graph.store import Store
from statecrime.loaders.load import LoadReport, load_paths
from statecrime.loaders.misp import galaxy_path
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
