"""The WebGL view of a large graph, drawn over several frames, checked in a real Chromium.

Why: above a few thousand entities the page draws its nodes and links a chunk
per animation frame (views/assets/render-webgl.js), so that no frame keeps the
browser busy for long. An analyst must still get the whole picture once the
camera rests: every node and every shown link on screen, a focused chain's
links drawn strong over the dimmed rest, a searched entity in its kind's shape.
These tests read the page's surface (``picture()``, ``drawn()``) and the pixels
of the WebGL layers themselves. Timings are in benchmarks/bench_view.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from statecrime.views.html import render_html

try:
    from tests.support.browser import ViewPage, browser, open_view
except ModuleNotFoundError:  # pytest run with tests/ (not the repo root) on sys.path
    from support.browser import ViewPage, browser, open_view  # type: ignore[no-redef]  # noqa: F401

NODES, LINKS = 3_000, 9_000
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

    return synthetic_graph(NODES, LINKS)


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
    assert picture["drawnNodes"] == picture["nodes"] == NODES
    assert picture["drawnPairs"] == picture["bulkPairs"] == len(pairs)
    assert picture["chunks"] > (NODES + len(pairs)) // 600
    assert view.sc("[sc.nodeCount, sc.linkCount]") == [NODES, LINKS]
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
    assert view.sc("[sc.nodeCount, sc.linkCount]") == [NODES, LINKS]  # the rest dimmed, not gone
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
