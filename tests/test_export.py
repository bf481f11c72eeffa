"""Exports (GraphML, GEXF, the JSON record document) and the TLP cut.

Why: an analyst takes the graph to Gephi or hands it to a partner; what leaves
must keep every entity, link, kind, relation type and the evidence of each
link, and the JSON must load back as the same records. What is marked above
the partner's TLP level must not leave at all, nor a link stripped of its
evidence.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from statecrime.views.export import (
    RECORDS_FORMAT,
    SCHEMA_VERSION,
    export_graph,
    graph_from_records,
    graph_records,
)
from statecrime.views.tlp import restrict_tlp

RECORDS: dict[str, Any] = {
    "schemaVersion": 1,
    "format": "statecrime-records",
    "entities": [
        {"id": "kp", "kind": "State", "name": "North Korea", "country": "KP", "aliases": ["DPRK"]},
        {
            "id": "kp-rgb",
            "kind": "StateAgency",
            "name": "Reconnaissance General Bureau",
            "country": "KP",
            "aliases": ["RGB"],
            "topics": ["gov.security"],
        },
        {
            "id": "lazarus",
            "kind": "HackingGroup",
            "name": "Lazarus Group",
            "aliases": ["APT38", "Hidden Cobra"],
            "crimeTypes": ["cyber-theft"],
            "identifiers": {"mitre": ["G0032"]},
        },
        {
            "id": "park",
            "kind": "Person",
            "name": "Park Jin Hyok",
            "roles": ["hacker"],
            "country": "KP",
            "description": "Charged in the US in 2018.",
        },
        {
            "id": "heist",
            "kind": "Incident",
            "name": "Ronin bridge theft",
            "date": "2022-03",
            "crimeTypes": ["cyber-theft"],
        },
        {
            "id": "traders",
            "kind": "Organisation",
            "name": "Class of crypto traders",
            "isClass": True,
        },
    ],
    "sources": [
        {
            "id": "doj-2018",
            "kind": "Source",
            "name": "North Korean regime-backed programmer charged",
            "publisher": "US Department of Justice",
            "title": "North Korean regime-backed programmer charged",
            "date": "2018-09-06",
            "url": "https://www.justice.gov/opa/pr/north-korean-regime-backed-programmer-charged",
            "sourceType": "indictment",
        },
        {
            "id": "fbi-2022",
            "kind": "Source",
            "name": "FBI statement on Ronin",
            "publisher": "FBI",
            "title": "FBI statement on Ronin",
            "date": "2022-04-14",
            "sourceType": "official-attribution",
            "tlp": "GREEN",
        },
        {
            "id": "secret",
            "kind": "Source",
            "name": "A partner's report",
            "publisher": "Partner",
            "title": "A partner's report",
            "date": "2023",
            "tlp": "RED",
        },
    ],
    "links": [
        {
            "source": "kp-rgb",
            "type": "PART_OF",
            "target": "kp",
            "grading": "A1",
            "sources": ["doj-2018"],
        },
        {
            "source": "lazarus",
            "type": "PART_OF",
            "target": "kp-rgb",
            "grading": "B2",
            "sources": ["doj-2018", "secret"],
            "since": "2014",
        },
        {
            "source": "park",
            "type": "MEMBER_OF",
            "target": "lazarus",
            "grading": "B2",
            "sources": ["doj-2018"],
            "note": "worked for Chosun Expo, an RGB front",
        },
        {
            "source": "lazarus",
            "type": "PERPETRATED",
            "target": "heist",
            "grading": "B2",
            "sources": ["fbi-2022"],
            "since": "2022-03",
            "until": "2022-03",
            "tlp": "GREEN",
        },
        {
            "source": "kp-rgb",
            "type": "TASKS",
            "target": "lazarus",
            "grading": "C3",
            "sources": ["secret"],
            "tlp": "AMBER",
        },
        {
            "source": "kp-rgb",
            "type": "DIRECTS",
            "target": "lazarus",
            "grading": "B2",
            "sources": ["doj-2018"],
            "tlp": "RED",
        },
        {
            "source": "heist",
            "type": "TARGETS",
            "target": "traders",
            "grading": "B3",
            "sources": ["fbi-2022"],
        },
    ],
}


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    return graph_from_records(copy.deepcopy(RECORDS))


def _evidence(graph: nx.MultiDiGraph) -> dict[tuple[str, str, str], list[str]]:
    return {
        (u, k, v): sorted(s["id"] for s in d["sources"])
        for u, v, k, d in graph.edges(keys=True, data=True)
    }


def test_json_export_is_the_input_records(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = export_graph(graph, "json", tmp_path / "out.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["schemaVersion"] == SCHEMA_VERSION == 1
    assert document["format"] == RECORDS_FORMAT
    assert document == _sorted(RECORDS)


def _sorted(document: dict[str, Any]) -> dict[str, Any]:
    """The records in the export's documented order: by id, links by (source, type, target)."""
    return document | {
        "entities": sorted(document["entities"], key=lambda e: e["id"]),
        "sources": sorted(document["sources"], key=lambda s: s["id"]),
        "links": sorted(document["links"], key=lambda k: (k["source"], k["type"], k["target"])),
    }


