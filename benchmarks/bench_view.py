"""How long the HTML view takes to write, to draw and to pan and zoom in Chromium, by size.

Why: the view must stay usable from a case of a dozen entities to a store of
50,000 entities and 150,000 links. The graphs here are SYNTHETIC, built in
memory from a seeded random generator (names "synthetic-N", kinds and relation
types drawn from the domain); they say nothing about the world.

Two tables, side by side in one run:

- canvas (vis-network, physics in the page): seconds to write the HTML, its
  size, seconds from navigation start to the layout settled (physics off), and
  the layout's share;
- webgl (sigma.js, layout ahead of time in Python): seconds to write the HTML
  (the layout's share apart), its size, ``firstFrameMs`` (navigation start to
  the first frame on screen), then a scripted pan and zoom (drags and wheel
  turns over the graph) with the longest main-thread task seen during it
  (PerformanceObserver "longtask": tasks over 50 ms), against the targets of
  5 s and 200 ms.

Chromium runs headless with software WebGL (SwiftShader), as in the tests.

    python benchmarks/bench_view.py [--canvas 200,1000,2000] [--webgl 5000,50000] [--keep DIR]
    python benchmarks/bench_view.py --pages OLD.html,NEW.html [--rounds 2]

``--pages`` measures pages already written (``--keep`` keeps them; write the
old ones with the old code) alternated in one browser: first frame, the whole
picture (large graphs draw over several frames), the page's main-thread CPU
(Chrome's thread time) while loading and during the pan and zoom, and the
pan/zoom's longest task, tasks over 200 ms and their median.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from statecrime.graph import domain
from statecrime.views.html import render_html
from tests.support.browser import LAUNCH_ARGS, find_chromium

EDGES_PER_NODE = 2.5
WEBGL_EDGES_PER_NODE = 3.0
"""50,000 nodes and 150,000 links: the large-graph target."""
GRADES = [r + c for r in "ABCDEF" for c in "123456"]


def synthetic_graph(nodes: int, edges: int, seed: int = 42) -> nx.MultiDiGraph:
    """A seeded random graph in the view's input shape, with valid kind pairs where possible."""
    rng = random.Random(seed)
    kinds = [k for k in domain.ENTITY_KINDS if k != domain.SOURCE_KIND]
    graph = nx.MultiDiGraph()
    for i in range(nodes):
        kind = rng.choice(kinds)
        graph.add_node(
            f"syn-{i}",
            id=f"syn-{i}",
            kind=kind,
            name=f"synthetic-{i}",
            aliases=[f"syn alias {i}"],
            country=None,
            topics=[],
            identifiers={},
            isClass=False,
            description="synthetic entity for benchmarking",
            roles=[rng.choice(domain.PERSON_ROLES)] if kind == "Person" else None,
        )
    ids = list(graph.nodes)
    # preferential attachment-ish: a few hubs, like states and agencies in a real store
    weights = list(itertools.accumulate(1.0 / (1 + i) ** 0.6 for i in range(nodes)))
    allowed_by_pair: dict[tuple[str, str], list[str]] = {}
    made = 0
    while made < edges:
        u, v = rng.choices(ids, cum_weights=weights, k=1)[0], rng.choice(ids)
        if u == v:
            continue
        ku, kv = graph.nodes[u]["kind"], graph.nodes[v]["kind"]
        allowed = allowed_by_pair.get((ku, kv))
        if allowed is None:
            allowed = [r for r, rel in domain.RELATIONS.items() if rel.allows(ku, kv)]
            allowed_by_pair[(ku, kv)] = allowed
        rel_type = rng.choice(allowed) if allowed else "LINKED_TO"
        if graph.has_edge(u, v, key=rel_type):
            continue
        source = {
            "id": f"src-{made % 97}",
            "publisher": "Synthetic Publisher",
            "title": f"synthetic report {made % 97}",
            "date": "2023",
            "url": f"https://example.invalid/{made % 97}",
            "sourceType": "research",
            "tlp": None,
        }
        graph.add_edge(
            u,
            v,
            key=rel_type,
            type=rel_type,
            grading=rng.choice(GRADES),
            sources=[source],
            since=None,
            until=None,
            note=None,
            tlp=None,
        )
        made += 1
    return graph


LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.duration]);
}).observe({type: "longtask", buffered: true});
"""


def open_page(browser, path: Path):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_offline(True)
    context.add_init_script(LONG_TASKS)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("() => window.statecrime && window.statecrime.settled", timeout=600_000)
    return context, page


def measure_canvas(browser, size: int, workdir: Path) -> dict[str, float]:
    graph = synthetic_graph(size, int(size * EDGES_PER_NODE))
    start = time.perf_counter()
    path = render_html(graph, workdir / f"canvas-{size}.html", renderer="canvas")
    write_s = time.perf_counter() - start
    context, page = open_page(browser, path)
    at, first, drawn = page.evaluate(
        "() => [statecrime.settledAtMs, statecrime.firstFrameMs, statecrime.linkCount]"
    )
    context.close()
    return {
        "nodes": size,
        "edges": graph.number_of_edges(),
        "drawn": drawn,
        "write_s": write_s,
        "mb": path.stat().st_size / 1e6,
        "stable_s": at / 1000,
        "first_s": first / 1000,
    }


def pan_and_zoom(page) -> None:
    """Drags and wheel turns over the middle of the graph, as an analyst exploring it."""
    box = page.locator("#sc-network").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for step in range(4):
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx + 180 * (-1) ** step, cy + 90, steps=12)
        page.mouse.up()
        page.wait_for_timeout(150)
    for delta in (-400, -400, -400, 400, 400, 400):
        page.mouse.move(cx + 40, cy + 30)
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)


GPU_PROBE = """() => {
  // How long one sigma render takes until SwiftShader has drawn it: sigma's draw calls return
  // at once, and reading one pixel back waits until the frame is drawn (as the software
  // compositor does for every frame). At rest, and as while moving (hideEdgesOnMove). Large
  // graphs draw only a first chunk in a render (render-webgl.js), the rest in later frames.
  const s = statecrime.adapter.sigma, gl = s.webGLContexts, px = new Uint8Array(4);
  const wait = (c) => c.readPixels(0, 0, 1, 1, c.RGBA, c.UNSIGNED_BYTE, px);
  const timed = (moving) => {
    wait(gl.edges); wait(gl.nodes);
    const t = performance.now();
    s.mouseCaptor.isMoving = moving; s.render(); s.mouseCaptor.isMoving = false;
    wait(gl.nodes); wait(gl.edges);
    return performance.now() - t;
  };
  const rest = timed(false), moving = timed(true);
  s.render();
  return {rest: rest, moving: moving};
}"""


def thread_cpu_ms(cdp) -> float:
    """Main-thread CPU so far, ms: Chrome's TaskDuration counted in thread time, which the
    machine's load inflates far less than wall time."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return 1000 * next(m["value"] for m in metrics if m["name"] == "TaskDuration")


WAIT_PICTURE = "() => !statecrime.picture || statecrime.picture().complete"
PICTURE = "(statecrime.picture ? statecrime.picture() : {})"


