"""Synthetic records with the shape of real data, for measuring speed. NOT REAL DATA.

Every entity, link and source written here is invented: ids start with
``synthetic-``, names with "Synthetic", and the one source says it is synthetic.
It lives in benchmarks/, apart from the curated dataset, and is never loaded by
the demo.

The shape follows what merged real data looks like (OpenSanctions, the ICIJ
leaks, our curated cases): a dozen states, a few hundred agencies, thousands of
groups, tens of thousands of incidents and a long tail of people and companies;
degrees are heavy-tailed (a few agencies task hundreds of groups, a few groups
have thousands of members, one sanctions authority and a few places are hubs of
tens of thousands of links); links are graded and most are dated; about 2.9
links per entity.

    python benchmarks/generate.py --entities 100000 --output /tmp/synthetic-100k.jsonl

The file is JSONL, one record a line, as ``statecrime load`` takes it. It is
written as it is generated: nothing the size of the output is held in memory
but the set of link keys (integers).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

SOURCE_ID = "synthetic-source"
COUNTRIES = ["AA", "BB", "CC", "DD", "EE", "FF", "GG", "HH", "II", "JJ", "KK", "LL"]
GRADINGS = ["A1", "A2", "B1", "B2", "B2", "B3", "C2", "C3", "D4", "F6"]
GROUP_KINDS = ["OrganisedCrimeGroup", "CybercrimeGroup", "HackingGroup"]
CRIMES = {
    "OrganisedCrimeGroup": ["fraud", "money-laundering"],
    "CybercrimeGroup": ["ransomware"],
    "HackingGroup": ["espionage"],
}


def plan(entities: int) -> dict[str, int]:
    """How many entities of each bucket a graph of ``entities`` holds."""
    counts = {
        "state": 12,
        "authority": 1,
        "location": max(4, entities // 5000),
        "agency": max(6, entities // 2000),
        "group": max(12, entities // 200),
        "incident": max(12, entities // 20),
    }
    rest = max(8, entities - sum(counts.values()) - 1)  # one source
    counts["company"] = rest * 3 // 10
    counts["person"] = rest - counts["company"]
    return counts


def skewed(rng: random.Random, n: int, power: float = 3.0) -> int:
    """An index in ``range(n)`` drawn so that low indices are far likelier: hubs."""
    return min(n - 1, int(n * rng.random() ** power))


def records(entities: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """The synthetic records, entities first (the source first of all), then links."""
    rng = random.Random(seed)
    counts = plan(entities)
    yield {
        "id": SOURCE_ID,
        "kind": "Source",
        "publisher": "statecrime benchmarks",
        "title": "Synthetic records for speed measurements, not real data",
        "date": "2026-01-01",
        "sourceType": "research",
    }

    def ident(bucket: str, i: int) -> str:
        return f"synthetic-{bucket}-{i}"

    group_kind = [GROUP_KINDS[i % 3] for i in range(counts["group"])]
    for i in range(counts["state"]):
        yield {"id": ident("state", i), "kind": "State", "name": f"Synthetic State {i}",
               "country": COUNTRIES[i % len(COUNTRIES)]}
    yield {"id": ident("authority", 0), "kind": "Organisation",
           "name": "Synthetic Sanctions Authority"}
    for i in range(counts["location"]):
        yield {"id": ident("location", i), "kind": "Location", "name": f"Synthetic Place {i}",
               "country": rng.choice(COUNTRIES)}
    for i in range(counts["agency"]):
        yield {"id": ident("agency", i), "kind": "StateAgency", "name": f"Synthetic Agency {i}",
               "country": COUNTRIES[i % len(COUNTRIES)]}
    for i in range(counts["group"]):
        kind = group_kind[i]
        yield {"id": ident("group", i), "kind": kind, "name": f"Synthetic Group {i}",
               "country": rng.choice(COUNTRIES), "crimeTypes": CRIMES[kind]}
    for i in range(counts["incident"]):
        yield {"id": ident("incident", i), "kind": "Incident", "name": f"Synthetic Incident {i}",
               "date": str(rng.randint(2010, 2025))}
    for i in range(counts["company"]):
        yield {"id": ident("company", i), "kind": "Company", "name": f"Synthetic Company {i}",
               "country": rng.choice(COUNTRIES)}
    for i in range(counts["person"]):
        yield {"id": ident("person", i), "kind": "Person", "name": f"Synthetic Person {i}",
               "country": rng.choice(COUNTRIES), "roles": [rng.choice(["criminal", "enabler"])],
               "aliases": [f"Synth P{i}"] if i % 5 == 0 else []}
    yield from _links(rng, counts, ident)


def _links(
    rng: random.Random, counts: dict[str, int], ident: Callable[[str, int], str]
) -> Iterator[dict[str, Any]]:
    seen: set[int] = set()
    types = {name: n for n, name in enumerate(
        ["PART_OF", "TASKS", "PAYS", "DIRECTS", "USES_AS_PROXY", "SPONSORS", "TOLERATES",
         "MEMBER_OF", "LEADS", "PERPETRATED", "TARGETS", "ATTRIBUTED_TO", "OWNS", "ENABLES",
         "LAUNDERS_FOR", "LINKED_TO", "BASED_IN", "SANCTIONED_BY"])}
    order = {b: n for n, b in enumerate(counts)}
    width = max(counts.values()) + 1

    def link(sb: str, si: int, kind: str, tb: str, ti: int) -> dict[str, Any] | None:
        if sb == tb and si == ti:
            return None
        key = (((order[sb] * width + si) * 32 + types[kind]) * 16 + order[tb]) * width + ti
        if key in seen:
            return None
        seen.add(key)
        record: dict[str, Any] = {
            "source": ident(sb, si), "type": kind, "target": ident(tb, ti),
            "grading": rng.choice(GRADINGS), "sources": [SOURCE_ID],
        }
        if rng.random() < 0.8:
            since = rng.randint(2005, 2024)
            record["since"] = str(since)
            if rng.random() < 0.3:
                record["until"] = str(rng.randint(since, 2025))
        return record

    def emit(*args: Any) -> Iterator[dict[str, Any]]:
        made = link(*args)
        if made is not None:
            yield made

    c = counts
    for i in range(c["agency"]):
        yield from emit("agency", i, "PART_OF", "state", i % c["state"])
        if i >= c["state"] and rng.random() < 0.3:
            yield from emit("agency", i, "PART_OF", "agency", skewed(rng, i))
    control = ["TASKS", "PAYS", "DIRECTS", "USES_AS_PROXY", "SPONSORS", "TOLERATES"]
    for i in range(c["group"]):
        for _ in range(rng.choice((1, 1, 2, 3))):
            if rng.random() < 0.15:
                yield from emit("state", rng.randrange(c["state"]), rng.choice(control), "group", i)
            else:
                yield from emit("agency", skewed(rng, c["agency"]), rng.choice(control), "group", i)
    for i in range(c["person"]):
        draw = rng.random()
        if draw < 0.25:
            yield from emit("person", i, "MEMBER_OF", "group", skewed(rng, c["group"]))
        elif draw < 0.28:
            yield from emit("person", i, "MEMBER_OF", "agency", skewed(rng, c["agency"]))
        if rng.random() < 0.01:
            yield from emit("person", i, "LEADS", "group", rng.randrange(c["group"]))
        if rng.random() < 0.2:
            yield from emit("person", i, "OWNS", "company", rng.randrange(c["company"]))
        if rng.random() < 0.05:
            yield from emit("person", i, "SANCTIONED_BY", "authority", 0)
        yield from emit("person", i, "BASED_IN", "location", skewed(rng, c["location"], 2))
        if rng.random() < 0.05:
            yield from emit("agency", skewed(rng, c["agency"]), rng.choice(control), "person", i)
    for i in range(c["company"]):
        yield from emit("company", i, "BASED_IN", "location", skewed(rng, c["location"], 2))
        if rng.random() < 0.3:
            yield from emit("company", i, "ENABLES", "group", skewed(rng, c["group"]))
        if rng.random() < 0.1:
            yield from emit("company", i, "LAUNDERS_FOR", "group", skewed(rng, c["group"]))
        if rng.random() < 0.05:
            yield from emit("company", i, "SANCTIONED_BY", "authority", 0)
    for i in range(c["incident"]):
        if rng.random() < 0.6:
            yield from emit("group", skewed(rng, c["group"], 2), "PERPETRATED", "incident", i)
        else:
            yield from emit("person", rng.randrange(c["person"]), "PERPETRATED", "incident", i)
        for _ in range(rng.choice((1, 1, 2))):
            if rng.random() < 0.5:
                yield from emit("incident", i, "TARGETS", "company", rng.randrange(c["company"]))
            else:
                yield from emit("incident", i, "TARGETS", "person", rng.randrange(c["person"]))
        if rng.random() < 0.1:
            yield from emit("incident", i, "ATTRIBUTED_TO", "state", rng.randrange(c["state"]))
        if rng.random() < 0.2:
            yield from emit("incident", i, "ATTRIBUTED_TO", "group", skewed(rng, c["group"], 2))
    # noise: links that say two entities are connected, and no more
    everyone = [(b, c[b]) for b in ("person", "company", "group", "agency", "incident")]
    weights = [c[b] for b, _ in everyone]
    total = sum(c.values())
    target = int(total * 2.9)
    while len(seen) < target:
        (sb, sn), (tb, tn) = rng.choices(everyone, weights, k=2)
        yield from emit(sb, rng.randrange(sn), "LINKED_TO", tb, skewed(rng, tn, 1.5))


def write(entities: int, output: Path, seed: int = 7) -> tuple[int, int]:
    """Write the records to ``output``; the number of entities and links written."""
    made = [0, 0]
    with output.open("wb") as sink:
        for record in records(entities, seed):
            made["source" in record and "target" in record] += 1
            sink.write(orjson.dumps(record) + b"\n")
    return made[0], made[1]


def main() -> None:
    parser = argparse.ArgumentParser(description="Write synthetic JSONL records (NOT REAL DATA).")
    parser.add_argument("--entities", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    ents, links = write(args.entities, args.output, args.seed)
    print(f"{args.output}: {ents} entities, {links} links (synthetic, not real data)")


if __name__ == "__main__":
    main()
