"""The curated dataset is valid by construction and says what data/README.md says.

It loads whole into the real embedded store; every link has a grading and a
cited source with publisher, date and URL; every entity takes part in a link;
all four states and every actor kind are there; each proxy chain listed in
data/README.md is found by the chains query; the size data/README.md states is
the size loaded (and at least 200 entities, 350 links, 8 cross-nationality
proxies, 5 chains of 3+ hops per state); links resting only on the press are
graded as the table says; and the cyber groups carry the ATT&CK and MISP ids
that let those catalogues merge with them.
"""

from __future__ import annotations

import itertools
import re

import pytest

from statecrime.graph import domain
from statecrime.graph.grading import Grading
from statecrime.graph.store import Store
from tests.support.stores import ROOT, load_curated

README = ROOT / "data" / "README.md"


def readme_chains() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Proxy chains in the dataset", 1)[1].split("\n## ", 1)[0]
    return [line[2:].split(" → ") for line in section.splitlines() if re.match(r"- \S+ → ", line)]


def test_the_readme_names_at_least_five_long_chains() -> None:
    chains = readme_chains()
    assert len(chains) >= 5
    assert all(len(chain) >= 4 for chain in chains), "a chain of three hops has four nodes"
    assert {chain[0] for chain in chains} >= {"ru", "kp", "ir", "cn"}


@pytest.fixture(scope="module")
def dataset(store: Store):
    curated = load_curated(store)
    return curated.all_entities(), curated.all_links()


def test_every_link_is_graded_and_sourced(dataset) -> None:
    entities, links = dataset
    by_id = {e.id: e for e in entities}
    assert len(links) >= 100
    for link in links:
        Grading.parse(link.grading)
        assert link.sources, f"{link.key} has no source"
        for source_id in link.sources:
            source = by_id[source_id]
            assert source.kind == "Source"
        assert link.note, f"{link.key} does not say what it claims"


def test_every_source_names_publisher_title_date_and_url(dataset) -> None:
    entities, _ = dataset
    sources = [e for e in entities if e.kind == "Source"]
    assert sources
    for source in sources:
        assert source.publisher and source.title and source.date, source.id
        assert source.url and source.url.startswith("https://"), f"{source.id} has no URL"
        assert source.sourceType in domain.SOURCE_TYPES


def test_every_entity_takes_part_in_a_link(dataset) -> None:
    entities, links = dataset
    linked = {link.source for link in links} | {link.target for link in links}
    cited = {s for link in links for s in link.sources} | {s for e in entities for s in e.sources}
    for entity in entities:
        if entity.kind == "Source":
            assert entity.id in cited, f"source {entity.id} is cited by no link or entity"
        else:
            assert entity.id in linked, f"{entity.id} is in no link"


def test_the_dataset_spans_the_four_states_and_every_actor_kind(dataset) -> None:
    entities, _ = dataset
    actors = [e for e in entities if e.kind not in ("Source", "State")]
    assert len(actors) >= 60
    assert {e.id for e in entities if e.kind == "State"} >= {"ru", "kp", "ir", "cn"}
    kinds = {e.kind for e in entities}
    assert domain.ACTORS <= kinds
    assert {"Incident", "Location"} <= kinds
    assert any(e.isClass for e in entities), "the speech's class-level claims are missing"


def test_proxies_of_another_nationality_are_recorded(dataset) -> None:
    entities, links = dataset
    country = {e.id: e.country for e in entities}
    kind = {e.id: e.kind for e in entities}
    crossings = [
        link
        for link in links
        if link.type in domain.TASKING_TYPES
        and kind[link.source] in ("State", "StateAgency")
        and country.get(link.target)
        and country.get(link.target) != country.get(link.source)
    ]
    assert crossings, "no state or agency tasks a proxy of another nationality"


def test_readme_chains_follow_the_crossing_rules(dataset) -> None:
    """Each consecutive pair is joined by a relation a chain may cross, the declared way."""
    _, links = dataset
    steps: set[tuple[str, str]] = set()
    for link in links:
        crossing = domain.RELATIONS[link.type].chain
        if crossing is domain.Crossing.FORWARD:
            steps.add((link.source, link.target))
        elif crossing is domain.Crossing.BACKWARD:
            steps.add((link.target, link.source))
    for chain in readme_chains():
        for a, b in itertools.pairwise(chain):
            assert (a, b) in steps, f"{' → '.join(chain)}: no chain step {a} → {b}"


