"""The HTML view, checked in a real headless Chromium with the network cut off.

Why: an analyst opens the file on a desk that may have no network and reads
evidence from it. So each test opens the written file in Chromium and checks
what that analyst would: the graph is there with every entity and link, the
page loaded nothing from outside, tooltips show the evidence, filters change
what is drawn, a hostile name stays text, the layout stops moving.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import pytest
from pyvis.network import Network

from statecrime.graph import domain
from statecrime.graph.grading import Grading
from statecrime.views.export import graph_from_records
from statecrime.views.html import build_network, node_sizes, render_html, role_colors

try:
    from tests.support.browser import ViewPage, browser, open_view
except ModuleNotFoundError:  # pytest run with tests/ (not the repo root) on sys.path
    from support.browser import ViewPage, browser, open_view  # type: ignore[no-redef]  # noqa: F401

HOSTILE = '<img src=x onerror=alert(1)></script><b id="injected">x</b>'
TREASURY_URL = "https://home.treasury.gov/news/press-releases/sm845"

RECORDS: dict[str, Any] = {
    "entities": [
        {"id": "ru", "kind": "State", "name": "Russia", "country": "RU"},
        {"id": "uk", "kind": "State", "name": "United Kingdom", "country": "GB"},
        {
            "id": "ru-fsb",
            "kind": "StateAgency",
            "name": "FSB",
            "country": "RU",
            "aliases": ["Federal Security Service"],
        },
        {
            "id": "evilcorp",
            "kind": "CybercrimeGroup",
            "name": "Evil Corp",
            "aliases": ["Indrik Spider"],
            "country": "RU",
            "crimeTypes": ["ransomware", "cyber-theft"],
            "topics": ["crime.cyber", "sanction"],
            "description": "Russia-based cybercrime group behind Dridex.",
        },
        {
            "id": "yakubets",
            "kind": "Person",
            "name": "Maksim Yakubets",
            "roles": ["criminal", "hacker"],
            "country": "RU",
        },
        {"id": "oligarch", "kind": "Person", "name": "An Oligarch", "roles": ["oligarch"]},
        {
            "id": "hostile",
            "kind": "Person",
            "name": HOSTILE,
            "aliases": ["<script>alert(5)</script>"],
            "description": "</script><script>alert(2)</script>",
            "roles": ["enabler"],
        },
        {"id": "attack", "kind": "Incident", "name": "An attack", "date": "2019-12"},
    ],
    "sources": [
        {
            "id": "s-treasury",
            "kind": "Source",
            "name": "Treasury Sanctions Evil Corp",
            "publisher": "US Treasury",
            "title": "Treasury Sanctions Evil Corp",
            "date": "2019-12-05",
            "url": TREASURY_URL,
            "sourceType": "sanctions-notice",
        },
        {
            "id": "s-hostile",
            "kind": "Source",
            "name": "<i>a title</i>",
            "publisher": "<u>publisher</u>",
            "title": "<i>a title</i>",
            "date": "2020",
            "url": "javascript:alert(3)",
            "tlp": "AMBER",
        },
    ],
    "links": [
        {
            "source": "ru-fsb",
            "type": "PART_OF",
            "target": "ru",
            "grading": "A1",
            "sources": ["s-treasury"],
        },
        {
            "source": "ru-fsb",
            "type": "TASKS",
            "target": "evilcorp",
            "grading": "B2",
            "sources": ["s-treasury"],
            "since": "2017",
            "until": "2019-12",
            "note": "tasked with espionage operations",
        },
        {
            "source": "yakubets",
            "type": "LEADS",
            "target": "evilcorp",
            "grading": "A1",
            "sources": ["s-treasury"],
        },
        {
            "source": "yakubets",
            "type": "MEMBER_OF",
            "target": "evilcorp",
            "grading": "C3",
            "sources": ["s-hostile"],
            "note": "<script>alert(4)</script>",
        },
        {
            "source": "hostile",
            "type": "ENABLES",
            "target": "oligarch",
            "grading": "D4",
            "sources": ["s-hostile"],
        },
        {
            "source": "evilcorp",
            "type": "TARGETS",
            "target": "uk",
            "grading": "B3",
            "sources": ["s-treasury", "s-hostile"],
        },
        {
            "source": "evilcorp",
            "type": "PERPETRATED",
            "target": "attack",
            "grading": "F1",
            "sources": ["s-treasury"],
        },
        {
            "source": "oligarch",
            "type": "LINKED_TO",
            "target": "ru",
            "grading": "A6",
            "sources": ["s-treasury"],
        },
        {
            "source": "evilcorp",
            "type": "SANCTIONED_BY",
            "target": "uk",
            "grading": "A1",
            "sources": ["s-treasury"],
        },
    ],
}
CHAIN = ["ru", "ru-fsb", "evilcorp", "uk"]


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    return graph_from_records(RECORDS)


@pytest.fixture
def view_file(graph: nx.MultiDiGraph, tmp_path: Path) -> Path:
    return render_html(
        graph, tmp_path / "view.html", title="Evil Corp & the FSB", highlight=[CHAIN]
    )


class _ResourceFinder(HTMLParser):
    """Collects every reference by which a page LOADS something (not links a user may click)."""

    LOADING: ClassVar[dict[str, str]] = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "embed": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "link": "href",
        "object": "data",
        "use": "href",
    }

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        wanted = self.LOADING.get(tag)
        if wanted and values.get(wanted):
            self.references.append(str(values[wanted]))
        if values.get("style"):
            self._css(str(values["style"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)

    def _css(self, css: str) -> None:
        self.references += re.findall(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)", css)
        self.references += re.findall(r"url\(\s*['\"]?([^'\")]+)", css)


def external_resources(html: str) -> list[str]:
    """The references of a page that point outside the file (data: URIs are inside it)."""
    finder = _ResourceFinder()
    finder.feed(html)
    return [ref for ref in finder.references if not ref.strip().lower().startswith("data:")]


def test_resource_check_catches_pyvis_cdn_links(tmp_path: Path) -> None:
    """The offline check must be able to fail: pyvis's own in-line page links Bootstrap."""
    net = Network(cdn_resources="in_line")
    net.add_node(1)
    refs = external_resources(net.generate_html())
    assert any("bootstrap" in ref for ref in refs)


