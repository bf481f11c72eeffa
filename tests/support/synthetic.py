"""Synthetic records (NOT REAL DATA) for tests that need a graph of some size.

Every entity, link and source made here is invented: the names are
"Synthetic ..." and the one source says it is synthetic. The shape imitates the
curated graph (states with agencies that task groups, whose members perpetrate
incidents against targets, plus noise links) and stays small and even, so tests
that load it on both engines finish quickly. The benchmarks' generator
(``benchmarks/generate.py``) makes the heavy-tailed shape of real data instead.
"""
from __future__ import annotations

import random
from typing import Any

SOURCE_ID = "synthetic-source"


def synthetic_document(
    entities: int, links_per_entity: float = 2.5, seed: int = 7
) -> dict[str, Any]:
    """A records document with about ``entities`` entities and ``links_per_entity`` links each."""
    rng = random.Random(seed)
    states = max(2, entities // 200)
    agencies = max(2, entities // 40)
    groups = max(4, entities // 8)
    incidents = max(4, entities // 8)
    people = max(4, entities - states - agencies - groups - incidents)
    countries = ["AA", "BB", "CC", "DD", "EE", "FF"]
    doc: dict[str, Any] = {
        "sources": [
            {
                "id": SOURCE_ID,
                "publisher": "statecrime benchmarks",
                "title": "Synthetic records for speed measurements, not real data",
                "date": "2026-01-01",
                "sourceType": "research",
            }
        ],
        "entities": [],
        "links": [],
    }
    ents = doc["entities"]
    ids: dict[str, list[str]] = {
        "State": [],
        "StateAgency": [],
        "Group": [],
        "Incident": [],
        "Person": [],
    }

    def add(kind: str, bucket: str, n: int, **extra: Any) -> None:
        for i in range(n):
            entity_id = f"synthetic-{bucket.lower()}-{i}"
            ids[bucket].append(entity_id)
            ents.append(
                {
                    "id": entity_id,
                    "kind": kind,
                    "name": f"Synthetic {bucket} {i}",
                    "country": rng.choice(countries),
                    **extra,
                }
            )

    add("State", "State", states)
    add("StateAgency", "StateAgency", agencies)
    add("OrganisedCrimeGroup", "Group", groups, crimeTypes=["fraud"])
    add("Incident", "Incident", incidents, date="2024")
    add("Person", "Person", people, roles=["criminal"])
    keys: set[tuple[str, str, str]] = set()

    def link(source: str, type_: str, target: str) -> None:
        if (source, type_, target) in keys or source == target:
            return
        keys.add((source, type_, target))
        doc["links"].append(
            {
                "source": source,
                "type": type_,
                "target": target,
                "grading": rng.choice(["A1", "B2", "B3", "C3"]),
                "sources": [SOURCE_ID],
                "since": str(rng.randint(2010, 2024)),
            }
        )

    for agency in ids["StateAgency"]:
        link(agency, "PART_OF", rng.choice(ids["State"]))
    for group in ids["Group"]:
        link(rng.choice(ids["StateAgency"]), rng.choice(["TASKS", "PAYS", "DIRECTS"]), group)
    for person in ids["Person"]:
        link(person, "MEMBER_OF", rng.choice(ids["Group"]))
    for incident in ids["Incident"]:
        link(rng.choice(ids["Person"]), "PERPETRATED", incident)
        link(incident, "TARGETS", rng.choice(ids["Person"]))
    target = int(entities * links_per_entity)
    everyone = [e["id"] for e in ents if not e["id"].startswith("synthetic-state-")]
    while len(doc["links"]) < target:
        link(rng.choice(everyone), "LINKED_TO", rng.choice(everyone))
    return doc


def synthetic_records(entities: int, seed: int = 7) -> dict[str, Any]:
    """A records document (sources, entities, links) of about ``entities`` entities."""
    return synthetic_document(entities, seed=seed)
