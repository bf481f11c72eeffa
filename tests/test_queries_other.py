"""Taskings, backers, cross-proxies, paths, neighbourhoods, brokers, communities,
timelines, the report and the analysis commands' output, on a purpose-built graph.

Why: each query must give the answer worked out by hand on the small graph of
tests/support/query_graphs.py, and where networkx has the same notion (simple
paths, shortest paths, ego graphs, betweenness, modularity) the same answer as
networkx on the same records.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import networkx as nx
import pytest

from statecrime.cli_analysis import (
    brokers_output,
    chains_output,
    communities_output,
    cross_proxies_output,
    paths_output,
    taskings_output,
    timeline_output,
)
from statecrime.graph import domain
from statecrime.loaders.load import load_paths
from statecrime.output import OutputFormat, emit
from statecrime.queries import analysis
from statecrime.queries.around import find_around
from statecrime.queries.chains import find_chains
from statecrime.queries.cross_proxies import find_cross_proxies, find_cross_proxies_by_cypher
from statecrime.queries.paths import find_paths, find_paths_by_cypher
from statecrime.queries.report import render_report, write_report
from statecrime.queries.taskings import (
    find_backers,
    find_backers_by_cypher,
    find_taskings,
    find_taskings_by_cypher,
)
from statecrime.queries.timeline import find_timeline
from tests.support.query_graphs import ENTITIES, LINKS, TRICKY_NAME, write_graph


@pytest.fixture
def graph_store(empty_store, tmp_path):
    load_paths(empty_store, [write_graph(tmp_path)])
    return empty_store


def _row(t):
    return (t.state["id"], t.tasker["id"], t.link.type, t.tasked["id"], len(t.route))


# --- taskings, backers, cross-proxies -------------------------------------------------


def test_taskings_of_state_one(graph_store) -> None:
    found = find_taskings(graph_store, state="s1")
    assert sorted(_row(t) for t in found) == sorted(
        [
            ("s1", "s1", "USES_AS_PROXY", "ocg1", 0),
            ("s1", "ag1", "TASKS", "grp1", 1),
            ("s1", "ocg1", "TASKS", "rec1", 1),
            ("s1", "off1", "SPONSORS", "grp1", 2),
            ("s1", "ag2", "DIRECTS", "hack1", 2),
            ("s1", "rec1", "TASKS", "rec2", 2),
            ("s1", "rec2", "PAYS", "rec1", 3),
        ]
    )
    sponsor = next(t for t in found if t.link.type == "SPONSORS")
    assert [n["id"] for n in sponsor.via] == ["s1", "ag1", "off1"]
    assert [h.direction for h in sponsor.route] == ["backward", "backward"]
    assert sponsor.grading == "B2"
    assert [s["publisher"] for s in sponsor.link.sources] == ["Publisher One", "Publisher Two"]


def test_taskings_of_every_state_and_tolerance(graph_store) -> None:
    found = find_taskings(graph_store)
    assert {t.state["id"] for t in found} == {"s1", "s2"}
    assert sorted(_row(t) for t in found if t.state["id"] == "s2") == [
        ("s2", "s2", "PAYS", "grp2", 0),
        ("s2", "s2", "TOLERATES", "grp2", 0),
    ]
    assert [t.state["id"] for t in found] == sorted(t.state["id"] for t in found)


def _same_taskings(store) -> int:
    """Every state's taskings and cross-nationality proxies (and all states'), and the
    backers of every actor tasked, by the hop searches and by the .cypher texts."""
    count = 0
    for state in (None, *sorted({t.state["id"] for t in find_taskings(store)})):
        by_hops = [t.as_dict() for t in find_taskings(store, state=state)]
        by_cypher = [t.as_dict() for t in find_taskings_by_cypher(store, state=state)]
        assert by_hops == by_cypher, state
        assert by_hops, state
        count += len(by_hops)
        crossing = [t.as_dict() for t in find_cross_proxies(store, state=state)]
        assert crossing == [t.as_dict() for t in find_cross_proxies_by_cypher(store, state=state)]
    for actor in sorted({t.tasked["id"] for t in find_taskings(store)}):
        by_hops = [t.as_dict() for t in find_backers(store, actor)]
        assert by_hops == [t.as_dict() for t in find_backers_by_cypher(store, actor)], actor
        assert by_hops, actor
    return count


def test_taskings_searched_a_hop_at_a_time_are_the_cypher_texts_answer(graph_store) -> None:
    """find_taskings (queries/side.py) returns the rows of taskings.cypher, in its order,
    routes and evidence included."""
    assert _same_taskings(graph_store) > 10


def test_taskings_of_the_curated_data_by_both_searches(curated_store) -> None:
    assert _same_taskings(curated_store) > 60
    assert len(find_cross_proxies(curated_store)) > 10


def test_taskings_searched_a_hop_at_a_time_on_both_engines(engine_store, tmp_path) -> None:
    """Routes of one length to a tasker are chosen as taskings.cypher chooses them (by the
    ids along them, then by the relation types), on the embedded store and on Neo4j."""
    source = {
        "id": "tie-src",
        "kind": "Source",
        "publisher": "statecrime tests (not real data)",
        "title": "Invented records",
        "date": "2026-01-01",
        "sourceType": "research",
    }
    entities = [
        {"id": "tie-state", "kind": "State", "name": "Invented State", "country": "AA"},
        {"id": "tie-ag-b", "kind": "StateAgency", "name": "Agency B"},
        {"id": "tie-ag-a", "kind": "StateAgency", "name": "Agency A"},
        {"id": "tie-grp-x", "kind": "CybercrimeGroup", "name": "Group X"},
        {"id": "tie-grp-y", "kind": "CybercrimeGroup", "name": "Group Y"},
        {"id": "tie-grp-w", "kind": "CybercrimeGroup", "name": "Group W"},
        {"id": "tie-officer", "kind": "Person", "name": "Officer Z"},
    ]
    links = [
        ("tie-ag-a", "PART_OF", "tie-state"),
        ("tie-ag-b", "PART_OF", "tie-state"),
        ("tie-ag-b", "TASKS", "tie-grp-x"),  # the same length through B: B sorts after A
        ("tie-ag-a", "TASKS", "tie-grp-x"),
        ("tie-ag-a", "PAYS", "tie-grp-x"),  # A to X twice: PAYS sorts before TASKS
        ("tie-grp-x", "TASKS", "tie-grp-y"),
        ("tie-officer", "MEMBER_OF", "tie-ag-b"),
        ("tie-officer", "SPONSORS", "tie-grp-w"),
    ]
    records = tmp_path / "ties.json"
    records.write_text(
        json.dumps(
            {
                "sources": [source],
                "entities": entities,
                "links": [
                    {"source": a, "type": t, "target": b, "grading": "B2", "sources": ["tie-src"]}
                    for a, t, b in links
                ],
            }
        ),
        encoding="utf-8",
    )
    load_paths(engine_store, [records])
    found = find_taskings(engine_store, state="tie-state")
    assert [t.as_dict() for t in found] == [
        t.as_dict() for t in find_taskings_by_cypher(engine_store, state="tie-state")
    ]
    routes = {(t.tasker["id"], t.link.type, t.tasked["id"]): t for t in found}
    via_x = routes[("tie-grp-x", "TASKS", "tie-grp-y")]
    assert [n["id"] for n in via_x.via] == ["tie-state", "tie-ag-a", "tie-grp-x"]
    assert [h.type for h in via_x.route] == ["PART_OF", "PAYS"]
    sponsor = routes[("tie-officer", "SPONSORS", "tie-grp-w")]
    assert [h.direction for h in sponsor.route] == ["backward", "backward"]
    assert len(found) == 5
    for actor in ("tie-grp-x", "tie-grp-y", "tie-grp-w"):
        backers = [t.as_dict() for t in find_backers(engine_store, actor)]
        assert backers == [t.as_dict() for t in find_backers_by_cypher(engine_store, actor)]
    behind_y = find_backers(engine_store, "tie-grp-y")
    assert [[n["id"] for n in t.via] for t in behind_y] == [["tie-state", "tie-ag-a", "tie-grp-x"]]
    assert [h.type for h in behind_y[0].route] == ["PART_OF", "PAYS"]


def test_backers_are_the_inverse_of_taskings(graph_store) -> None:
    every = find_taskings(graph_store)
    for actor in ("grp1", "grp2", "rec1", "rec2", "hack1", "ocg1", "mem1"):
        backers = find_backers(graph_store, actor)
        assert sorted(_row(t) for t in backers) == sorted(
            _row(t) for t in every if t.tasked["id"] == actor
        ), actor
    grp1 = find_backers(graph_store, "grp1")
    assert {(t.tasker["id"], t.link.type) for t in grp1} == {("ag1", "TASKS"), ("off1", "SPONSORS")}


def test_cross_proxies(graph_store) -> None:
    found = find_cross_proxies(graph_store)
    assert sorted((t.tasker["id"], t.link.type, t.tasked["id"]) for t in found) == [
        ("ocg1", "TASKS", "rec1"),
        ("rec1", "TASKS", "rec2"),
        ("rec2", "PAYS", "rec1"),
        ("s1", "USES_AS_PROXY", "ocg1"),
    ]
    assert all(t.tasked["country"] != t.state["country"] for t in found)
    assert find_cross_proxies(graph_store, state="s2") == []


# --- paths ------------------------------------------------------------------------------


def _undirected(links=LINKS) -> nx.MultiGraph:
    graph = nx.MultiGraph()
    graph.add_nodes_from(e["id"] for e in ENTITIES)
    for link in links:
        graph.add_edge(link["source"], link["target"], key=link["type"])
    return graph


def _key(start, edge_path) -> str:
    parts = [start]
    node = start
    for u, v, key in edge_path:
        node = v if u == node else u
        parts += [key, node]
    return " ".join(parts)


@pytest.mark.parametrize(
    ("a", "b", "hops"),
    [
        ("s1", "vic1", 4),
        ("off1", "loc1", 5),
        ("grp2", "rec2", 6),
        ("s3", "mem1", 3),
        ("s1", "ag1", 2),
    ],
)
def test_paths_agree_with_networkx(graph_store, a, b, hops) -> None:
    found = find_paths(graph_store, a, b, max_hops=hops)
    graph = _undirected()
    expected = sorted(
        (_key(a, p) for p in nx.all_simple_edge_paths(graph, a, b, cutoff=hops)),
        key=lambda k: (k.count(" ") // 2, k),
    )
    assert [p.key for p in found.paths] == expected
    shortest = {tuple(p.ids) for p in found.shortest}
    assert shortest == {tuple(p) for p in nx.all_shortest_paths(nx.Graph(graph), a, b)}
    for path in found.paths:
        for hop, (x, y) in zip(path.hops, zip(path.ids, path.ids[1:], strict=False), strict=True):
            assert (hop.source, hop.target) == ((x, y) if hop.direction == "forward" else (y, x))


_FROM = ("s1", "s3", "off1", "grp2", "inc3")


@pytest.mark.parametrize(
    ("hops", "exclude"), [(4, ()), (1, ()), (3, ("SANCTIONED_BY",)), (6, ("BASED_IN", "TARGETS"))]
)
def test_paths_from_both_ends_on_both_engines(engine_store, tmp_path, hops, exclude) -> None:
    """The search from both ends lists what paths_all.cypher and networkx list, hop fields
    and all, on the embedded store and on Neo4j, from five entities to every other."""
    load_paths(engine_store, [write_graph(tmp_path)])
    kept = _undirected([link for link in LINKS if link["type"] not in exclude])
    some = 0
    for a in _FROM:
        for b in (e["id"] for e in ENTITIES if e["id"] != a):
            found = find_paths(engine_store, a, b, max_hops=hops, exclude=exclude).paths
            expected = sorted(
                (_key(a, p) for p in nx.all_simple_edge_paths(kept, a, b, cutoff=hops)),
                key=lambda k: (k.count(" ") // 2, k),
            )
            assert [p.key for p in found] == expected, (a, b)
            by_cypher = find_paths_by_cypher(engine_store, a, b, max_hops=hops, exclude=exclude)
            assert [p.as_dict() for p in found] == [p.as_dict() for p in by_cypher], (a, b)
            some += len(found)
    assert some >= len(_FROM)  # the bound and the exclusions leave paths to compare


def test_paths_from_both_ends_on_the_curated_data(curated_store) -> None:
    """The curated dataset's hubs (states, their agencies) give the text's paths too."""
    for a, b in [("evil-corp", "ru"), ("ru", "ir"), ("evil-corp", "lazarus-group")]:
        found = find_paths(curated_store, a, b, max_hops=4).paths
        assert found, (a, b)
        by_cypher = find_paths_by_cypher(curated_store, a, b, max_hops=4)
        assert [p.key for p in found] == [p.key for p in by_cypher], (a, b)


def test_paths_exclude_and_limit(graph_store) -> None:
    found = find_paths(graph_store, "s1", "s2", max_hops=4, exclude=["SANCTIONED_BY"])
    kept = _undirected([link for link in LINKS if link["type"] != "SANCTIONED_BY"])
    expected = {_key("s1", p) for p in nx.all_simple_edge_paths(kept, "s1", "s2", cutoff=4)}
    assert {p.key for p in found.paths} == expected
    assert not any("SANCTIONED_BY" in p.key for p in found.paths)
    # the shortest search leaves no type out
    assert [p.key for p in found.shortest] == ["s1 BASED_IN grp1 SANCTIONED_BY s2"]
    assert len(find_paths(graph_store, "s1", "vic1", limit=2).paths) == 2
    with pytest.raises(ValueError):
        find_paths(graph_store, "s1", "s1")
    with pytest.raises(ValueError):
        find_paths(graph_store, "s1", "s2", exclude=["NOT_A_TYPE"])


# --- around ---------------------------------------------------------------------------


@pytest.mark.parametrize("through_context", [False, True])
@pytest.mark.parametrize(("center", "hops"), [("grp1", 1), ("grp1", 2), ("rec2", 3), ("s3", 1)])
def test_around_is_the_ego_graph(graph_store, center, hops, through_context) -> None:
    hood = find_around(graph_store, center, hops, through_context=through_context, cap=None)
    assert hood is not None
    crossed = [
        link for link in LINKS if through_context or link["type"] not in domain.CONTEXT_TYPES
    ]
    nodes = set(nx.ego_graph(_undirected(crossed), center, radius=hops).nodes)
    assert hood.cut == []
    assert {e.id for e in hood.entities} == nodes
    expected_links = {
        (link["source"], link["type"], link["target"])
        for link in LINKS
        if link["source"] in nodes and link["target"] in nodes
    }
    assert {link.key for link in hood.links} == expected_links
    graph = hood.graph()
    assert set(graph.nodes) == nodes
    edge = next(iter(graph.edges(data=True)), None)
    if edge is not None:
        assert all("publisher" in s for s in edge[2]["sources"])


@pytest.mark.parametrize(("center", "hops"), [("grp1", 1), ("grp1", 2), ("rec2", 3)])
def test_around_does_not_cross_context_by_default(graph_store, center, hops) -> None:
    """The default neighbourhood is the ego graph of the links that are not context relations."""
    hood = find_around(graph_store, center, hops, cap=None)
    assert hood is not None
    connecting = _undirected([lk for lk in LINKS if lk["type"] not in domain.CONTEXT_TYPES])
    assert {e.id for e in hood.entities} == set(nx.ego_graph(connecting, center, radius=hops))
    assert hood.as_dict()["skipped"] == list(domain.CONTEXT_TYPES)


def test_around_unknown_entity(graph_store) -> None:
    assert find_around(graph_store, "nobody' OR 1=1") is None


# --- brokers and communities ----------------------------------------------------------


def _record_graph() -> nx.Graph:
    kinds = {e["id"]: e for e in ENTITIES}
    graph = nx.Graph()
    for link in LINKS:
        if link["type"] not in analysis.DEFAULT_EXCLUDE:
            a, b = link["source"], link["target"]
            weight = graph.edges[a, b]["weight"] + 1 if graph.has_edge(a, b) else 1
            graph.add_edge(a, b, weight=weight)  # one edge per pair, weighted by its links
    nx.set_node_attributes(graph, {n: kinds[n] for n in graph})
    return graph


def test_brokers_agree_with_networkx(graph_store) -> None:
    found = analysis.brokers(graph_store, limit=None)
    graph = _record_graph()
    states = [n for n in graph if graph.nodes[n]["kind"] == "State"]
    crime = [
        n
        for n in graph
        if graph.nodes[n].get("crimeTypes")
        or graph.nodes[n]["kind"] in ("Incident", *domain.GROUPS)
    ]
    subset = nx.betweenness_centrality_subset(graph, states, crime, normalized=False)
    overall = nx.betweenness_centrality(graph)
    assert {b.id: b.stateCrime for b in found} == {
        n: round(v, 6) for n, v in subset.items() if v > 0 or overall[n] > 0
    }
    assert all(b.betweenness == round(overall[b.id], 6) for b in found)
    assert found[0].stateCrime == max(subset.values())
    assert [b.stateCrime for b in found] == sorted((b.stateCrime for b in found), reverse=True)


def test_communities_partition_the_linked_network(graph_store) -> None:
    found = analysis.communities(graph_store)
    graph = _record_graph()
    members = [m["id"] for c in found.communities for m in c.members]
    assert len(members) == len(set(members))
    assert set(members) <= set(graph.nodes)
    singletons = [{n} for n in set(graph.nodes) - set(members)]
    parts = [{m["id"] for m in c.members} for c in found.communities] + singletons
    assert found.modularity == round(nx.community.modularity(graph, parts, weight="weight"), 6)
    assert found.isolated == len([e for e in ENTITIES if e["id"] not in graph])
    assert analysis.communities(graph_store).as_dict() == found.as_dict()


# --- timeline -------------------------------------------------------------------------


def test_timeline_of_an_entity(graph_store) -> None:
    events = find_timeline(graph_store, ["grp1"])
    assert [(e.day, e.event, e.type or e.incident) for e in events] == [
        ("2018-05-01", "incident", "inc1"),
        ("2019-01-01", "end", "TASKS"),
        ("2019-12-01", "start", "SPONSORS"),
        ("2019-12-05", "start", "SANCTIONED_BY"),
    ]
    assert events[0].sources[0]["publisher"] == "Publisher Two"


def test_timeline_of_a_chain(graph_store) -> None:
    chain = next(
        c
        for c in find_chains(graph_store, state="s1")
        if c.key.endswith("inc1 TARGETS vic1") and "TASKS" in c.key
    )
    events = find_timeline(graph_store, chain.ids, chain=True)
    assert [(e.date, e.event) for e in events] == [("2018-05", "incident"), ("2019", "end")]


# --- report and command output --------------------------------------------------------


def test_report_cites_its_sources(graph_store) -> None:
    text = write_report(graph_store, "s1")
    assert text is not None
    assert text.startswith("# State One: proxy chains and taskings")
    assert "## Proxy chains" in text and "## Taskings" in text and "## Sources" in text
    assert "1. Publisher One, *First report*, 2020-01-01. <https://example.org/one>" in text
    assert "2. Publisher Two, *Second report*, 2021-06" in text
    assert "[1][2]" in text  # the sponsorship cites both sources
    assert TRICKY_NAME not in text  # escaped, so it cannot break the document
    assert "\\(n\\)" in text
    assert write_report(graph_store, "nobody") is None


def test_report_markdown_is_inert() -> None:
    state = {"id": "x", "name": "<script>alert(1)</script> | # *x*", "country": None}
    text = render_report(state, [], [], max_hops=4)
    assert "<script>" not in text
    assert (
        text.splitlines()[0]
        == "# \\<script\\>alert\\(1\\)\\</script\\> \\| \\# \\*x\\*: proxy chains and taskings"
    )


def _emit(out, fmt, command, capsys):
    emit(fmt, command, out.payload, out.rows, out.columns, title=out.title)
    return capsys.readouterr().out


def test_chains_output_formats(graph_store, capsys) -> None:
    chains = find_chains(graph_store, state="s1", limit=3)
    out = chains_output(chains, {"state": "s1", "maxHops": 4})
    document = json.loads(_emit(out, OutputFormat.json, "chains", capsys))
    assert document["schemaVersion"] == 1 and document["command"] == "chains"
    assert document["count"] == 3
    first = document["chains"][0]
    assert set(first) == {"grading", "length", "nodes", "hops"}
    assert set(first["hops"][0]) == {
        "source",
        "target",
        "type",
        "direction",
        "grading",
        "since",
        "until",
        "note",
        "sources",
    }
    assert set(first["hops"][0]["sources"][0]) == {"id", "publisher", "title", "date", "url"}
    rows = list(csv.reader(io.StringIO(_emit(out, OutputFormat.csv, "chains", capsys))))
    assert rows[0] == ["#", "grading", "hops", "chain", "sources"] and len(rows) == 4
    table = _emit(out, OutputFormat.table, "chains", capsys)
    assert "Proxy chains from s1" in table and "State One" in table
    # a command shapes only what its format prints: each part as when both are made
    every = chains_output(find_chains(graph_store, state="s1"), {"state": "s1"})
    body = chains_output(find_chains(graph_store, state="s1"), {"state": "s1"}, table=False)
    rows = chains_output(find_chains(graph_store, state="s1"), {"state": "s1"}, body=False)
    assert body.payload == every.payload and len(every.payload["chains"]) > 3 and not body.rows
    assert rows.rows == every.rows and not rows.payload["chains"]


def test_other_outputs_are_json_documents(graph_store, capsys) -> None:
    outputs = {
        "taskings": taskings_output(find_taskings(graph_store), None),
        "cross-proxies": cross_proxies_output(find_cross_proxies(graph_store), None),
        "paths": paths_output(find_paths(graph_store, "s1", "vic1")),
        "brokers": brokers_output(analysis.brokers(graph_store), analysis.DEFAULT_EXCLUDE),
        "communities": communities_output(
            analysis.communities(graph_store), analysis.DEFAULT_EXCLUDE
        ),
        "timeline": timeline_output(find_timeline(graph_store, ["grp1"]), ["grp1"], False),
    }
    for command, out in outputs.items():
        document = json.loads(_emit(out, OutputFormat.json, command, capsys))
        assert document["command"] == command
        _emit(out, OutputFormat.table, command, capsys)
        header = next(csv.reader(io.StringIO(_emit(out, OutputFormat.csv, command, capsys))))
        assert header == out.columns
    taskings = json.loads(_emit(outputs["taskings"], OutputFormat.json, "taskings", capsys))
    assert [g["state"]["id"] for g in taskings["states"]] == ["s1", "s2"]


def test_cli_end_to_end(tmp_path) -> None:
    """The real commands in their own process, against their own store (~12 s).

    ``python -m statecrime.cli`` on purpose: run so, the app lives in ``__main__``,
    and the analysis commands must still see the global ``--store``.
    """
    graph = write_graph(tmp_path)
    folder = tmp_path / "store"
    cli = [sys.executable, "-m", "statecrime", "--store", str(folder)]
    env = {**os.environ, "STATECRIME_STORE": ""}
    load = subprocess.run([*cli, "load", str(graph)], capture_output=True, text=True, env=env)
    assert load.returncode == 0, load.stderr
    run = subprocess.run(
        [*cli, "-f", "json", "chains", "--state", "s1", "--min-grading", "b2"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["query"]["minGrading"] == "B2"
    assert all(c["grading"] <= "B2" for c in document["chains"])
    bad = subprocess.run(
        [*cli, "chains", "--max-hops", "9"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "between 1 and 6" in bad.stderr


def test_chains_view_graph(graph_store, tmp_path) -> None:
    from statecrime.queries.chains import chains_graph
    from statecrime.views.html import render_html

    chains = find_chains(graph_store, state="s1", crime="arson")
    graph = chains_graph(graph_store, chains)
    assert set(graph.nodes) == {i for c in chains for i in c.ids}
    assert {(a, k, b) for a, b, k in graph.edges(keys=True)} == {
        (h.source, h.type, h.target) for c in chains for h in c.hops
    }
    assert all(s.get("publisher") for *_, d in graph.edges(data=True) for s in d["sources"])
    output = render_html(graph, tmp_path / "v.html", title="t", highlight=[c.ids for c in chains])
    assert "Recruit One" in output.read_text("utf-8")