@pytest.fixture(scope="module")
def all_chains(store: Store) -> list[tuple[str, ...]]:
    """Every maximal chain of up to six hops, as the CLI's `chains --max-hops 6` finds them."""
    from statecrime.queries.chains import find_chains

    return [tuple(chain.ids) for chain in find_chains(load_curated(store), max_hops=6)]


def test_the_chains_query_finds_every_readme_chain(all_chains) -> None:
    found = set(all_chains)
    for chain in readme_chains():
        assert tuple(chain) in found, f"not found as a maximal chain: {' → '.join(chain)}"


def test_each_state_reaches_five_chains_of_three_hops(all_chains) -> None:
    long_chains = {state: 0 for state in ("ru", "cn", "kp", "ir")}
    for ids in all_chains:
        if len(ids) >= 4 and ids[0] in long_chains:
            long_chains[ids[0]] += 1
    assert all(n >= 5 for n in long_chains.values()), long_chains


def test_the_dataset_is_as_large_as_data_readme_says(dataset) -> None:
    """At least 200 entities besides Sources and 350 links, and the counts README states are exact."""
    entities, links = dataset
    sources = sum(1 for e in entities if e.kind == "Source")
    others = len(entities) - sources
    assert others >= 200 and len(links) >= 350
    stated = re.search(
        r"Counts at compilation: (\d+) entities \((\d+) sources besides\), (\d+) links\.",
        README.read_text(encoding="utf-8"),
    )
    assert stated, "data/README.md no longer states the counts"
    assert tuple(int(n) for n in stated.groups()) == (others, sources, len(links))


def test_eight_proxies_of_another_nationality(store: Store) -> None:
    from statecrime.queries.cross_proxies import find_cross_proxies

    assert len(find_cross_proxies(load_curated(store))) >= 8


def test_links_resting_only_on_press_reports_are_graded_as_press(dataset) -> None:
    """The grading table: a claim known only through the press is never graded A (B2 at best)."""
    entities, links = dataset
    source_type = {e.id: e.sourceType for e in entities if e.kind == "Source"}
    for link in links:
        if {source_type[s] for s in link.sources} == {"press-report"}:
            assert link.grading in ("B2", "C3"), f"{link.key} rests on press reports only"


def test_a_bounty_offered_is_a_tasking_not_a_payment(dataset) -> None:
    _, links = dataset
    keys = {(link.source, link.type, link.target) for link in links}
    for leader in ("rafat-amirov", "polad-omarov"):
        assert ("ir-irgc", "TASKS", leader) in keys
        assert ("ir-irgc", "PAYS", leader) not in keys


ATTACK_AND_MISP = ("lazarus-group", "apt31", "apt27", "andariel", "bluenoroff", "evil-corp")


def test_the_cyber_groups_carry_their_attack_and_misp_ids(dataset) -> None:
    """So that an ATT&CK or MISP import merges with them instead of duplicating them."""
    entities, _ = dataset
    by_id = {e.id: e for e in entities}
    for group in ATTACK_AND_MISP:
        ids = by_id[group].identifiers
        attack, misp = ids.get("mitre-attack", []), ids.get("misp-galaxy", [])
        assert attack and all(re.fullmatch(r"G\d{4}", i) for i in attack), group
        assert misp and all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in misp), group
    assert "Silk Typhoon" not in by_id["apt27"].aliases, "Silk Typhoon is HAFNIUM's name in ATT&CK"


def test_identifiers_use_declared_schemes_and_are_unique(dataset) -> None:
    entities, _ = dataset
    owner: dict[tuple[str, str], str] = {}
    for entity in entities:
        for scheme, value in entity.identifiers.items():
            assert scheme in domain.IDENTIFIER_SCHEMES, f"{entity.id}: undeclared scheme {scheme}"
            for one in value if isinstance(value, list | tuple) else [value]:
                key = (scheme, str(one))
                assert key not in owner, f"{entity.id} and {owner.get(key)} share {key}"
                owner[key] = entity.id
