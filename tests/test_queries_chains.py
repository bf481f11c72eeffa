"""Proxy chains on a purpose-built graph: known answers, and agreement with networkx.

Why: the chain rules (crossing directions, stages, maximality, filters) are
easy to get subtly wrong in Cypher; each test pins one rule down by hand, and
the comparison tests check the whole answer against an independent networkx
enumeration of the same records (tests/support/query_graphs.py).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statecrime.graph import domain
from statecrime.graph.grading import GradingError
from statecrime.loaders.load import load_paths
from statecrime.queries.bounded import BoundError
from statecrime.queries.chains import ChainFilterError, find_chains, find_chains_by_cypher
from statecrime.queries.files import query
from tests.support.query_graphs import TRICKY_NAME, expected_chains, write_graph
from tests.support.stores import wipe


@pytest.fixture
def graph_store(engine_store, tmp_path):
    load_paths(engine_store, [write_graph(tmp_path)])
    return engine_store


def keys(chains):
    return [(c.grading, c.key) for c in chains]


def test_known_chains_of_state_one(graph_store) -> None:
    found = {c.key for c in find_chains(graph_store, state="s1")}
    # the officer of Agency One sponsors Group One, whose member stole from Victim One
    assert "s1 PART_OF ag1 MEMBER_OF off1 SPONSORS grp1" not in found  # not maximal
    assert "s1 PART_OF ag1 TASKS grp1 PERPETRATED inc1 TARGETS vic1" in found
    assert "s1 PART_OF ag1 TASKS grp1 TARGETS grp1" not in found
    assert "s1 PART_OF ag1 TASKS grp1 TARGETS vic2" in found
    # cut at 4 hops: the arson's target is the fifth hop
    assert "s1 USES_AS_PROXY ocg1 TASKS rec1 TASKS rec2 PERPETRATED inc3" in found
    # the attributed intrusion: parallel links from Unit Two to Hackers One are two chains
    assert "s1 PART_OF ag1 PART_OF ag2 DIRECTS hack1 ATTRIBUTED_TO inc2" in found
    assert "s1 PART_OF ag1 PART_OF ag2 PART_OF hack1 ATTRIBUTED_TO inc2" in found
    assert "s1 PART_OF ag1 PART_OF ag2 DIRECTS hack1" not in found  # not maximal
    assert "s1 PART_OF ag1 MEMBER_OF off1" not in found  # no tasking, no act
    # never crossed: tolerance, sanctions, residence, unspecified links
    for key in found:
        for word in ("TOLERATES", "SANCTIONED_BY", "BASED_IN", "LINKED_TO"):
            assert word not in key
    # nothing after a target, and no entity twice (rec2 PAYS rec1 closes a cycle)
    assert all(" TARGETS " not in key.rsplit(" ", 2)[0] for key in found)
    for chain in find_chains(graph_store, state="s1"):
        assert len(set(chain.ids)) == len(chain.ids)


def test_longer_bound_extends_the_cut_chain(graph_store) -> None:
    found = {c.key for c in find_chains(graph_store, state="s1", max_hops=5)}
    assert "s1 USES_AS_PROXY ocg1 TASKS rec1 TASKS rec2 PERPETRATED inc3 TARGETS loc1" in found
    assert "s1 USES_AS_PROXY ocg1 TASKS rec1 TASKS rec2 PERPETRATED inc3" not in found
    assert "s1 PART_OF ag1 PART_OF ag2 PART_OF hack1 ATTRIBUTED_TO inc2 TARGETS vic1" in found


def test_chain_json_carries_nodes_hops_and_evidence(graph_store) -> None:
    chains = find_chains(graph_store, state="s1")
    chain = next(
        c for c in chains if c.key == "s1 PART_OF ag1 MEMBER_OF off1 SPONSORS grp1 TARGETS vic2"
    )
    data = chain.as_dict()
    assert data["grading"] == "C3" and data["length"] == 4
    assert [n["id"] for n in data["nodes"]] == ["s1", "ag1", "off1", "grp1", "vic2"]
    assert data["nodes"][2]["name"] == TRICKY_NAME
    first, second, third, _ = data["hops"]
    assert (first["source"], first["type"], first["target"], first["direction"]) == (
        "ag1",
        "PART_OF",
        "s1",
        "backward",
    )
    assert second["direction"] == "backward" and second["since"] == "2015"
    assert third["direction"] == "forward" and third["since"] == "2019-12"
    assert [s["id"] for s in third["sources"]] == ["src-one", "src-two"]
    assert third["sources"][0] == {
        "id": "src-one",
        "publisher": "Publisher One",
        "title": "First report",
        "date": "2020-01-01",
        "url": "https://example.org/one",
    }
    assert third["sources"][1]["url"] is None


def test_every_state_with_no_filter_agrees_with_networkx(graph_store) -> None:
    assert keys(find_chains(graph_store)) == expected_chains()


@pytest.mark.parametrize(
    "options",
    [
        {"state": "s1"},
        {"state": "s2"},
        {"state": "s3"},
        {"state": "ag2"},
        {"max_hops": 1},
        {"max_hops": 2},
        {"max_hops": 3},
        {"max_hops": 5},
        {"max_hops": 6},
        {"min_grading": "B2"},
        {"min_grading": "A2"},
        {"min_grading": "C3", "state": "s2"},
        {"as_of": "2018-06-01"},
        {"as_of": "2023-01-01"},
        {"as_of": "2019-12-31"},
        {"target_country": "GB"},
        {"crime": "arson"},
        {"crime": "ransomware", "min_grading": "B2"},
        {"state": "s1", "as_of": "2024-06-01", "max_hops": 5},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_filters_agree_with_networkx(graph_store, options) -> None:
    assert keys(find_chains(graph_store, **options)) == expected_chains(**options)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"state": "s1", "max_hops": 5},
        {"min_grading": "B2"},
        {"as_of": "2018-06-01"},
        {"target_country": "GB", "max_hops": 3},
        {"crime": "arson", "max_hops": 6},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "every-state",
)
def test_the_analysts_statement_gives_the_same_chains(graph_store, options) -> None:
    """queries/chains.cypher, which analysts paste, answers as find_chains does."""
    expected = expected_chains(**options)
    assert keys(find_chains_by_cypher(graph_store, **options)) == expected
    assert keys(find_chains(graph_store, **options)) == expected


def test_grading_filter_by_hand(graph_store) -> None:
    # State Two pays Group Two (F6: cannot be judged) and has an incident attributed to it
    assert [c.key for c in find_chains(graph_store, state="s2")] == [
        "s2 ATTRIBUTED_TO inc4 TARGETS vic1",
        "s2 PAYS grp2",
    ]
    assert [c.key for c in find_chains(graph_store, state="s2", min_grading="E5")] == [
        "s2 ATTRIBUTED_TO inc4 TARGETS vic1"
    ]


def test_as_of_by_hand(graph_store) -> None:
    found = {c.key for c in find_chains(graph_store, state="s1", as_of="2018-06-01")}
    assert "s1 PART_OF ag1 TASKS grp1 PERPETRATED inc1 TARGETS vic1" in found  # until 2019
    assert not any("SPONSORS" in k or "USES_AS_PROXY" in k for k in found)  # since 2019-12, 2022


def test_order_limit_and_grading(graph_store) -> None:
    chains = find_chains(graph_store)
    assert [c.sort_key() for c in chains] == sorted(c.sort_key() for c in chains)
    assert len({c.key for c in chains}) == len(chains)
    assert keys(find_chains(graph_store, limit=3)) == keys(chains)[:3]


def test_bad_filters_are_refused(graph_store) -> None:
    with pytest.raises(GradingError):
        find_chains(graph_store, min_grading="Z9")
    with pytest.raises(ChainFilterError):
        find_chains(graph_store, as_of="June 2019")
    with pytest.raises(ChainFilterError):
        find_chains(graph_store, target_country="Britain")
    with pytest.raises(ChainFilterError):
        find_chains(graph_store, crime="jaywalking")
    with pytest.raises(BoundError):
        find_chains(graph_store, max_hops=7)


@pytest.mark.parametrize(
    "hostile",
    [
        "s1' OR 1=1 //",
        's1" }) MATCH (n) DETACH DELETE n //',
        "s1\\",
        "RETURN",
        "MATCH (n) RETURN n",
    ],
)
def test_parameters_are_never_code(graph_store, hostile) -> None:
    assert find_chains(graph_store, state=hostile) == []
    # the store is intact and the tricky name comes back verbatim
    chains = find_chains(graph_store, state="s1")
    assert TRICKY_NAME in {n["name"] for c in chains for n in c.nodes}
    assert graph_store.counts()[0]["State"] == 3


def test_the_file_declares_the_domain_type_lists() -> None:
    """The sample values an analyst pastes are the lists the code passes."""
    params = query("chains").params
    assert params["forwardTypes"] == list(domain.FORWARD_TYPES)
    assert params["backwardTypes"] == list(domain.BACKWARD_TYPES)
    assert params["actTypes"] == list(domain.ACT_TYPES)
    assert params["taskingTypes"] == list(domain.TASKING_TYPES)


# --- a bounded property test: random graphs of chain relations ------------------------

_KINDS = {
    "S": "State",
    "A": "StateAgency",
    "P": "Person",
    "G": "CybercrimeGroup",
    "I": "Incident",
    "L": "Location",
}
_NODES = ["S1", "S2", "A1", "A2", "P1", "P2", "G1", "G2", "I1", "L1"]
_CANDIDATES = [
    (a, t, b)
    for t, rel in domain.RELATIONS.items()
    if rel.chain is not domain.Crossing.NONE or t == "TOLERATES"
    for a in _NODES
    for b in _NODES
    if a != b and rel.allows(_KINDS[a[0]], _KINDS[b[0]])
]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chosen=st.lists(st.sampled_from(_CANDIDATES), min_size=1, max_size=14, unique=True),
    gradings=st.lists(st.sampled_from(["A1", "B2", "C3", "F6"]), min_size=14, max_size=14),
    max_hops=st.integers(min_value=1, max_value=4),
)
def test_random_graphs_agree_with_networkx(
    engine_store, tmp_path_factory, chosen, gradings, max_hops
):
    store = engine_store
    entities = [
        {"id": n.lower(), "kind": _KINDS[n[0]], "name": n, "country": "AA" if n < "G" else "GB"}
        for n in _NODES
    ]
    links = [
        {"source": a.lower(), "type": t, "target": b.lower(), "grading": g, "sources": ["src-one"]}
        for (a, t, b), g in zip(chosen, gradings, strict=False)
    ]
    wipe(store)
    load_paths(store, [write_graph(tmp_path_factory.mktemp("g"), entities, links)])
    assert keys(find_chains(store, max_hops=max_hops)) == expected_chains(
        entities, links, max_hops=max_hops
    )
    assert keys(find_chains(store, max_hops=max_hops, min_grading="B2")) == expected_chains(
        entities, links, max_hops=max_hops, min_grading="B2"
    )
    assert keys(find_chains_by_cypher(store, max_hops=max_hops)) == expected_chains(
        entities, links, max_hops=max_hops
    )
