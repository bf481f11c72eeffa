"""The shortest paths, searched from both ends a level at a time, against networkx.

Why: queries/paths_shortest.py replaces one ``allShortestPaths`` statement by a
search of its own (levels, a meeting layer, routes read back off both sides);
each of those steps can lose or invent a path. Its answer must be every
shortest path networkx finds on the same records (parallel links each their own
path), with and without the context relations, on both engines; and the same
as the analysts' one statement, queries/paths_shortest.cypher.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statecrime.graph import domain
from statecrime.loaders.load import load_paths
from statecrime.queries.files import query
from statecrime.queries.paths import SHORTEST_TEXTS, find_paths
from statecrime.queries.paths_shortest import shortest_paths
from tests.support.query_graphs import ENTITIES, LINKS, write_graph
from tests.support.stores import wipe


def _expected(entities, links, a, b, through_context) -> set[str]:
    graph = nx.MultiGraph()
    graph.add_nodes_from(e["id"] for e in entities)
    for link in links:
        if through_context or link["type"] not in domain.CONTEXT_TYPES:
            graph.add_edge(link["source"], link["target"], key=link["type"])
    if not nx.has_path(graph, a, b) or nx.shortest_path_length(graph, a, b) > 10:
        return set()
    keys = set()
    for nodes in nx.all_shortest_paths(graph, a, b):
        routes = [[nodes[0]]]
        for u, v in itertools.pairwise(nodes):
            routes = [[*r, k, v] for r in routes for k in graph[u][v]]
        keys |= {" ".join(r) for r in routes}
    return keys


def _key(row) -> str:
    parts = [row["nodes"][0]["id"]]
    for hop, node in zip(row["hops"], row["nodes"][1:], strict=True):
        parts += [hop["type"], node["id"]]
    return " ".join(parts)


def _check_hops(row) -> None:
    ids = [n["id"] for n in row["nodes"]]
    for hop, x, y in zip(row["hops"], ids, ids[1:], strict=False):
        assert (hop["source"], hop["target"]) == (
            (x, y) if hop["direction"] == "forward" else (y, x)
        )


PAIRS = [
    ("s1", "vic1"),
    ("off1", "loc1"),
    ("grp2", "rec2"),
    ("s3", "mem1"),
    ("s1", "s2"),
    ("vic2", "ag2"),
]


@pytest.mark.parametrize("through_context", [True, False])
def test_shortest_paths_agree_with_networkx(engine_store, tmp_path, through_context) -> None:
    load_paths(engine_store, [write_graph(tmp_path)])
    for a, b in PAIRS:
        rows = shortest_paths(engine_store, a, b, through_context=through_context)
        assert {_key(r) for r in rows} == _expected(ENTITIES, LINKS, a, b, through_context), (a, b)
        assert len(rows) == len({_key(r) for r in rows})
        for row in rows:
            _check_hops(row)
        # the analysts' one statement gives the same paths
        statement = engine_store.read(SHORTEST_TEXTS[through_context], fromId=a, toId=b)
        assert {_key(r) for r in statement} == {_key(r) for r in rows}, (a, b)
    assert shortest_paths(engine_store, "s1", "nobody' OR 1=1") == []
    assert shortest_paths(engine_store, "s1", "s1") == []


def test_find_paths_reports_the_shortest_with_evidence(engine_store, tmp_path) -> None:
    load_paths(engine_store, [write_graph(tmp_path)])
    found = find_paths(engine_store, "s1", "s2", max_hops=2)
    assert [p.key for p in found.shortest] == ["s1 BASED_IN grp1 SANCTIONED_BY s2"]
    assert found.shortest[0].hops[0].sources[0]["publisher"] == "Publisher One"
    apart = find_paths(engine_store, "s1", "s2", max_hops=2, through_context=False)
    assert {p.key for p in apart.shortest} == _expected(ENTITIES, LINKS, "s1", "s2", False)
    assert all(h.type not in domain.CONTEXT_TYPES for p in apart.shortest for h in p.hops)
    assert query("paths_shortest").name == SHORTEST_TEXTS[True].name


_NODES = [f"n{i}" for i in range(9)]
_TYPES = ["LINKED_TO", "OWNS", "BASED_IN"]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chosen=st.lists(
        st.tuples(st.sampled_from(_NODES), st.sampled_from(_TYPES), st.sampled_from(_NODES)),
        min_size=1,
        max_size=16,
        unique=True,
    ),
    context=st.booleans(),
)
def test_random_graphs_agree_with_networkx(engine_store, tmp_path_factory, chosen, context):
    entities = [{"id": n, "kind": "Company", "name": n.upper()} for n in _NODES[:-1]]
    entities.append({"id": _NODES[-1], "kind": "Location", "name": "PLACE"})
    by_id = {e["id"]: e["kind"] for e in entities}
    links = [
        {"source": a, "type": t, "target": b, "grading": "B2", "sources": ["src-one"]}
        for a, t, b in chosen
        if a != b and domain.RELATIONS[t].allows(by_id[a], by_id[b])
    ]
    wipe(engine_store)
    load_paths(engine_store, [write_graph(tmp_path_factory.mktemp("g"), entities, links)])
    for a, b in [("n0", "n1"), ("n2", "n8"), ("n3", "n5")]:
        rows = shortest_paths(engine_store, a, b, through_context=context)
        assert {_key(r) for r in rows} == _expected(entities, links, a, b, context)
