"""How long the HTML view takes to write and to settle in Chromium, by graph size.

Why: the view must stay usable on a real store (the target is 2,000 entities
and 5,000 links). The graphs here are SYNTHETIC, built in memory from a seeded
random generator (names "synthetic-N", kinds and relation types drawn from the
domain); they say nothing about the world. For each size the script prints:
seconds to write the HTML, its size, seconds from navigation start to the
page's stabilisation-done event (read from ``window.statecrime``), and the
layout's share of that (from network creation).

    python benchmarks/bench_view.py [--sizes 200,1000,2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
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
    weights = [1.0 / (1 + i) ** 0.6 for i in range(nodes)]
    made = 0
    while made < edges:
        u, v = rng.choices(ids, weights=weights, k=1)[0], rng.choice(ids)
        if u == v:
            continue
        ku, kv = graph.nodes[u]["kind"], graph.nodes[v]["kind"]
        allowed = [r for r, rel in domain.RELATIONS.items() if rel.allows(ku, kv)]
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


def measure(sizes: list[int], keep: Path | None) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    rows = []
    workdir = keep or Path(tempfile.mkdtemp(prefix="statecrime-bench-"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        for size in sizes:
            graph = synthetic_graph(size, int(size * EDGES_PER_NODE))
            start = time.perf_counter()
            path = render_html(graph, workdir / f"view-{size}.html", title=f"synthetic {size}")
            write_s = time.perf_counter() - start
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_offline(True)
            page = context.new_page()
            page.goto(path.as_uri())
            page.wait_for_function(
                "() => window.statecrime && window.statecrime.stabilised", timeout=300_000
            )
            at, layout, drawn, iterations = page.evaluate(
                "() => [statecrime.stabilisedAtMs, statecrime.stabiliseMs,"
                " statecrime.network.body.edgeIndices.length, statecrime.iterations]"
            )
            context.close()
            rows.append(
                {
                    "nodes": size,
                    "edges": graph.number_of_edges(),
                    "drawn": drawn,
                    "write_s": write_s,
                    "mb": path.stat().st_size / 1e6,
                    "stable_s": at / 1000,
                    "layout_s": layout / 1000,
                    "iterations": iterations,
                }
            )
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,2000")
    parser.add_argument("--keep", type=Path, default=None, help="keep the HTML files here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = measure(sizes, args.keep)
    print("SYNTHETIC graphs (seeded, in memory); Chromium headless, offline")
    header = f"{'nodes':>6} {'edges':>6} {'write s':>8} {'HTML MB':>8} {'stable s':>9}"
    print(header + f" {'layout s':>9} {'iters':>6}")
    for row in rows:
        print(
            f"{row['nodes']:>6} {row['edges']:>6} {row['write_s']:>8.2f} {row['mb']:>8.2f}"
            f" {row['stable_s']:>9.2f} {row['layout_s']:>9.2f} {row['iterations']:>6.0f}"
        )


if __name__ == "__main__":
    main()
