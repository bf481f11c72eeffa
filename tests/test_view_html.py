"""The HTML view, checked in a real headless Chromium with the network cut off.

Why: an analyst opens the file on a desk that may have no network and reads
evidence from it. So each test opens the written file in Chromium and checks
what that analyst would, through ``window.statecrime`` (the page's surface,
the same for the canvas and the WebGL renderer): the graph is there with every
entity and link, the page loaded nothing from outside, filters and the date
slider change what is drawn, choosing a chain focuses exactly its entities and
links, a hub's "+N more" expands, a saved layout comes back, a hostile name
stays text in every panel. Timings are measured in benchmarks/bench_view.py.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import pytest
from pyvis.network import Network

from statecrime import api
from statecrime.graph import domain
from statecrime.graph.grading import Grading
from statecrime.views.export import graph_from_records
from statecrime.views.html import (
    ViewTooLarge,
    choose_renderer,
    in_force,
    node_sizes,
    page_data,
    read_positions,
    render_html,
    role_colors,
)

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
            "since": "2019",
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
CHAIN2 = ["hostile", "oligarch", "ru"]
RENDERERS = ["canvas", "webgl"]


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    return graph_from_records(RECORDS)


@pytest.fixture(params=RENDERERS)
def renderer(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def view_file(graph: nx.MultiDiGraph, tmp_path: Path, renderer: str) -> Path:
    return render_html(
        graph,
        tmp_path / f"view-{renderer}.html",
        title="Evil Corp & the FSB",
        highlight=[CHAIN, CHAIN2],
        renderer=renderer,  # type: ignore[arg-type]
    )


def chain_edges(graph: nx.MultiDiGraph, chain: list[str]) -> set[tuple[str, str, str]]:
    """The links between consecutive entities of a chain, either way (how id lists are read)."""
    found = set()
    for a, b in itertools.pairwise(chain):
        found |= {(a, b, k) for k in graph.get_edge_data(a, b, default={})}
        found |= {(b, a, k) for k in graph.get_edge_data(b, a, default={})}
    return found


def steady_point(view: ViewPage, node_id: str) -> dict[str, int]:
    """Where a node is on the page once the camera has stopped moving (animations end)."""
    point = view.sc("sc.screenPoint(arg)", node_id)
    for _ in range(50):
        view.page.wait_for_timeout(150)
        again = view.sc("sc.screenPoint(arg)", node_id)
        if again == point:
            return point
        point = again
    return point


def edge_id(view: ViewPage, rel_type: str) -> str:
    """The page's id of the (only) link of a type."""
    return view.sc("sc.links().find(e => e.relType === arg).id", rel_type)


def edge_keys(view: ViewPage, ids: list[str]) -> set[tuple[str, str, str]]:
    """(from, type, to) of edge ids, read from the page's data."""
    table = view.sc("Object.fromEntries(sc.links().map(e => [e.id, [e.from, e.to, e.relType]]))")
    return {tuple(table[i]) for i in ids}  # type: ignore[misc]


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


def test_page_draws_every_entity_and_link(view_file: Path, open_view: Any, renderer: str) -> None:
    view = open_view(view_file)
    assert view.sc("[sc.renderer, sc.nodeCount, sc.linkCount]") == [
        renderer,
        len(RECORDS["entities"]),
        len(RECORDS["links"]),
    ]
    assert view.page.title() == "Evil Corp & the FSB"
    assert view.page.inner_text("#sc-node-count") == str(len(RECORDS["entities"]))
    assert view.page.inner_text("#sc-edge-count") == str(len(RECORDS["links"]))
    assert view.page.inner_text("#sc-chain-count") == "2"
    assert view.sc("sc.firstFrameMs") > 0


def test_the_picture_stops_moving(view_file: Path, open_view: Any) -> None:
    """The picture must stop moving so that an analyst can read it."""
    view = open_view(view_file)
    before = view.sc("sc.positions()")
    view.page.wait_for_timeout(400)
    assert view.sc("sc.positions()") == before
    assert set(before) == {e["id"] for e in RECORDS["entities"]}