def test_json_export_loads_back_into_the_same_graph(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    document = json.loads(export_graph(graph, "json", tmp_path / "out.json").read_text())
    again = graph_from_records(document)
    assert nx.utils.edges_equal(
        again.edges(keys=True, data=True), graph.edges(keys=True, data=True)
    )
    assert dict(again.nodes(data=True)) == dict(graph.nodes(data=True))


def test_records_list_each_source_once(graph: nx.MultiDiGraph) -> None:
    ids = [source["id"] for source in graph_records(graph)["sources"]]
    assert sorted(ids) == ["doj-2018", "fbi-2022", "secret"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_formats_keep_kinds_types_and_evidence(
    fmt: str, graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    path = export_graph(graph, fmt, tmp_path / f"out.{fmt}")  # type: ignore[arg-type]
    back = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
    assert back.is_directed() and back.is_multigraph()
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    for node, attrs in graph.nodes(data=True):
        assert back.nodes[node]["kind"] == attrs["kind"]
        assert back.nodes[node]["label"] == attrs["name"]
        assert json.loads(back.nodes[node]["aliasesJson"]) == attrs["aliases"]
    evidence = {}
    for u, v, data in back.edges(data=True):
        assert data["label"] == data["relationType"]
        if fmt == "graphml":
            assert data["type"] == data["relationType"]
        sources = json.loads(data["sourcesJson"])
        assert data["sourceCount"] == len(sources)
        original = graph.edges[u, v, data["relationType"]]
        assert sources == original["sources"]
        assert data["grading"] == original["grading"]
        evidence[(u, data["relationType"], v)] = sorted(s["id"] for s in sources)
    assert evidence == _evidence(graph)
    assert back.nodes["traders"]["isClass"] in (True, "true")


def test_unknown_export_format_is_refused(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_graph(graph, "csv", tmp_path / "out.csv")  # type: ignore[arg-type]


def test_restrict_tlp_drops_links_and_sources_above_the_level(graph: nx.MultiDiGraph) -> None:
    before = _evidence(graph)
    green = restrict_tlp(graph, "GREEN")
    kept = _evidence(green)
    # the RED link and the AMBER link (whose only source is RED) are gone
    assert ("kp-rgb", "DIRECTS", "lazarus") not in kept
    assert ("kp-rgb", "TASKS", "lazarus") not in kept
    # a link with a RED source among others keeps the rest of its evidence
    assert kept[("lazarus", "PART_OF", "kp-rgb")] == ["doj-2018"]
    assert ("lazarus", "PERPETRATED", "heist") in kept
    assert green.number_of_nodes() == graph.number_of_nodes()
    assert _evidence(graph) == before, "the input graph must not change"
    assert all(s.get("tlp") != "RED" for _, _, d in green.edges(data=True) for s in d["sources"])


def test_restrict_tlp_amber_keeps_amber_but_never_a_link_without_evidence(
    graph: nx.MultiDiGraph,
) -> None:
    amber = restrict_tlp(graph, "TLP:AMBER")
    kept = _evidence(amber)
    assert ("kp-rgb", "DIRECTS", "lazarus") not in kept
    # the AMBER link is allowed, but its only source is RED: no evidence, no link
    assert ("kp-rgb", "TASKS", "lazarus") not in kept
    assert restrict_tlp(graph, "RED").number_of_edges() == graph.number_of_edges()
    clear = restrict_tlp(graph, "WHITE")
    assert ("lazarus", "PERPETRATED", "heist") not in _evidence(clear)
    assert ("heist", "TARGETS", "traders") not in _evidence(clear), "its source is GREEN"
    assert ("park", "MEMBER_OF", "lazarus") in _evidence(clear)


def test_restrict_tlp_withholds_marked_entities(graph: nx.MultiDiGraph) -> None:
    graph.nodes["park"]["tlp"] = "AMBER"
    green = restrict_tlp(graph, "GREEN")
    assert "park" not in green
    assert not any("park" in (u, v) for u, v in green.edges())


def test_restrict_tlp_refuses_an_unknown_level(graph: nx.MultiDiGraph) -> None:
    with pytest.raises(ValueError):
        restrict_tlp(graph, "PURPLE")


def test_json_records_pass_the_loaders_model(graph: nx.MultiDiGraph) -> None:
    """What ``statecrime load`` checks record by record must accept every exported record."""
    from statecrime.graph.model import Entity, Link

    document = graph_records(graph)
    for record in document["entities"] + document["sources"]:
        assert Entity.model_validate(record).record() == record
    for link in document["links"]:
        assert Link.model_validate(link).record() == link