def test_page_loads_nothing_from_outside(view_file: Path, open_view: Any) -> None:
    """No script, stylesheet, import or url() leaves the file, and Chromium asks for nothing."""
    html = view_file.read_text(encoding="utf-8")
    assert external_resources(html) == []
    view: ViewPage = open_view(view_file)
    assert view.blocked == []
    assert view.errors == []


def test_network_holds_every_entity_and_link(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    counts = view.js(
        "() => [statecrime.network.body.nodeIndices.length,"
        " statecrime.network.body.edgeIndices.length]"
    )
    assert counts == [len(RECORDS["entities"]), len(RECORDS["links"])]
    assert view.page.title() == "Evil Corp & the FSB"
    assert view.page.inner_text("#sc-node-count") == str(len(RECORDS["entities"]))
    assert view.page.inner_text("#sc-edge-count") == str(len(RECORDS["links"]))
    assert view.page.inner_text("#sc-chain-count") == "1"


def test_physics_stops_once_stabilised(view_file: Path, open_view: Any) -> None:
    """The picture must stop moving so that an analyst can read it."""
    view = open_view(view_file)
    assert view.js("() => statecrime.network.physics.physicsEnabled") is False
    before = view.js("() => statecrime.network.getPositions()")
    view.page.wait_for_timeout(400)
    assert view.js("() => statecrime.network.getPositions()") == before


def test_styles_follow_the_domain(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    nodes = view.js("() => statecrime.nodes.get().map(n => [n.id, n.kind, n.shape, n.color])")
    for _node_id, kind, shape, color in nodes:
        style = domain.ENTITY_KINDS[kind].style
        assert shape == style.shape
        assert color["background"] == style.color
    borders = {node_id: color["border"] for node_id, _k, _s, color in nodes}
    assert borders["oligarch"] == role_colors()["oligarch"]
    assert borders["hostile"] == role_colors()["enabler"]
    assert borders["oligarch"] != borders["hostile"]
    edges = view.js("() => statecrime.edges.get().map(e => [e.grading, e.dashes, e.label])")
    for grading, dashes, label in edges:
        assert dashes is (not Grading.parse(grading).confirmed)
        assert label in domain.RELATIONS
    legend = view.page.inner_text("#sc-legend-kinds")
    for kind in {e["kind"] for e in RECORDS["entities"]}:
        assert domain.ENTITY_KINDS[kind].style.group in legend


def _point_on(view: ViewPage, kind: str, item_id: str) -> dict[str, float]:
    """A page point over a node or over an edge (away from its nodes), found with vis's hit test."""
    point = view.js(
        """([kind, id]) => {
          const net = statecrime.network;
          const box = net.body.container.getBoundingClientRect();
          const page = (p) => ({x: p.x + box.left, y: p.y + box.top});
          if (kind === 'node') {
            const c = page(net.canvasToDOM(net.getPosition(id)));
            return {x: Math.round(c.x), y: Math.round(c.y)};
          }
          const edge = statecrime.edges.get(id);
          const a = net.canvasToDOM(net.getPosition(edge.from));
          const b = net.canvasToDOM(net.getPosition(edge.to));
          // mouse events carry whole pixels: test rounded page points, keep the middle of a hit run
          const hit = (p) => {
            const q = {x: Math.round(p.x + box.left) - box.left, y: Math.round(p.y + box.top) - box.top};
            return net.getNodeAt(q) === undefined && net.getEdgeAt(q) === id ? page(q) : null;
          };
          const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
          for (const t of [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65]) {
            const hits = [];
            for (let off = -40; off <= 40; off += 0.5) {
              const found = hit({x: a.x + t * dx - off * dy / len, y: a.y + t * dy + off * dx / len});
              if (found) hits.push(found);
            }
            if (hits.length) return hits[Math.floor(hits.length / 2)];
          }
          return null;
        }""",
        [kind, item_id],
    )
    assert point is not None, f"no point over {kind} {item_id}"
    return point


def _hover(view: ViewPage, kind: str, item_id: str) -> str:
    """Move the mouse over an item and return the text of the tooltip vis-network shows."""
    point = _point_on(view, kind, item_id)
    view.page.mouse.move(point["x"] + 40, point["y"] + 40)
    view.page.mouse.move(point["x"], point["y"], steps=4)
    view.page.wait_for_function(
        """(id) => { const popup = statecrime.network.interactionHandler.popup;
                     return popup !== undefined && !popup.hidden && popup.popupTargetId === id; }""",
        arg=item_id,
        timeout=5000,
    )
    tooltip = view.page.locator("div.vis-tooltip")
    assert tooltip.is_visible()
    return tooltip.inner_text()


def _edge_id(view: ViewPage, rel_type: str) -> str:
    return view.js("(t) => statecrime.edges.get().find(e => e.relType === t).id", rel_type)


def test_edge_tooltip_shows_the_evidence(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    text = _hover(view, "edge", _edge_id(view, "TASKS"))
    for expected in (
        "FSB",
        "TASKS",
        "Evil Corp",
        "B2",
        "usually reliable, probably true",
        "2017",
        "2019-12",
        "tasked with espionage operations",
        "US Treasury",
        "2019-12-05",
        "Treasury Sanctions Evil Corp",
        "sanctions-notice",
    ):
        assert expected in text
    hrefs = view.js("() => [...document.querySelectorAll('div.vis-tooltip a')].map(a => a.href)")
    assert hrefs == [TREASURY_URL]


def test_entity_tooltip_shows_aliases_country_topics(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    text = _hover(view, "node", "evilcorp")
    for expected in (
        "Evil Corp",
        "Cybercrime",
        "Indrik Spider",
        "RU",
        "crime.cyber",
        "ransomware",
        "behind Dridex",
    ):
        assert expected in text
    text = _hover(view, "node", "yakubets")
    assert "criminal, hacker" in text


def test_hostile_names_stay_text(view_file: Path, open_view: Any) -> None:
    """A name made of markup shows literally and runs nothing, in tooltip, panel and label."""
    view = open_view(view_file)
    assert view.js("() => statecrime.nodes.get('hostile').label") == HOSTILE
    text = _hover(view, "node", "hostile")
    assert HOSTILE in text
    assert "</script><script>alert(2)</script>" in text
    view.page.mouse.click(*_point_on(view, "node", "hostile").values())
    assert HOSTILE in view.page.inner_text("#sc-details")
    edge_text = _hover(view, "edge", _edge_id(view, "MEMBER_OF"))
    assert "<script>alert(4)</script>" in edge_text
    assert "<u>publisher</u>" in edge_text
    view.page.wait_for_timeout(300)
    assert view.dialogs == []
    assert view.errors == []
    injected = view.js(
        "() => [document.querySelectorAll('img, #injected, i, u').length,"
        " [...document.querySelectorAll('a')].filter(a => a.protocol === 'javascript:').length,"
        " document.querySelectorAll('script').length]"
    )
    assert injected == [0, 0, 3]
    assert view.js("() => document.querySelectorAll('#sc-names option').length") >= 8


def test_relation_checkbox_hides_its_links(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    total = len(RECORDS["links"])
    box = view.page.locator('input[data-relation="TASKS"]')
    box.uncheck()
    assert view.js("() => statecrime.edgesView.length") == total - 1
    drawn = view.js(
        "() => statecrime.network.body.edgeIndices.map(id => statecrime.edges.get(id).relType)"
    )
    assert "TASKS" not in drawn
    assert len(drawn) == total - 1
    assert "showing 8 of 9 links" in view.page.inner_text("#sc-status")
    box.check()
    assert view.js("() => statecrime.network.body.edgeIndices.length") == total


def test_grading_select_keeps_links_at_least_as_good(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    select = view.page.locator("#sc-grading")

    def shown() -> list[str]:
        return sorted(
            view.js(
                "() => statecrime.network.body.edgeIndices.map(id => statecrime.edges.get(id).grading)"
            )
        )

    select.select_option("B2")
    assert shown() == ["A1", "A1", "A1", "B2"]
    select.select_option("E5")  # everything judged: F1 and A6 still fail, as in graph.grading
    expected = sorted(
        link["grading"]
        for link in RECORDS["links"]
        if Grading.parse(link["grading"]).meets(Grading.parse("E5"))
    )
    assert shown() == expected
    assert "F1" not in expected and "A6" not in expected
    select.select_option("")
    assert len(shown()) == len(RECORDS["links"])


def test_hiding_unlinked_entities(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    view.page.locator("#sc-grading").select_option("A1")
    view.page.locator("#sc-hide-isolated").check()
    shown = set(view.js("() => statecrime.network.body.nodeIndices"))
    assert shown == {"ru", "ru-fsb", "evilcorp", "yakubets", "uk"}


def test_search_selects_by_name_or_alias(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    search = view.page.locator("#sc-search")
    search.fill("indrik spider")
    search.press("Enter")
    assert view.js("() => statecrime.network.getSelectedNodes()") == ["evilcorp"]
    assert "Evil Corp" in view.page.inner_text("#sc-details")
    search.fill("Federal Security")
    search.press("Enter")
    assert view.js("() => statecrime.network.getSelectedNodes()") == ["ru-fsb"]
    search.fill("nobody at all")
    search.press("Enter")
    assert "No entity" in view.page.inner_text("#sc-search-result")


def test_highlighted_chain_is_emphasised(view_file: Path, open_view: Any) -> None:
    """The chain crosses PART_OF against its arrow (state to agency) and still lights up."""
    view = open_view(view_file)
    chain_edges = view.js(
        "() => statecrime.edges.get().filter(e => e.chain).map(e => [e.relType, e.width])"
    )
    assert sorted(t for t, _ in chain_edges) == ["PART_OF", "SANCTIONED_BY", "TARGETS", "TASKS"]
    widths = view.js("() => statecrime.edges.get().map(e => [e.chain, e.width, e.color.opacity])")
    assert min(w for c, w, _ in widths if c) > max(w for c, w, _ in widths if not c)
    assert all(o < 1 for c, _, o in widths if not c)
    dimmed = view.js("() => statecrime.nodes.get().filter(n => n.opacity < 1).map(n => n.id)")
    assert set(dimmed) == {n["id"] for n in RECORDS["entities"]} - set(CHAIN)


def test_unknown_chain_member_is_an_error(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nobody"):
        render_html(graph, tmp_path / "x.html", highlight=[["ru", "nobody"]])


def test_size_by_degree_or_betweenness() -> None:
    """A broker in the middle of a path is the biggest node by betweenness, not by degree."""
    g = nx.MultiDiGraph()
    for node in "abcdefg":
        g.add_node(node, id=node, kind="Person", name=node)
    g.add_edges_from(
        [
            ("a", "b"),
            ("a", "c"),
            ("a", "d"),
            ("a", "e"),
            ("b", "c"),
            ("b", "d"),
            ("a", "f"),
            ("f", "g"),
        ],
        type="LINKED_TO",
    )
    degree = node_sizes(g, "degree")
    between = node_sizes(g, "betweenness")
    assert max(degree, key=degree.__getitem__) == "a"
    assert between["f"] > between["b"] and degree["f"] < degree["b"]
    values = {n["id"]: n["value"] for n in build_network(g, size_by="betweenness").nodes}
    assert values == between


def test_a_few_hundred_nodes_settle(tmp_path: Path, open_view: Any) -> None:
    """The large-graph settings (forceAtlas2, capped iterations) still give a settled view."""
    g = nx.gnm_random_graph(300, 700, seed=3, directed=True)
    graph = nx.MultiDiGraph()
    kinds = [k for k in domain.ENTITY_KINDS if k != domain.SOURCE_KIND]
    for node in g.nodes:
        graph.add_node(
            f"n{node}", id=f"n{node}", kind=kinds[node % len(kinds)], name=f"synthetic {node}"
        )
    for u, v in g.edges:
        graph.add_edge(
            f"n{u}", f"n{v}", key="LINKED_TO", type="LINKED_TO", grading="C3", sources=[]
        )
    view = open_view(render_html(graph, tmp_path / "big.html"), wait=False)
    view.wait_stabilised(timeout_ms=30_000)
    assert view.js("() => statecrime.network.body.edgeIndices.length") == 700
    assert view.js("() => statecrime.stabiliseMs") < 30_000


def test_an_empty_graph_still_opens(tmp_path: Path, open_view: Any) -> None:
    """An empty store (or a filter that matches nothing) gives a page that says so, not a hang."""
    view = open_view(render_html(nx.MultiDiGraph(), tmp_path / "empty.html"))
    assert view.page.inner_text("#sc-node-count") == "0"
    assert view.js("() => statecrime.network.body.nodeIndices.length") == 0
    assert view.errors == []