def measure_page(browser, path: Path) -> dict:
    """First frame, the whole picture, a scripted pan and zoom: one WebGL page in a fresh tab."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_offline(True)
    context.add_init_script(LONG_TASKS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    page.goto(path.as_uri())
    page.wait_for_function("() => window.statecrime && window.statecrime.settled", timeout=600_000)
    page.wait_for_function(WAIT_PICTURE, timeout=600_000, polling=50)
    first, nodes, links, phases, picture = page.evaluate(
        "() => [statecrime.firstFrameMs, statecrime.nodeCount, statecrime.linkCount,"
        f" statecrime.phases, {PICTURE}]"
    )
    load_cpu = thread_cpu_ms(cdp)
    page.wait_for_timeout(1000)
    before = page.evaluate("() => performance.now()")
    cpu_before = thread_cpu_ms(cdp)
    pan_and_zoom(page)
    page.wait_for_function(WAIT_PICTURE, timeout=600_000, polling=50)
    settle_ms = page.evaluate("(t) => performance.now() - t", before)
    pan_cpu = thread_cpu_ms(cdp) - cpu_before
    tasks = page.evaluate("(t) => window.__longTasks.filter(x => x[0] >= t)", before)
    load_tasks = page.evaluate("(t) => window.__longTasks.filter(x => x[0] < t)", before)
    rest = page.evaluate(f"() => [statecrime.linkCount, {PICTURE}]")
    page.wait_for_timeout(500)
    gpu = page.evaluate(GPU_PROBE)
    context.close()
    return {
        "drawn_nodes": nodes,
        "drawn_links": links,
        "mb": path.stat().st_size / 1e6,
        "first_ms": first,
        "complete_ms": picture.get("completeAtMs") or first,
        "load_cpu_ms": load_cpu,
        "pan_cpu_ms": pan_cpu,
        "pan_wall_ms": settle_ms,
        "rest_links": rest[0],
        "rest_picture": rest[1],
        "load_task_ms": max((d for _, d in load_tasks), default=0.0),
        "long_tasks": len(tasks),
        "max_task_ms": max((d for _, d in tasks), default=0.0),
        "over_200": sum(1 for _, d in tasks if d > 200),
        "median_task_ms": sorted(d for _, d in tasks)[len(tasks) // 2] if tasks else 0.0,
        "phases": phases,
        "gpu": gpu,
        "load_avg": os.getloadavg()[0],
    }


def measure_webgl(browser, size: int, workdir: Path) -> dict[str, float]:
    from statecrime.views import layout

    edges = int(size * WEBGL_EDGES_PER_NODE)
    graph = synthetic_graph(size, edges)
    start = time.perf_counter()
    layout.ahead_of_time(graph)
    layout_s = time.perf_counter() - start
    start = time.perf_counter()
    path = render_html(graph, workdir / f"webgl-{size}.html", renderer="webgl")
    write_s = time.perf_counter() - start
    row = measure_page(browser, path)
    row.update(nodes=size, edges=graph.number_of_edges(), layout_s=layout_s, write_s=write_s)
    return row


def compare_pages(browser, paths: list[Path], rounds: int) -> None:
    """Pages written before (e.g. from main's code) beside pages of this code, alternated."""
    print("pages alternated; ms; CPU is the page's main thread (thread time)")
    print(f"{'page':>40} {'load':>5} {'first':>7} {'whole':>7} {'load CPU':>9} {'pan CPU':>8}"
          f" {'max task':>9} {'>200':>5} {'median':>7}")
    for _ in range(rounds):
        for path in paths:
            r = measure_page(browser, path)
            print(f"{str(path)[-40:]:>40} {r['load_avg']:>5.1f} {r['first_ms']:>7.0f} {r['complete_ms']:>7.0f}"
                  f" {r['load_cpu_ms']:>9.0f} {r['pan_cpu_ms']:>8.0f} {r['max_task_ms']:>9.0f}"
                  f" {r['over_200']:>5} {r['median_task_ms']:>7.0f}", flush=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--canvas", default="200,1000,2000")
    parser.add_argument("--webgl", default="5000,50000")
    parser.add_argument("--keep", type=Path, default=None, help="keep the HTML files here")
    parser.add_argument("--pages", default="", help="instead: measure these WebGL pages, alternated")
    parser.add_argument("--rounds", type=int, default=2, help="with --pages: how many times each")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    if args.pages:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            compare_pages(browser, [Path(p) for p in args.pages.split(",")], args.rounds)
            browser.close()
        return
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="statecrime-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    canvas_sizes = [int(s) for s in args.canvas.split(",") if s]
    webgl_sizes = [int(s) for s in args.webgl.split(",") if s]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        canvas = [measure_canvas(browser, size, workdir) for size in canvas_sizes]
        webgl = [measure_webgl(browser, size, workdir) for size in webgl_sizes]
        browser.close()
    print("SYNTHETIC graphs (seeded, in memory); Chromium headless, offline, SwiftShader WebGL")
    print("\ncanvas (vis-network, physics in the page; target: settled well under 30 s)")
    print(f"{'nodes':>6} {'edges':>7} {'write s':>8} {'HTML MB':>8} {'first s':>8} {'settled s':>10}")
    for row in canvas:
        print(
            f"{row['nodes']:>6} {row['edges']:>7} {row['write_s']:>8.2f} {row['mb']:>8.2f}"
            f" {row['first_s']:>8.2f} {row['stable_s']:>10.2f}"
        )
    print("\nwebgl (sigma.js, layout ahead of time; targets: first frame <= 5000 ms, tasks <= 200 ms)")
    print(
        f"{'nodes':>6} {'edges':>7} {'layout s':>9} {'write s':>8} {'HTML MB':>8}"
        f" {'first ms':>9} {'vs 5 s':>7} {'load task ms':>13} {'pan/zoom max task ms':>21} {'vs 200':>7}"
    )
    for row in webgl:
        print(
            f"{row['nodes']:>6} {row['edges']:>7} {row['layout_s']:>9.2f} {row['write_s']:>8.2f}"
            f" {row['mb']:>8.1f} {row['first_ms']:>9.0f} {row['first_ms'] / 5000:>7.2f}"
            f" {row['load_task_ms']:>13.0f} {row['max_task_ms']:>21.0f}"
            f" {row['max_task_ms'] / 200:>7.2f}"
        )
    print("\nwebgl start phases, ms from navigation start (script: the page's script starts;")
    print("parsed: data parsed; model: nodes and links built; renderer: graph and sigma built),")
    print("pan/zoom tasks over 200 ms and their median, load average (1 min) after the row")
    for row in webgl:
        ph = row["phases"] or {}
        cells = " ".join(f"{k} {ph[k]:.0f}" for k in ("script", "parsed", "model", "renderer") if k in ph)
        print(
            f"{row['nodes']:>6}: {cells}; first frame {row['first_ms']:.0f};"
            f" pan/zoom tasks > 200 ms: {row['over_200']}, median {row['median_task_ms']:.0f} ms;"
            f" load average {row['load_avg']:.1f}"
        )
    print("\nwebgl: one sigma render until SwiftShader has drawn it, ms (at rest; as while moving),")
    print("waited for by reading a pixel back; large graphs draw only a first chunk in it, the rest")
    print("in the frames after (render-webgl.js); the whole picture, ms after navigation start; what")
    print("is drawn at rest after the pan and zoom; the page's main-thread CPU (thread time), ms")
    for row in webgl:
        gpu = row["gpu"]
        print(
            f"{row['nodes']:>6}: a render at rest {gpu['rest']:.0f}, moving {gpu['moving']:.0f};"
            f" whole picture at {row['complete_ms']:.0f};"
            f" at rest after the pan: {row['rest_links']} links,"
            f" {row['rest_picture'].get('drawnPairs', '-')} of {row['rest_picture'].get('bulkPairs', '-')} bulk pairs,"
            f" {row['rest_picture'].get('drawnNodes', '-')} nodes;"
            f" main-thread CPU: load {row['load_cpu_ms']:.0f}, pan and zoom {row['pan_cpu_ms']:.0f}"
        )
        assert row["drawn_nodes"] == row["nodes"] and row["drawn_links"] == row["edges"]


if __name__ == "__main__":
    main()