def test_styles_follow_the_domain(view_file: Path, open_view: Any, renderer: str) -> None:
    view = open_view(view_file)
    styles = view.sc("Object.fromEntries(sc.drawn().nodes.map(id => [id, sc.drawn().nodeStyle(id)]))")
    kinds = {e["id"]: e["kind"] for e in RECORDS["entities"]}
    for node_id, style in styles.items():
        expected = domain.ENTITY_KINDS[kinds[node_id]].style
        assert style["shape"] == expected.shape
        assert style["color"] == expected.color
    if renderer == "canvas":
        assert styles["oligarch"]["border"] == role_colors()["oligarch"]
        assert styles["hostile"]["border"] == role_colors()["enabler"]
    legend = view.page.inner_text("#sc-legend-kinds")
    for kind in set(kinds.values()):
        assert domain.ENTITY_KINDS[kind].style.group in legend


def test_choosing_a_chain_focuses_exactly_its_entities_and_links(
    view_file: Path, graph: nx.MultiDiGraph, open_view: Any, renderer: str
) -> None:
    view = open_view(view_file)
    listed = view.sc("sc.chains.map(c => [c.number, c.grading, c.hops, c.ids])")
    assert listed == [[1, "B3", 3, CHAIN], [2, "D6", 2, CHAIN2]]
    for position, chain in enumerate([CHAIN, CHAIN2]):
        view.sc(f"sc.focus({position})")
        drawn = view.sc("sc.drawn()")
        assert set(drawn["strongNodes"]) == set(chain)
        assert edge_keys(view, drawn["strongEdges"]) == chain_edges(graph, chain)
        # everything else still drawn, but not strong; the chain's names always shown
        assert view.sc("sc.nodeCount") == len(RECORDS["entities"])
        assert set(drawn["labelledNodes"]) == set(chain)
        styles = view.sc(
            "Object.fromEntries(arg.map(id => [id, sc.drawn().nodeStyle(id)]))", chain
        )
        kinds = {e["id"]: e["kind"] for e in RECORDS["entities"]}
        for node_id in chain:  # kinds stay distinguishable while highlighted
            style = domain.ENTITY_KINDS[kinds[node_id]].style
            assert styles[node_id]["color"] == style.color
            assert styles[node_id]["shape"] == style.shape
            if renderer == "webgl":  # drawn in the kind's shape, not the disc of the others
                assert styles[node_id]["drawnAs"] == style.shape
        current = view.page.locator("#sc-chains li.sc-current")
        assert current.get_attribute("data-chain") == str(position + 1)
        assert view.page.evaluate("location.hash") == f"#chain={position + 1}"
    view.page.locator("#sc-chain-clear").click()
    assert view.sc("sc.drawn().strongNodes") == []


def test_keyboard_and_sort_and_link_to_a_chain(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file, fragment="#chain=2")
    assert view.sc("sc.focused()") == 1
    assert set(view.sc("sc.drawn().strongNodes")) == set(CHAIN2)
    view.page.locator("#sc-network").click(position={"x": 5, "y": 5})
    view.page.keyboard.press("j")
    assert view.sc("sc.focused()") == 0
    view.page.keyboard.press("k")
    assert view.sc("sc.focused()") == 1
    view.page.keyboard.press("Escape")
    assert view.sc("sc.focused()") is None
    view.page.locator("#sc-chain-sort").select_option("hops")
    assert view.sc("sc.chains.map(c => c.number)") == [2, 1]
    view.page.locator("#sc-chains li").first.click()
    assert set(view.sc("sc.drawn().strongNodes")) == set(CHAIN2)


def test_found_chains_focus_their_exact_hops(tmp_path: Path, open_view: Any) -> None:
    """A found chain names each link: a parallel link between the same two entities stays out."""
    from statecrime.queries.chains import Chain, Hop

    graph = graph_from_records(RECORDS)
    nodes = [{"id": n, "kind": graph.nodes[n]["kind"], "name": graph.nodes[n]["name"]} for n in CHAIN]
    hops = [
        Hop("ru-fsb", "ru", "PART_OF", "backward", "A1"),
        Hop("ru-fsb", "evilcorp", "TASKS", "forward", "B2"),
        Hop("evilcorp", "uk", "TARGETS", "forward", "B3"),
    ]
    path = render_html(graph, tmp_path / "found.html", highlight=[Chain(nodes=nodes, hops=hops)])
    view = open_view(path)
    view.sc("sc.focus(0)")
    assert edge_keys(view, view.sc("sc.drawn().strongEdges")) == {
        (h.source, h.target, h.type) for h in hops
    }


