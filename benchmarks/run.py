"""statecrime's speed on synthetic records (NOT REAL DATA), with networkx beside it.

For each size (10k, 100k, 1M entities; ``--quick``: 10k alone) this writes the
records with ``benchmarks/generate.py``, then in one run, on the same records:

- parse and validate (records/s); load into a fresh embedded store (entities/s,
  links/s, process-wide wall time) and reload the same file (s);
- chains from many states at 4 and 6 hops through the API, warm (median and p95
  ms), checked identical to a networkx DFS with the same rules;
- the shortest-path query between random people, ``around`` 2 hops from random
  people that are not hubs (median ms);
- command latency: ``statecrime stats`` and ``statecrime chains --state X`` as
  whole processes (median s);
- peak resident memory of this process and of the slowest child (MB);

and beside each, networkx doing the same on the same records, with the ratio.

    .venv/bin/python benchmarks/run.py --quick
    .venv/bin/python benchmarks/run.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

from statecrime.graph import domain
from statecrime.graph.connect import open_store
from statecrime.loaders.load import read_paths
from statecrime.loaders.validate import build_batch
from statecrime.queries.around import find_around
from statecrime.queries.chains import END_TYPES, find_chains

STATECRIME = str(Path(sys.executable).with_name("statecrime"))
BEGAN = time.perf_counter()
"""When this run began, near enough (after the imports above, which :func:`print_parts` counts
among the rest in CPU time)."""


PARTS: dict[str, list[float]] = {}
"""Where the benchmark's own time went: wall and CPU seconds by part (see :func:`part`)."""
_OPEN: list[list[float]] = []


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def part(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Count the wall and CPU time of the decorated function under ``name``, less what the
    parts it calls count under their own names."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def counted(*args: Any, **kwargs: Any) -> Any:
            inner = [0.0, 0.0]
            _OPEN.append(inner)
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, _cpu() - cpu
                _OPEN.pop()
                if _OPEN:
                    _OPEN[-1][0] += wall
                    _OPEN[-1][1] += cpu
                total = PARTS.setdefault(name, [0.0, 0.0])
                total[0] += wall - inner[0]
                total[1] += cpu - inner[1]

        return counted

    return wrap


def print_parts(wall: float) -> None:
    """The benchmark's wall and CPU time by part, and the rest (generating, parsing, imports)."""
    cpu = _cpu()
    print(f"\nthis run: {wall:.1f} s wall, {cpu:.1f} s CPU (this process and its children), by part:")
    for name, (w, c) in PARTS.items():
        print(f"  {name:<46} {w:6.1f} s wall {c:6.1f} s CPU")
    print(f"  {'the rest (generate, parse and validate, imports)':<46} "
          f"{wall - sum(w for w, _ in PARTS.values()):6.1f} s wall "
          f"{cpu - sum(c for _, c in PARTS.values()):6.1f} s CPU")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return 1000 * statistics.median(ordered), 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def line(what: str, ours: str, theirs: str = "", ratio: str = "") -> None:
    print(f"  {what:<34} {ours:<26} {theirs:<26} {ratio}")


# --- networkx: the same questions on the same records ---------------------------------


@part("networkx: read the records")
def nx_graph(path: Path) -> nx.MultiDiGraph:
    import orjson

    graph = nx.MultiDiGraph()
    with path.open("rb") as handle:
        for raw in handle:
            record = orjson.loads(raw)
            if "type" in record and "target" in record:
                graph.add_edge(record["source"], record["target"], key=record["type"], grading=record["grading"])
            elif record.get("kind") != "Source":
                graph.add_node(record["id"], kind=record["kind"])
    return graph


def nx_chains(graph: nx.MultiDiGraph, start: str, max_hops: int) -> set[str]:
    """The chain keys under find_chains' rules (crossings, stages, maximal, simple), by DFS."""
    forward, backward = set(domain.FORWARD_TYPES), set(domain.BACKWARD_TYPES)
    act, end, tasking = set(domain.ACT_TYPES), set(END_TYPES), set(domain.TASKING_TYPES)
    found: set[str] = set()

    def steps(node: str, last: str | None, seen: set[str]) -> Iterator[tuple[str, str]]:
        if last in end:
            return
        for _, other, kind in graph.out_edges(node, keys=True):
            if kind in forward and other not in seen and (last not in act or kind in act):
                yield kind, other
        for other, _, kind in graph.in_edges(node, keys=True):
            if kind in backward and other not in seen and (last not in act or kind in act):
                yield kind, other

    def walk(path: list[str], kinds: list[str], seen: set[str]) -> None:
        nexts = list(steps(path[-1], kinds[-1] if kinds else None, seen)) if len(kinds) < max_hops else []
        if not nexts:
            if kinds and any(k in tasking or k in act for k in kinds):
                found.add(" ".join(x for pair in zip(path, [*kinds, ""], strict=True) for x in pair).strip())
            return
        for kind, other in nexts:
            seen.add(other)
            walk([*path, other], [*kinds, kind], seen)
            seen.discard(other)

    walk([start], [], {start})
    return found


# --- one size --------------------------------------------------------------------------


@part("commands (whole processes)")
def command_latency(store: Path, args: list[str], runs: int = 3) -> float:
    env = {**os.environ, "STATECRIME_STORE": str(store)}
    times = []
    for _ in range(runs):
        took, _ = timed(lambda: subprocess.run([STATECRIME, *args], env=env, capture_output=True, check=True))
        times.append(took)
    return statistics.median(times)


@part("load and reload (whole processes)")
def timed_load(store_dir: Path, records: Path, phases: Path) -> tuple[float, list[dict[str, Any]], float, float]:
    """``statecrime load`` as a whole process: wall s, its timed phases, peak RSS (MB), CPU s."""
    env = {**os.environ, "STATECRIME_STORE": str(store_dir), "STATECRIME_LOAD_PHASES": str(phases)}
    phases.unlink(missing_ok=True)
    load_cmd = ["/usr/bin/time", "-f", "%M %U %S", STATECRIME, "-f", "json", "load", str(records)]
    took, out = timed(lambda: subprocess.run(load_cmd, env=env, capture_output=True, text=True, check=True))
    rss_kb, user, system = out.stderr.strip().splitlines()[-1].split()
    rows = [json.loads(text) for text in phases.read_text().splitlines()] if phases.exists() else []
    return took, rows, int(rss_kb) / 1024, float(user) + float(system)


def print_phases(rows: list[dict[str, Any]]) -> None:
    """Each phase of a load with its rate: links/s of the link-writing phase is the target's."""
    for row in rows:
        count, seconds, cpu = row.get("count"), row["seconds"], row["cpu"]
        rate = f", {count / seconds:,.0f} /s (per cpu s {count / cpu:,.0f})" if count and seconds and cpu else ""
        shown = f"{count:,}" if count is not None else ""
        line(f"  phase: {row['phase']}", f"{seconds:.1f} s, cpu {cpu:.1f} s", f"{shown}{rate}")


def bench(size: int, workdir: Path, samples: int, before: bool = False, load_only: bool = False) -> None:
    rng = random.Random(11)
    records = workdir / f"synthetic-{size}.jsonl"
    generate.write(size, records)
    print(f"\n{size:,} entities ({records.name}, synthetic)        statecrime                 networkx                   ratio")
    print(f"  load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} CPUs")

    took_parse, batch = timed(lambda: build_batch(read_paths([records]), lambda ids: {}))
    batch, _ = batch
    n_entities, n_links = len(batch.entities), len(batch.links)
    rate = (n_entities + n_links) / took_parse
    line("parse and validate", f"{rate:,.0f} records/s")

    store_dir = workdir / f"store-{size}"
    took_load, load_phases, load_rss, load_cpu = timed_load(store_dir, records, workdir / f"phases-{size}.jsonl")
    took_nx, graph = timed(lambda: nx_graph(records))
    line("load (process, s)", f"{took_load:.1f} s (cpu {load_cpu:.1f} s)", f"{took_nx:.1f} s", f"x{took_load / took_nx:.0f}")
    line("load entities/s, links/s", f"{n_entities / took_load:,.0f} /s, {n_links / took_load:,.0f} /s",
         f"{n_links / took_nx:,.0f} links/s")
    print_phases(load_phases)
    line("load peak RSS", f"{load_rss:,.0f} MB")
    took_reload, reload_phases, reload_rss, reload_cpu = timed_load(
        store_dir, records, workdir / f"phases-{size}-reload.jsonl")
    line("reload (process, s)", f"{took_reload:.1f} s (cpu {reload_cpu:.1f} s)", "",
         f"x{took_reload / took_load:.2f} of the load")
    print_phases(reload_phases)
    line("reload peak RSS", f"{reload_rss:,.0f} MB")
    if load_only:
        return

    query_figures(store_dir, graph, took_nx, samples, rng, before)


# --- the questions: chains, paths, around, commands (figures with the load average) ----


BEFORE_TIMEOUT = 120.0
"""Seconds the one-statement search may take per state (--before); a cut run counts as this."""


def figure(what: str, ours: str, theirs: str = "", ratio: str = "") -> None:
    """One line of figures, with the 1-minute load average beside it (2 shared cores)."""
    line(what, ours, theirs, f"{ratio}  (load {os.getloadavg()[0]:.1f})".strip())


def pairs_apart(graph: nx.Graph, starts: list[str], hops: int, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Up to ``n`` pairs (a, b) exactly ``hops`` apart in ``graph``, a drawn from ``starts``."""
    pairs: list[tuple[str, str]] = []
    for _ in range(n * 20):
        a = rng.choice(starts)
        far = [b for b, d in nx.single_source_shortest_path_length(graph, a, cutoff=hops).items() if d == hops]
        if far:
            pairs.append((a, rng.choice(sorted(far))))
        if len(pairs) == n:
            break
    return pairs


@part("queries through the API, networkx beside")
def query_figures(
    store_dir: Path, graph: nx.MultiDiGraph, took_nx_load: float, samples: int, rng: random.Random, before: bool
) -> None:
    """Chains, shortest path, around and command latency on a loaded store, networkx beside."""
    from statecrime.queries.chains import find_chains_by_cypher
    from statecrime.queries.paths import SHORTEST_TEXTS, find_paths, find_paths_by_cypher
    from statecrime.queries.paths_shortest import shortest_paths

    states = sorted(n for n, kind in graph.nodes(data="kind") if kind == "State")
    crossed = nx.Graph()
    crossed.add_nodes_from(graph)
    crossed.add_edges_from((u, v) for u, v, k in graph.edges(keys=True) if k not in domain.CONTEXT_TYPES)
    people = sorted(n for n, kind in graph.nodes(data="kind") if kind == "Person" and graph.degree(n) <= 4)
    nx_ask = 0.0
    with open_store(store_dir) as store:
        find_chains(store, state=states[0], max_hops=4)  # the first query pays the driver's warm-up
        for hops in (4, 6):
            ours, theirs, same = [], [], True
            starts = (states * samples)[: max(len(states), samples)]
            for state in starts:
                took, chains = timed(lambda s=state, h=hops: find_chains(store, state=s, max_hops=h))
                ours.append(took)
                took, expected = timed(lambda s=state, h=hops: nx_chains(graph, s, h))
                theirs.append(took)
                if hops == 4 and state == states[0] and not nx_ask:
                    nx_ask = took
                same = same and {c.key for c in chains} == expected
            (om, op), (tm, tp) = ms(ours), ms(theirs)
            figure(f"chains {hops} hops median / p95", f"{om:.1f} / {op:.0f} ms", f"{tm:.1f} / {tp:.1f} ms",
                   f"x{om / tm:.1f} / x{op / tp:.1f}  {'identical' if same else 'DIFFERENT'}")
            if before:
                old, same_old, cut = [], True, 0
                store.read_timeout = BEFORE_TIMEOUT
                for state in states:
                    try:
                        took, chains = timed(lambda s=state, h=hops: find_chains_by_cypher(store, state=s, max_hops=h))
                        same_old = same_old and {c.key for c in chains} == nx_chains(graph, state, hops)
                    except Exception:  # the store's timeout: counted as the timeout, a lower bound
                        took, cut = BEFORE_TIMEOUT, cut + 1
                    old.append(took)
                store.read_timeout = None
                (bm, bp) = ms(old)
                figure(f"  before: chains.cypher, {len(states)} states", f"{bm:.0f} / {bp:.0f} ms",
                       f"now x{bm / om:.1f} / x{bp / op:.1f} faster",
                       f"x{bm / tm:.0f} nx  {'identical' if same_old else 'DIFFERENT'}"
                       + (f", {cut} cut at {BEFORE_TIMEOUT:.0f} s" if cut else ""))
        pairs = pairs_apart(crossed, people, 8, samples, rng)
        shortest, nx_short, same = [], [], True
        for a, b in pairs:
            took, rows = timed(lambda a=a, b=b: shortest_paths(store, a, b, through_context=False))
            shortest.append(took)
            nx_short.append(timed(lambda a=a, b=b: nx.shortest_path(crossed, a, b))[0])
            same = same and bool(rows) and all(len(r["hops"]) == 8 for r in rows)
        if pairs:
            (sm, sp), (nm, _) = ms(shortest), ms(nx_short)
            figure(f"shortest path, 8 hops apart ({len(pairs)})", f"{sm:.1f} / {sp:.0f} ms", f"{nm:.1f} ms",
                   f"x{sm / nm:.0f}  {'8 hops' if same else 'WRONG LENGTH'}")
            if before:
                old = [timed(lambda a=a, b=b: store.read(SHORTEST_TEXTS[False], fromId=a, toId=b))[0]
                       for a, b in pairs]
                (bm, bp) = ms(old)
                figure("  before: allShortestPaths, typed", f"{bm:.1f} / {bp:.0f} ms", f"now x{bm / sm:.1f} faster")
        else:
            figure("shortest path, 8 hops apart", "no pair found")
        around, nx_around = [], []
        for _ in range(samples):
            center = rng.choice(people)
            around.append(timed(lambda c=center: find_around(store, c, 2))[0])
            nx_around.append(timed(lambda c=center: nx.ego_graph(crossed, c, radius=2))[0])
        (am, ap), (nam, _) = ms(around), ms(nx_around)
        figure("around 2 hops median / p95", f"{am:.1f} / {ap:.0f} ms", f"{nam:.1f} ms", f"x{am / nam:.0f}")
        groups = sorted(n for n, kind in graph.nodes(data="kind") if kind in domain.GROUPS)
        ends = [(rng.choice(states), rng.choice(groups)) for _ in range(max(4, samples // 4))]
        between, counts = [], []
        for a, b in ends:
            took, found = timed(lambda a=a, b=b: find_paths(store, a, b, max_hops=4))
            between.append(took)
            counts.append(len(found.paths))
        (pm, pp) = ms(between)
        figure(f"paths state-group, 4 hops ({len(ends)})", f"{pm:.0f} / {pp:.0f} ms",
               f"{min(counts)}-{max(counts)} paths")
        if before:
            old, same, cut = [], True, 0
            store.read_timeout = BEFORE_TIMEOUT
            for (a, b), took_now in zip(ends, between, strict=True):
                try:
                    took, paths = timed(lambda a=a, b=b: find_paths_by_cypher(store, a, b, max_hops=4))
                    now = find_paths(store, a, b, max_hops=4).paths
                    same = same and [p.key for p in paths] == [p.key for p in now]
                except Exception:  # the store's timeout: counted as the timeout, a lower bound
                    took, cut = BEFORE_TIMEOUT, cut + 1
                old.append(took / took_now)
            store.read_timeout = None
            figure("  before: paths_all.cypher", f"now x{statistics.median(old):.0f} faster (median)",
                   "identical" if same else "DIFFERENT", f"{cut} cut at {BEFORE_TIMEOUT:.0f} s" if cut else "")
    runs = 1 if samples < 20 else 3
    stats = command_latency(store_dir, ["stats"], runs)
    chains_cmd = command_latency(store_dir, ["chains", "--state", states[0]], runs)
    figure("command: stats (process)", f"{stats:.2f} s")
    figure("command: chains --state (process)", f"{chains_cmd:.2f} s",
           f"{took_nx_load + nx_ask:.1f} s (load + ask)", f"x{chains_cmd / (took_nx_load + nx_ask):.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figure("peak RSS of this process", f"{peak:,.0f} MB")


def bench_stored(size: int, workdir: Path, samples: int, before: bool) -> None:
    """The query figures on a store loaded before (``--stores DIR``: DIR/store-N, DIR/synthetic-N.jsonl)."""
    records = workdir / f"synthetic-{size}.jsonl"
    store_dir = workdir / f"store-{size}"
    if not records.exists():
        generate.write(size, records)
    if not store_dir.exists():
        env = {**os.environ, "STATECRIME_STORE": str(store_dir)}
        subprocess.run([STATECRIME, "load", str(records)], env=env, capture_output=True, check=True)
    print(f"\n{size:,} entities ({records.name}, synthetic, store loaded before)  statecrime"
          "                 networkx                   ratio")
    took_nx, graph = timed(lambda: nx_graph(records))
    figure("networkx: read the records", f"{took_nx:.1f} s")
    query_figures(store_dir, graph, took_nx, samples, random.Random(11), before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k entities alone, in about a minute")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=None, help="starts per query figure (20; --quick 12)")
    parser.add_argument("--before", action="store_true",
                        help="also time the searches as they were (chains.cypher in one statement, the untyped "
                        "shortest path), side by side")
    parser.add_argument("--stores", type=Path, default=None,
                        help="reuse DIR/store-N (loaded once, kept): query figures only, no load figures")
    parser.add_argument("--load-only", action="store_true", help="parse, load and reload; no queries")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else args.sizes
    samples = args.samples or (12 if args.quick else 20)
    print(f"statecrime benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, "
          f"python {sys.version.split()[0]}")
    if args.stores is not None:
        args.stores.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            bench_stored(size, args.stores, samples, args.before)
        print_parts(time.perf_counter() - BEGAN)
        return
    with tempfile.TemporaryDirectory(prefix="statecrime-bench-") as tmp:
        for size in sizes:
            bench(size, Path(tmp), samples, args.before, args.load_only)
    print_parts(time.perf_counter() - BEGAN)


if __name__ == "__main__":
    main()
