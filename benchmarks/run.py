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
from statecrime.queries.files import query

STATECRIME = str(Path(sys.executable).with_name("statecrime"))


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


def command_latency(store: Path, args: list[str], runs: int = 3) -> float:
    env = {**os.environ, "STATECRIME_STORE": str(store)}
    times = []
    for _ in range(runs):
        took, _ = timed(lambda: subprocess.run([STATECRIME, *args], env=env, capture_output=True, check=True))
        times.append(took)
    return statistics.median(times)


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


def bench(size: int, workdir: Path, samples: int, load_only: bool = False) -> None:
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

    states = [n for n, kind in graph.nodes(data="kind") if kind == "State"]
    people = [n for n, kind in graph.nodes(data="kind") if kind == "Person" and graph.degree(n) <= 4]
    undirected = nx.MultiGraph(graph)
    crossed = nx.MultiGraph()
    crossed.add_nodes_from(graph)
    crossed.add_edges_from(
        (u, v, k) for u, v, k in graph.edges(keys=True) if k not in domain.CONTEXT_TYPES
    )
    with open_store(store_dir) as store:
        for hops in (4, 6):
            ours, theirs, same = [], [], True
            for state in (states * samples)[: max(len(states), samples)]:
                took, chains = timed(lambda s=state, h=hops: find_chains(store, state=s, max_hops=h))
                ours.append(took)
                took, expected = timed(lambda s=state, h=hops: nx_chains(graph, s, h))
                theirs.append(took)
                same = same and {c.key for c in chains} == expected
            (om, op), (tm, tp) = ms(ours), ms(theirs)
            line(f"chains {hops} hops median / p95", f"{om:.0f} / {op:.0f} ms", f"{tm:.1f} / {tp:.1f} ms",
                 f"x{om / tm:.0f}  {'identical' if same else 'DIFFERENT'}")
        shortest, nx_short, around, nx_around = [], [], [], []
        text = query("paths_shortest")
        for _ in range(samples):
            a, b = rng.sample(people, 2)
            shortest.append(timed(lambda a=a, b=b: store.read(text, fromId=a, toId=b))[0])
            nx_short.append(timed(lambda a=a, b=b: nx.has_path(undirected, a, b) and nx.shortest_path(undirected, a, b))[0])
            center = rng.choice(people)
            around.append(timed(lambda c=center: find_around(store, c, 2))[0])
            nx_around.append(timed(lambda c=center: nx.ego_graph(crossed, c, radius=2))[0])
        (sm, _), (nm, _) = ms(shortest), ms(nx_short)
        line("shortest path median", f"{sm:.0f} ms", f"{nm:.1f} ms", f"x{sm / nm:.0f}")
        (am, _), (nam, _) = ms(around), ms(nx_around)
        line("around 2 hops median", f"{am:.0f} ms", f"{nam:.1f} ms", f"x{am / nam:.0f}")
    stats = command_latency(store_dir, ["stats"])
    chains_cmd = command_latency(store_dir, ["chains", "--state", states[0]])
    line("command: stats (process)", f"{stats:.2f} s")
    line("command: chains --state (process)", f"{chains_cmd:.2f} s", f"{took_nx:.1f} s (load + ask)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line("peak RSS of this process", f"{peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k entities alone, in about a minute")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=20, help="starts per query figure")
    parser.add_argument("--load-only", action="store_true", help="parse, load and reload; no queries")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else args.sizes
    print(f"statecrime benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, "
          f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="statecrime-bench-") as tmp:
        for size in sizes:
            bench(size, Path(tmp), args.samples, args.load_only)


if __name__ == "__main__":
    main()