def test_relation_checkbox_hides_its_links(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    total = len(RECORDS["links"])
    box = view.page.locator('input[data-relation="TASKS"]')
    box.uncheck()
    assert view.sc("sc.linkCount") == total - 1
    assert "TASKS" not in {k[2] for k in edge_keys(view, view.sc("sc.drawn().edges"))}
    assert "showing 8 of 9 links" in view.page.inner_text("#sc-status")
    box.check()
    assert view.sc("sc.linkCount") == total


def test_grading_select_keeps_links_at_least_as_good(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    select = view.page.locator("#sc-grading")
    grading = {(lk["source"], lk["target"], lk["type"]): lk["grading"] for lk in RECORDS["links"]}

    def shown() -> list[str]:
        return sorted(grading[k] for k in edge_keys(view, view.sc("sc.drawn().edges")))

    select.select_option("B2")
    assert shown() == ["A1", "A1", "A1", "B2"]
    select.select_option("E5")  # everything judged: F1 and A6 still fail, as in graph.grading
    expected = sorted(g for g in grading.values() if Grading.parse(g).meets(Grading.parse("E5")))
    assert shown() == expected
    assert "F1" not in expected and "A6" not in expected
    select.select_option("")
    assert len(shown()) == len(RECORDS["links"])


def test_hiding_unlinked_entities(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    view.page.locator("#sc-grading").select_option("A1")
    view.page.locator("#sc-hide-isolated").check()
    assert set(view.sc("sc.drawn().nodes")) == {"ru", "ru-fsb", "evilcorp", "yakubets", "uk"}


@pytest.mark.parametrize("day", ["2018-06-01", "2018-12-31", "2019-01-01", "2019-12-31", "2020-03-01"])
def test_date_slider_keeps_links_in_force_on_the_day(
    graph: nx.MultiDiGraph, tmp_path: Path, open_view: Any, day: str
) -> None:
    """Undated links stay; "since 2019" counts from 2019-01-01, "until 2019-12" to its end."""
    view = open_view(render_html(graph, tmp_path / "time.html"))
    expected = sum(in_force(attrs, day) for *_, attrs in graph.edges(data=True))
    assert view.sc("sc.setDate(arg)", day) == day
    assert view.sc("sc.linkCount") == expected
    assert expected == {
        "2018-06-01": 8, "2018-12-31": 8, "2019-01-01": 9, "2019-12-31": 9, "2020-03-01": 8
    }[day]
    assert day in view.page.inner_text("#sc-date-label")
    # the slider itself: switched on, moved to the first day every dated link spans
    view.sc("sc.setDate(null)")
    assert view.sc("sc.linkCount") == len(RECORDS["links"])
    view.page.locator("#sc-date-on").check()
    view.page.locator("#sc-date").evaluate(
        "(s) => { s.value = '0'; s.dispatchEvent(new Event('input')); }"
    )
    assert view.sc("sc.state.day") == "2017-01-01"
    assert view.sc("sc.linkCount") == sum(
        in_force(a, "2017-01-01") for *_, a in graph.edges(data=True)
    )


def test_search_selects_by_name_or_alias(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    search = view.page.locator("#sc-search")
    search.fill("indrik spider")
    search.press("Enter")
    assert view.sc("sc.selected()") == ["evilcorp"]
    assert "Evil Corp" in view.page.inner_text("#sc-details")
    search.fill("Federal Security")
    search.press("Enter")
    assert view.sc("sc.selected()") == ["ru-fsb"]
    assert view.sc("sc.search('nobody at all')") is None
    assert "No entity" in view.page.inner_text("#sc-search-result")


def test_clicking_an_entity_shows_its_evidence(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    view.sc("sc.focus(0)")  # the camera frames the chain: Evil Corp is on screen
    point = steady_point(view, "evilcorp")
    view.page.mouse.click(point["x"], point["y"])
    text = view.page.inner_text("#sc-details")
    for expected in ("Evil Corp", "Cybercrime", "Indrik Spider", "RU", "crime.cyber", "ransomware"):
        assert expected in text
    view.sc("sc.inspect('edge', arg)", edge_id(view, "TASKS"))
    text = view.page.inner_text("#sc-details")
    for expected in (
        "FSB", "TASKS", "Evil Corp", "B2", "usually reliable, probably true", "2017",
        "2019-12", "tasked with espionage operations", "US Treasury", "2019-12-05",
        "Treasury Sanctions Evil Corp", "sanctions-notice",
    ):
        assert expected in text
    assert view.js("() => [...document.querySelectorAll('#sc-details a')].map(a => a.href)") == [
        TREASURY_URL
    ]


def test_hovering_an_entity_shows_its_card(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    view.sc("sc.focus(0)")
    point = steady_point(view, "evilcorp")
    view.page.mouse.move(point["x"] + 40, point["y"] + 40)
    view.page.mouse.move(point["x"], point["y"], steps=4)
    tooltip = view.page.locator("div.vis-tooltip, #sc-tooltip").filter(has_text="behind Dridex")
    tooltip.first.wait_for(state="visible", timeout=5000)
    assert "Indrik Spider" in tooltip.first.inner_text()


def test_hostile_names_stay_text(view_file: Path, open_view: Any, tmp_path: Path) -> None:
    """A name made of markup shows literally and runs nothing: details, chain list, exports."""
    view = open_view(view_file)
    view.sc("sc.inspect('node', 'hostile')")
    assert HOSTILE in view.page.inner_text("#sc-details")
    assert "</script><script>alert(2)</script>" in view.page.inner_text("#sc-details")
    view.sc("sc.inspect('edge', arg)", edge_id(view, "MEMBER_OF"))
    assert "<script>alert(4)</script>" in view.page.inner_text("#sc-details")
    assert "<u>publisher</u>" in view.page.inner_text("#sc-details")
    assert HOSTILE in view.page.inner_text("#sc-chains")
    view.sc("sc.focus(1)")
    svg = view.sc("sc.exportSVG()")
    parsed = view.js(
        "(t) => { const d = new DOMParser().parseFromString(t, 'image/svg+xml');"
        " return [d.querySelectorAll('img, script, b, foreignObject').length,"
        " [...d.querySelectorAll('text')].map(x => x.textContent)]; }",
        svg,
    )
    assert parsed[0] == 0 and HOSTILE in parsed[1]
    hostile_file = tmp_path / "<img src=x onerror=alert(6)>.json"
    hostile_file.write_text(json.dumps({"positions": {"hostile": [1, 2]}}), encoding="utf-8")
    view.page.locator("#sc-load-layout").set_input_files(str(hostile_file))
    view.page.wait_for_function("() => document.getElementById('sc-layout-note').textContent.includes('Placed')")
    assert "<img src=x onerror=alert(6)>" in view.page.inner_text("#sc-layout-note")
    view.page.wait_for_timeout(300)
    assert view.dialogs == []
    assert view.errors == []
    injected = view.js(
        "() => [document.querySelectorAll('img, #injected, i, u').length,"
        " [...document.querySelectorAll('a')].filter(a => a.protocol === 'javascript:').length,"
        " document.querySelectorAll('script').length]"
    )
    assert injected == [0, 0, 4]
    assert view.js("() => document.querySelectorAll('#sc-names option').length") >= 8


def _hub_graph(leaves: int) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_node("hub", id="hub", kind="StateAgency", name="A busy agency")
    for i in range(leaves):
        graph.add_node(f"p{i}", id=f"p{i}", kind="Person", name=f"<b>officer</b> {i}")
        graph.add_edge(f"p{i}", "hub", key="MEMBER_OF", type="MEMBER_OF", grading="B2", sources=[])
    return graph


def test_hub_cap_shows_more_and_expands(tmp_path: Path, open_view: Any, renderer: str) -> None:
    graph = _hub_graph(60)
    held = [f"p{i}" for i in range(50, 60)]
    path = render_html(graph, tmp_path / "hub.html", cut={"hub": held}, renderer=renderer)  # type: ignore[arg-type]
    view = open_view(path)
    assert view.sc("[sc.nodeCount, sc.linkCount]") == [51, 50]
    assert "more:hub" in view.sc("sc.drawn().nodes")
    view.sc("sc.inspect('node', 'hub')")
    view.page.locator("#sc-details button", has_text="Show 10 more").click()
    assert view.sc("[sc.nodeCount, sc.linkCount]") == [61, 60]
    assert "more:hub" not in view.sc("sc.drawn().nodes")
    view.sc("sc.inspect('node', 'p55')")
    assert "<b>officer</b> 55" in view.page.inner_text("#sc-details")
    assert view.js("() => document.querySelectorAll('b').length") == 0
    assert view.errors == [] and view.dialogs == []


def test_parallel_links_are_drawn_once_and_listed_each(tmp_path: Path, open_view: Any) -> None:
    """WebGL draws one line per pair of entities and direction; clicking it lists every link."""
    graph = nx.MultiDiGraph()
    graph.add_node("agency", id="agency", kind="StateAgency", name="The agency")
    graph.add_node("gang", id="gang", kind="OrganisedCrimeGroup", name="The gang")
    graph.add_node("state", id="state", kind="State", name="The state")
    for rel, grading in (("TASKS", "B2"), ("PAYS", "C3")):
        graph.add_edge("agency", "gang", key=rel, type=rel, grading=grading, sources=[])
    graph.add_edge("state", "agency", key="DIRECTS", type="DIRECTS", grading="A1", sources=[])
    path = render_html(graph, tmp_path / "pairs.html", renderer="webgl")
    view = open_view(path)
    assert view.sc("[sc.nodeCount, sc.linkCount, sc.adapter.graph.size]") == [3, 3, 2]
    a, b = steady_point(view, "agency"), steady_point(view, "gang")
    view.page.mouse.move((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2)
    view.page.mouse.click((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2)
    details = view.page.inner_text("#sc-details")
    assert "2 links between these two entities" in details
    assert "The agency \u2192 TASKS \u2192 The gang" in details
    assert "The agency \u2192 PAYS \u2192 The gang" in details
    # the relation filter takes one of the two away: the pair stays, with one link
    view.page.locator("input[data-relation='PAYS']").uncheck()
    assert view.sc("[sc.linkCount, sc.adapter.graph.size]") == [2, 2]
    view.page.locator("input[data-relation='TASKS']").uncheck()
    assert view.sc("sc.linkCount") == 1
    assert view.errors == [] and view.dialogs == []


def test_hub_cap_expands_from_its_stand_in(tmp_path: Path, open_view: Any) -> None:
    graph = _hub_graph(55)
    path = render_html(graph, tmp_path / "hub.html", cut={"hub": ["p53", "p54"]}, renderer="canvas")
    view = open_view(path)
    point = steady_point(view, "more:hub")
    view.page.mouse.click(point["x"], point["y"])
    assert view.sc("sc.nodeCount") == 56


def test_saved_positions_come_back(
    view_file: Path, graph: nx.MultiDiGraph, open_view: Any, browser: Any, tmp_path: Path
) -> None:
    """Moved in the page, kept in this browser; downloaded, read back by --positions; uploaded."""
    context = browser.new_context(accept_downloads=True)
    try:
        view = open_view(view_file, context=context)
        placed = {n: [float(i * 100), float(-i * 50)] for i, n in enumerate(sorted(graph.nodes))}
        assert view.sc("sc.setPositions(arg)", placed) == len(placed)
        assert view.sc("sc.positions()") == placed
        again = open_view(view_file, context=context)
        assert again.sc("sc.restoredFrom") == "this browser"
        assert again.sc("sc.positions()") == placed
        with again.page.expect_download() as info:
            again.page.locator("#sc-save-layout").click()
        saved = tmp_path / "layout.json"
        info.value.save_as(saved)
        assert read_positions(saved) == placed
        # the file, handed to `view --positions`, places every node in a fresh browser
        from_file = render_html(graph, tmp_path / "from-file.html", positions=read_positions(saved))
        fresh = open_view(from_file)
        assert fresh.sc("sc.restoredFrom") == "the file"
        assert fresh.sc("sc.positions()") == placed
        # and uploaded through the page's Load layout
        moved = {n: [x + 7, y - 3] for n, (x, y) in placed.items()}
        upload = tmp_path / "moved.json"
        upload.write_text(json.dumps({"positions": moved}), encoding="utf-8")
        fresh.page.locator("#sc-load-layout").set_input_files(str(upload))
        fresh.page.wait_for_function("() => document.getElementById('sc-layout-note').textContent.includes('Placed 8')")
        assert fresh.sc("sc.positions()") == moved
    finally:
        context.close()


def test_layout_file_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"positions": {"ru": [1, "x"]}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.json.*'ru'"):
        read_positions(bad)
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a layout file"):
        read_positions(bad)


def test_picture_exports_as_svg_and_png(view_file: Path, open_view: Any) -> None:
    view = open_view(view_file)
    svg = view.sc("sc.exportSVG()")
    assert svg.startswith("<svg") and "Maksim Yakubets" in svg
    png = view.page.evaluate("() => window.statecrime.exportPNG()")
    assert png.startswith("data:image/png;base64,")
    raw = base64.b64decode(png.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 2000
    with view.page.expect_download() as info:
        view.page.locator("#sc-export-svg").click()
    assert info.value.suggested_filename == "statecrime-view.svg"


def test_large_graph_page_renders_the_expected_counts(tmp_path: Path, open_view: Any) -> None:
    """Above the threshold the page is drawn with WebGL, laid out ahead of time."""
    from collections import Counter

    from benchmarks.bench_view import synthetic_graph

    graph = synthetic_graph(3_000, 9_000)
    path = render_html(graph, tmp_path / "large.html")
    view = open_view(path)
    assert view.sc("[sc.renderer, sc.nodeCount, sc.linkCount]") == ["webgl", 3_000, 9_000]
    rel_type, count = Counter(t for *_, t in graph.edges(data="type")).most_common(1)[0]
    view.page.locator(f'input[data-relation="{rel_type}"]').uncheck()
    assert view.sc("sc.linkCount") == 9_000 - count
    assert view.sc("sc.search('synthetic-2999')") == "syn-2999"
    assert view.errors == []


def test_too_large_for_a_page_is_refused_with_a_hint() -> None:
    with pytest.raises(ViewTooLarge, match="--around"):
        choose_renderer("auto", 300_000, 10)
    assert choose_renderer("auto", 100, 100) == "canvas"
    assert choose_renderer("auto", 5_000, 100) == "webgl"
    assert choose_renderer("canvas", 5_000, 100) == "canvas"


def test_unknown_chain_member_is_an_error(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nobody"):
        render_html(graph, tmp_path / "x.html", highlight=[["ru", "nobody"]])


def test_size_by_degree_or_betweenness() -> None:
    """A broker in the middle of a path is the biggest node by betweenness, not by degree."""
    g = nx.MultiDiGraph()
    for node in "abcdefg":
        g.add_node(node, id=node, kind="Person", name=node)
    g.add_edges_from(
        [("a", "b"), ("a", "c"), ("a", "d"), ("a", "e"), ("b", "c"), ("b", "d"), ("a", "f"), ("f", "g")],
        type="LINKED_TO",
    )
    degree = node_sizes(g, "degree")
    between = node_sizes(g, "betweenness")
    assert max(degree, key=degree.__getitem__) == "a"
    assert between["f"] > between["b"] and degree["f"] < degree["b"]
    values = {n["id"]: n["value"] for n in page_data(g, size_by="betweenness")["nodes"]}
    assert values == between


def test_an_empty_graph_still_opens(tmp_path: Path, open_view: Any, renderer: str) -> None:
    """An empty store (or a filter that matches nothing) gives a page that says so, not a hang."""
    view = open_view(render_html(nx.MultiDiGraph(), tmp_path / "empty.html", renderer=renderer))  # type: ignore[arg-type]
    assert view.page.inner_text("#sc-node-count") == "0"
    assert view.sc("sc.nodeCount") == 0
    assert view.errors == []


def test_notebook_view_shows_inline_and_saves(graph: nx.MultiDiGraph, tmp_path: Path, browser: Any) -> None:
    """api.view returns what Jupyter displays (an iframe holding the page) without Jupyter."""
    shown = api.view(graph, title="In a notebook", highlight=[CHAIN])
    saved = shown.save(tmp_path / "nb" / "view.html")
    assert saved.read_text(encoding="utf-8") == shown.html
    markup = shown._repr_html_()
    assert markup.startswith("<iframe srcdoc=") and "<script" not in markup
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(markup)
        frame = page.frame_locator("iframe")
        frame.locator("body[data-stabilised=true]").wait_for(timeout=30_000)
        assert frame.locator("#sc-title").inner_text() == "In a notebook"
        assert frame.locator("#sc-chain-count").inner_text() == "1"
    finally:
        context.close()


# ---- a large graph drawn over several frames (render-webgl.js): whole at rest ----
# Above a few thousand entities the page draws its nodes and links a chunk per animation
# frame, so that no frame keeps the browser busy for long. An analyst must still get the
# whole picture once the camera rests: every node and every shown link on screen, a
# focused chain's links drawn strong over the dimmed rest, a searched entity in its
# kind's shape. These tests read picture(), drawn() and the pixels of the layers.

LARGE_NODES, LARGE_LINKS = 3_000, 9_000
WHOLE = "() => window.statecrime.picture().complete"

# the colour under a page point, on one of sigma's WebGL layers (drawing buffers are kept)
PIXELS = """([layer, x, y, r]) => {
  const s = window.statecrime.adapter.sigma, gl = s.webGLContexts[layer];
  const box = s.getContainer().getBoundingClientRect(), pr = s.pixelRatio;
  const px = Math.round((x - box.left) * pr), py = Math.round((box.bottom - y) * pr);
  const side = 2 * r + 1, out = new Uint8Array(4 * side * side);
  gl.readPixels(px - r, py - r, side, side, gl.RGBA, gl.UNSIGNED_BYTE, out);
  let best = [0, 0, 0, 0];
  for (let i = 0; i < out.length; i += 4) if (out[i + 3] > best[3]) best = Array.from(out.slice(i, i + 4));
  return best;
}"""


@pytest.fixture(scope="module")
def large_graph() -> nx.MultiDiGraph:
    from benchmarks.bench_view import synthetic_graph

    return synthetic_graph(LARGE_NODES, LARGE_LINKS)


def distinct_pairs(graph: nx.MultiDiGraph) -> set[tuple[str, str]]:
    return {(u, v) for u, v in graph.edges()}


def chunked(view: ViewPage) -> dict[str, Any]:
    """Redraw the page in small chunks (a few hundred items a frame) and wait for the whole."""
    view.sc("sc.adapter.tune({minChunk: 300, chunk: 150, budgetMs: 0.001})")
    view.sc("sc.adapter.sigma.refresh()")
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    return view.sc("sc.picture()")


def test_at_rest_every_node_and_link_is_drawn(tmp_path: Path, large_graph: Any, open_view: Any) -> None:
    path = render_html(large_graph, tmp_path / "large.html", renderer="webgl")
    view = open_view(path)
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    picture = chunked(view)
    pairs = distinct_pairs(large_graph)
    # every node and every pair of entities with a shown link, over many frames
    assert picture["drawnNodes"] == picture["nodes"] == LARGE_NODES
    assert picture["drawnPairs"] == picture["bulkPairs"] == len(pairs)
    assert picture["chunks"] > (LARGE_NODES + len(pairs)) // 600
    assert view.sc("[sc.nodeCount, sc.linkCount]") == [LARGE_NODES, LARGE_LINKS]
    # the pixels: the first node drawn (the biggest) survived the frames after it, and the
    # last link drawn and the last (smallest) node are on screen
    order = view.sc("sc.adapter.graph.nodes()")
    for node in (order[0], order[-1]):
        point = view.sc("sc.screenPoint(arg)", node)
        assert view.js(PIXELS, ["nodes", point["x"], point["y"], 1])[3] > 0, node
    last = view.sc("sc.adapter.bulkOrder()").pop()
    a, b = view.sc("sc.screenPoint(arg)", last["from"]), view.sc("sc.screenPoint(arg)", last["to"])
    assert view.js(PIXELS, ["edges", (a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, 1])[3] > 0
    # a filter starts the picture again, and it ends whole with fewer pairs
    rel_type = large_graph.edges[next(iter(large_graph.edges(keys=True)))]["type"]
    view.page.locator(f'input[data-relation="{rel_type}"]').uncheck()
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    fewer = view.sc("sc.picture()")
    kept = {(u, v) for u, v, t in large_graph.edges(data="type") if t != rel_type}
    assert fewer["drawnPairs"] == fewer["bulkPairs"] == len(kept)
    assert view.errors == []


def test_focused_chain_is_drawn_strong_over_the_bulk(tmp_path: Path, large_graph: Any, open_view: Any) -> None:
    """A chain's pairs leave the bulk layer for sigma's arrows while it is in focus, and come back."""
    u, v, w = next(
        (u, v, w)
        for u, v in large_graph.edges()
        for w in large_graph.successors(v)
        if len({u, v, w}) == 3 and large_graph.number_of_edges(u, v) == large_graph.number_of_edges(v, w) == 1
    )
    path = render_html(large_graph, tmp_path / "chain.html", renderer="webgl", highlight=[[u, v, w]])
    view = open_view(path)
    pairs = len(distinct_pairs(large_graph))
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    assert view.sc("[sc.adapter.graph.size, sc.picture().bulkPairs]") == [0, pairs]
    chain = view.sc("sc.focus(0)")
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    drawn = view.sc("sc.drawn()")
    assert set(drawn["strongEdges"]) == set(chain["edges"]) and len(chain["edges"]) == 2
    assert set(drawn["strongNodes"]) == {u, v, w}
    assert view.sc("[sc.adapter.graph.size, sc.picture().bulkPairs]") == [2, pairs - 2]
    assert view.sc("[sc.nodeCount, sc.linkCount]") == [LARGE_NODES, LARGE_LINKS]  # the rest dimmed, not gone
    # the strong link is on screen, drawn after (over) the bulk's last chunk
    picture = chunked(view)
    assert picture["drawnPairs"] == pairs - 2
    a, b = view.sc("sc.screenPoint(arg)", u), view.sc("sc.screenPoint(arg)", v)
    colour = view.js(PIXELS, ["edges", (a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, 0])
    assert colour[3] > 0 and colour[:3] != [0xEE, 0xF0, 0xF2]  # not the dimmed grey
    view.sc("sc.focus(null)")
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    assert view.sc("[sc.adapter.graph.size, sc.picture().bulkPairs]") == [0, pairs]
    assert view.errors == []


def test_searched_state_shows_its_star(tmp_path: Path, large_graph: Any, open_view: Any) -> None:
    """A searched State is a star on a white disc over its neighbours (they once hid it)."""
    state = next(n for n, kind in large_graph.nodes(data="kind") if kind == "State")
    name = large_graph.nodes[state]["name"]
    path = render_html(large_graph, tmp_path / "star.html", renderer="webgl")
    view = open_view(path)
    assert view.sc("sc.search(arg)", name) == state
    view.page.wait_for_timeout(1_000)  # the camera's animation
    view.page.wait_for_function(WHOLE, timeout=60_000, polling=50)
    style = view.sc("sc.drawn().nodeStyle(arg)", state)
    assert style["drawnAs"] == "star"
    point = view.sc("sc.screenPoint(arg)", state)
    size = view.sc("sc.adapter.sigma.scaleSize(sc.adapter.sigma.getNodeDisplayData(arg).size)", state)
    assert size > 8
    # on the labels layer: the kind's colour in the middle, white in a notch between two points
    at = """([x, y]) => {
      const s = window.statecrime.adapter.sigma, box = s.getContainer().getBoundingClientRect();
      const pr = s.pixelRatio, c = s.canvasContexts.labels;
      return Array.from(c.getImageData(Math.round((x - box.left) * pr), Math.round((y - box.top) * pr), 1, 1).data);
    }"""
    want = [int(style["color"].lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    middle = view.js(at, [point["x"], point["y"]])
    assert middle[3] == 255 and all(abs(got - w) < 40 for got, w in zip(middle[:3], want, strict=True))
    notch = view.js(at, [point["x"], point["y"] + 0.75 * size])  # straight down: between the two legs
    assert notch[:3] == [255, 255, 255] and notch[3] == 255
    assert view.errors == []
