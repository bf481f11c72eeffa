"""Purpose-built graphs for the query tests, and independent networkx answers.

Why: the queries are Cypher that the embedded store runs; to know they are
right, the tests compare them with answers computed here from the same records
by other means (networkx's simple-path and shortest-path enumerations), and
with a few answers worked out by hand in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from statecrime.graph import domain
from statecrime.graph.dates import PartialDate
from statecrime.graph.grading import Grading

TRICKY_NAME = 'O\'Brien "the \\ fixer" RETURN 1 // MATCH (n) DETACH DELETE n'
"""A name with quotes, a backslash, a comment and Cypher keywords: data, never code."""

SOURCES = [
    {
        "id": "src-one",
        "publisher": "Publisher One",
        "title": "First report",
        "date": "2020-01-01",
        "url": "https://example.org/one",
    },
    {"id": "src-two", "publisher": "Publisher Two", "title": "Second report", "date": "2021-06"},
]


def _e(id_: str, kind: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": id_, "kind": kind, "name": name or id_.upper(), **fields}


ENTITIES = [
    _e("s1", "State", "State One", country="AA"),
    _e("s2", "State", "State Two", country="BB"),
    _e("s3", "State", "State Three", country="CC"),
    _e("ag1", "StateAgency", "Agency One", country="AA"),
    _e("ag2", "StateAgency", "Unit Two", country="AA"),
    _e("off1", "Person", TRICKY_NAME, country="AA", roles=["officer"]),
    _e("grp1", "CybercrimeGroup", "Group One", country="AA", crimeTypes=["ransomware"]),
    _e("grp2", "CybercrimeGroup", "Group Two", country="BB", crimeTypes=["fraud"]),
    _e("mem1", "Person", "Member One", country="DD", crimeTypes=["cyber-theft"]),
    _e("hack1", "HackingGroup", "Hackers One", country="AA"),
    _e("ocg1", "OrganisedCrimeGroup", "Gang One", country="EE", crimeTypes=["violence"]),
    _e("rec1", "Person", "Recruit One", country="GB"),
    _e("rec2", "Person", "Recruit Two", country="GB", crimeTypes=["arson"]),
    _e("vic1", "Organisation", "Victim One", country="GB"),
    _e("vic2", "Person", "Victim Two", country="GB"),
    _e("loc1", "Location", "Place One", country="GB"),
    _e(
        "inc1",
        "Incident",
        "Theft One",
        date="2018-05",
        crimeTypes=["cyber-theft"],
        sources=["src-two"],
    ),
    _e("inc2", "Incident", "Intrusion Two", date="2021", crimeTypes=["cyber-intrusion"]),
    _e(
        "inc3",
        "Incident",
        "Arson Three",
        date="2024-03-20",
        crimeTypes=["arson"],
        sources=["src-one"],
    ),
    _e("inc4", "Incident", "Fraud Four", date="2020", crimeTypes=["fraud"]),
]


def _l(source: str, type_: str, target: str, grading: str, **fields: Any) -> dict[str, Any]:
    return {
        "source": source,
        "type": type_,
        "target": target,
        "grading": grading,
        "sources": fields.pop("sources", ["src-one"]),
        **fields,
    }


LINKS = [
    _l("ag1", "PART_OF", "s1", "A1"),
    _l("ag2", "PART_OF", "ag1", "A2"),
    _l("off1", "MEMBER_OF", "ag1", "B2", since="2015"),
    _l("off1", "SPONSORS", "grp1", "B2", since="2019-12", sources=["src-one", "src-two"]),
    _l("ag1", "TASKS", "grp1", "B2", until="2019", note="tasked before 2019"),
    _l("mem1", "MEMBER_OF", "grp1", "A2"),
    _l("mem1", "PERPETRATED", "inc1", "B3"),
    _l("grp1", "PERPETRATED", "inc1", "A2"),
    _l("inc1", "TARGETS", "vic1", "A2"),
    _l("grp1", "TARGETS", "vic2", "C3", sources=["src-two"]),
    _l("hack1", "PART_OF", "ag2", "B2"),
    _l("ag2", "DIRECTS", "hack1", "B2"),
    _l("inc2", "ATTRIBUTED_TO", "hack1", "B2"),
    _l("inc2", "TARGETS", "vic1", "A1"),
    _l("s1", "USES_AS_PROXY", "ocg1", "C3", since="2022"),
    _l("ocg1", "TASKS", "rec1", "A1", since="2023"),
    _l("rec1", "TASKS", "rec2", "A1"),
    _l("rec2", "PAYS", "rec1", "B2"),
    _l("rec2", "PERPETRATED", "inc3", "A1"),
    _l("inc3", "TARGETS", "loc1", "A1"),
    _l("s2", "TOLERATES", "grp2", "B2"),
    _l("s2", "PAYS", "grp2", "F6"),
    _l("grp2", "LINKED_TO", "grp1", "B2"),
    _l("inc4", "ATTRIBUTED_TO", "s2", "B2", since="2020"),
    _l("inc4", "TARGETS", "vic1", "B2"),
    _l("grp1", "SANCTIONED_BY", "s2", "A1", since="2019-12-05"),
    _l("grp1", "BASED_IN", "s1", "A2"),
    _l("grp2", "SANCTIONED_BY", "s3", "A1"),
]


def write_graph(folder: Path, entities=ENTITIES, links=LINKS, sources=SOURCES) -> Path:
    """The records as one YAML file the loader reads."""
    path = folder / "graph.yaml"
    document = {"sources": sources, "entities": entities, "links": links}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


# --- independent answers --------------------------------------------------------------


def _hop_ok(link: dict[str, Any], min_grading: str | None, as_of: str | None) -> bool:
    if min_grading and not Grading.parse(link["grading"]).meets(Grading.parse(min_grading)):
        return False
    if as_of:
        if link.get("since") and PartialDate(str(link["since"])).first > as_of:
            return False
        if link.get("until") and PartialDate(str(link["until"])).last < as_of:
            return False
    return True


def chain_graph(links: Iterable[dict[str, Any]], min_grading=None, as_of=None) -> nx.MultiDiGraph:
    """Links as a chain reads them: backward-crossed links reversed, others left out."""
    graph = nx.MultiDiGraph()
    for link in links:
        if not _hop_ok(link, min_grading, as_of):
            continue
        crossing = domain.RELATIONS[link["type"]].chain
        key = (link["source"], link["type"], link["target"])
        if crossing is domain.Crossing.FORWARD:
            graph.add_edge(link["source"], link["target"], key=key, **link)
        elif crossing is domain.Crossing.BACKWARD:
            graph.add_edge(link["target"], link["source"], key=key, **link)
    return graph


def _valid(path: list[tuple[str, str, tuple[str, str, str]]]) -> bool:
    types = [key[1] for _, _, key in path]
    stages = [domain.RELATIONS[t].stage for t in types]
    for i in range(len(types) - 1):
        if stages[i] is domain.Stage.ACT and (
            stages[i + 1] is not domain.Stage.ACT or types[i] == "TARGETS"
        ):
            return False
    return any(
        domain.RELATIONS[t].tasking or s is domain.Stage.ACT
        for t, s in zip(types, stages, strict=True)
    )


def path_key(start: str, path: list[tuple[str, str, tuple[str, str, str]]]) -> str:
    parts = [start]
    for _, v, key in path:
        parts += [key[1], v]
    return " ".join(parts)


def expected_chains(
    entities=ENTITIES,
    links=LINKS,
    *,
    state: str | None = None,
    max_hops: int = 4,
    min_grading: str | None = None,
    as_of: str | None = None,
    target_country: str | None = None,
    crime: str | None = None,
) -> list[tuple[str, str]]:
    """(grading, key) of each chain, in the order find_chains must return them."""
    by_id = {e["id"]: e for e in entities}
    graph = chain_graph(links, min_grading, as_of)
    starts = [state] if state else [e["id"] for e in entities if e["kind"] == "State"]
    valid: dict[tuple, str] = {}
    for start in starts:
        if start not in graph:
            continue
        others = set(graph.nodes) - {start}
        for path in nx.all_simple_edge_paths(graph, start, others, cutoff=max_hops):
            if _valid(path):
                valid[(start, *(key for _, _, key in path))] = path_key(start, path)
    maximal = [
        chain
        for chain in valid
        if not any(len(o) > len(chain) and o[: len(chain)] == chain for o in valid)
    ]
    found = []
    for chain in maximal:
        key = valid[chain]
        ids = key.split(" ")[::2]
        if target_country and by_id[ids[-1]].get("country") != target_country:
            continue
        if crime and not any(crime in (by_id[i].get("crimeTypes") or []) for i in ids):
            continue
        hops = [
            next(link for link in links if (link["source"], link["type"], link["target"]) == k)
            for k in chain[1:]
        ]
        grading = max(h["grading"][0] for h in hops) + max(h["grading"][1] for h in hops)
        found.append((grading, len(hops), key))
    return [(g, k) for g, _, k in sorted(found)]
