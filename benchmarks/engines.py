"""Which ArcadeDB build the embedded store should run on, and how long a command takes.

Two measurements, each printing its figures side by side from one run (read the
ratios: the machine is shared, and the load average is printed beside them).

**Builds** (the default): ArcadeDB in-process from ``arcadedb`` (the GraalVM
native image, no JVM: statecrime's default), ``arcadedb-embedded`` (the JVM
build through JPype, ``statecrime[jvm]``) or ``arcadedb-jvm`` (which installs
the same ``arcadedb`` module as the native build, so it needs its own virtual
environment: pass its interpreter with ``--python``). Each build runs in a
child process of its own, which measures over Bolt with the official driver as
statecrime does:

- start: process start to the first answer of ``RETURN 1`` (server with Bolt on
  127.0.0.1, database created, driver connected);
- load: N entities and 2.75 N links written in one transaction with
  ``UNWIND ... CREATE`` (entities) and ``UNWIND ... MATCH ... CREATE`` (links),
  in batches of 5,000, so entities/s and links/s;
- query: a typed 2-hop pattern from an entity found through the id index,
  median and p95 over 200 random starts, warm.

    python benchmarks/engines.py --entities 20000 --build native --build jvm
    python benchmarks/engines.py --python /tmp/arcadedb-jvm/bin/python

**Commands** (``--commands``): whole ``statecrime`` processes, start to exit,
as an analyst runs them: ``stats``, ``chains --state ru`` and ``show evil-corp``
on the curated store, each ``--runs`` times, the variants taking turns (A, B,
A, B...), so that each pair saw the same load. A variant is ``LABEL=COMMAND``,
where COMMAND is a ``statecrime`` executable, optionally after ``NAME=VALUE``
environment settings; each variant loads ``data/curated`` into a fresh store
of its own first. Printed: the median, lowest and highest wall time, the
median CPU time (user + system, which the load inflates far less) and the
ratio of medians to the first variant.

    python benchmarks/engines.py --commands --runs 7 \\
        --variant "before=/tmp/before/.venv/bin/statecrime" \\
        --variant "after, JVM build=STATECRIME_ARCADEDB_BUILD=jvm .venv/bin/statecrime" \\
        --variant "after, native build=.venv/bin/statecrime"
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server(store: str, private: str, password: str, bolt: int):  # type: ignore[no-untyped-def]
    os.environ.setdefault("ARCADEDB_LOG_CONSOLE", "0")
    config = {
        "host": "127.0.0.1",
        "http_port": _free_port(),
        "bolt_port": bolt,
        "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "server_databaseDirectory": store,
    }
    os.environ.setdefault("ARCADEDB_LOG_DIR", os.path.join(private, "log"))
    if os.environ.get("BENCH_BUILD") != "jvm":
        import arcadedb
        from arcadedb import ArcadeDBServer

        build = f"arcadedb {arcadedb.__version__} ({arcadedb.__backend__})"
    else:
        import arcadedb_embedded
        from arcadedb_embedded.server import ArcadeDBServer

        build = f"arcadedb-embedded {getattr(arcadedb_embedded, '__version__', '?')} (jvm)"
    server = ArcadeDBServer(root_path=private, root_password=password, config=config)
    server.start()
    server.create_database("bench")
    return server, build


def child(entities: int) -> dict[str, object]:
    from neo4j import GraphDatabase

    store, private = tempfile.mkdtemp(), tempfile.mkdtemp()
    password, bolt = secrets.token_urlsafe(16), _free_port()
    server, build = _server(store, private, password, bolt)
    driver = GraphDatabase.driver(f"bolt://127.0.0.1:{bolt}", auth=("root", password))
    with driver.session(database="bench") as session:
        session.run("RETURN 1 AS one").single()
        started = time.perf_counter() - START
        session.run("CREATE CONSTRAINT eid IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE").consume()
    rng = random.Random(7)
    ids = [f"e{i}" for i in range(entities)]
    links = [(rng.choice(ids), rng.choice(("TASKS", "MEMBER_OF", "PART_OF")), rng.choice(ids))
             for _ in range(int(entities * 2.75))]
    by_type: dict[str, list[dict[str, str]]] = {}
    for source, kind, target in links:
        by_type.setdefault(kind, []).append({"s": source, "t": target, "g": "B2"})
    with driver.session(database="bench") as session:
        tx = session.begin_transaction()
        t0 = time.perf_counter()
        for start in range(0, entities, 5000):
            rows = [{"id": i, "name": i.upper()} for i in ids[start : start + 5000]]
            tx.run("UNWIND $rows AS row CREATE (n:Entity:Person) SET n = row", rows=rows).consume()
        t1 = time.perf_counter()
        for kind, rows in by_type.items():
            for start in range(0, len(rows), 5000):
                tx.run(
                    "UNWIND $rows AS row MATCH (a:Entity {id: row.s}) MATCH (b:Entity {id: row.t}) "
                    f"CREATE (a)-[r:{kind}]->(b) SET r.grading = row.g",
                    rows=rows[start : start + 5000],
                ).consume()
        t2 = time.perf_counter()
        tx.commit()
        t3 = time.perf_counter()
    timings = []
    with driver.session(database="bench") as session:
        for _ in range(200):
            q0 = time.perf_counter()
            session.run(
                "MATCH (s:Entity {id: $id})-[:TASKS|MEMBER_OF]->()-[:TASKS|PART_OF]->(x) RETURN count(x) AS c",
                id=rng.choice(ids),
            ).single()
            timings.append((time.perf_counter() - q0) * 1000)
    driver.close()
    server.stop()
    timings.sort()
    return {
        "build": build,
        "start_s": round(started, 3),
        "entities_per_s": round(entities / (t1 - t0)),
        "links_per_s": round(len(links) / (t2 - t1)),
        "commit_s": round(t3 - t2, 2),
        "query_median_ms": round(statistics.median(timings), 2),
        "query_p95_ms": round(timings[int(len(timings) * 0.95)], 2),
    }


def _builds(args: argparse.Namespace) -> None:
    runs = [(python, None) for python in args.python]
    runs += [(sys.executable, build) for build in args.build]
    results = []
    for python, build in runs or [(sys.executable, "native")]:
        env = {**os.environ, **({"BENCH_BUILD": build} if build else {})}
        out = subprocess.run(
            [python, __file__, "--child", "--entities", str(args.entities)],
            capture_output=True, text=True, check=False, env=env,
        )
        line = out.stdout.strip().splitlines()[-1:] or ["{}"]
        try:
            results.append(json.loads(line[0]))
        except json.JSONDecodeError:
            print(f"{python} {build or ''}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
    base = results[0] if results else {}
    print(f"{args.entities} entities, {int(args.entities * 2.75)} links, one transaction; "
          f"load average {_load()}")
    for r in results:
        print(
            f"{r['build']:<36} start {r['start_s']:.2f} s | load {r['entities_per_s']:,} entities/s, "
            f"{r['links_per_s']:,} links/s, commit {r['commit_s']} s | 2-hop query median "
            f"{r['query_median_ms']} ms, p95 {r['query_p95_ms']} ms"
        )
        if r is not base:
            print(
                f"{'':<36} vs {base['build']}: start x{r['start_s'] / base['start_s']:.1f}, "
                f"links/s x{r['links_per_s'] / base['links_per_s']:.2f}, "
                f"query x{r['query_median_ms'] / base['query_median_ms']:.2f}"
            )


COMMANDS = {
    "stats": ["stats"],
    "chains --state ru": ["chains", "--state", "ru"],
    "show evil-corp": ["show", "evil-corp"],
}
CURATED = Path(__file__).resolve().parent.parent / "data" / "curated"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _variant(spec: str) -> tuple[str, dict[str, str], list[str]]:
    """``LABEL=[NAME=VALUE ...] EXECUTABLE [ARGS]`` as (label, environment, command)."""
    label, _, command = spec.partition("=")
    words = shlex.split(command)
    env: dict[str, str] = {}
    while words and "=" in words[0] and not words[0].startswith(("/", ".")):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if not label or not words:
        raise SystemExit(f"--variant takes LABEL=[NAME=VALUE ...] EXECUTABLE, not {spec!r}")
    return label, env, words


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _commands(args: argparse.Namespace) -> None:
    variants = [_variant(spec) for spec in args.variant]
    if not variants:
        raise SystemExit("--commands needs at least one --variant LABEL=EXECUTABLE")
    base = Path(tempfile.mkdtemp(prefix="statecrime-bench-commands-"))
    stores = {}
    for label, env, command in variants:
        stores[label] = base / f"store-{len(stores)}"
        _timed([*command, "--store", str(stores[label]), "load", str(CURATED)], env)
    width = max(len(label) for label, _, _ in variants)
    print(f"curated store, whole processes, {args.runs} runs each, variants taking turns")
    for name, words in COMMANDS.items():
        walls: dict[str, list[float]] = {label: [] for label, _, _ in variants}
        cpus: dict[str, list[float]] = {label: [] for label, _, _ in variants}
        load_before = _load()
        for _ in range(args.runs):
            for label, env, command in variants:
                wall, cpu = _timed([*command, "--store", str(stores[label]), *words], env)
                walls[label].append(wall)
                cpus[label].append(cpu)
        print(f"\n{name}  (load average {load_before} before, {_load()} after)")
        first = statistics.median(walls[variants[0][0]])
        for label, _, _ in variants:
            median = statistics.median(walls[label])
            print(
                f"  {label:<{width}}  median {median:5.2f} s  (min {min(walls[label]):.2f}, "
                f"max {max(walls[label]):.2f})  CPU {statistics.median(cpus[label]):.2f} s"
                + ("" if label == variants[0][0] else f"  x{first / median:.1f} faster")
            )
    import shutil

    shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--python", action="append", default=[], help="an interpreter with one build")
    parser.add_argument(
        "--build", action="append", default=[], choices=("native", "jvm"),
        help="a build installed beside this interpreter (repeat for both)",
    )
    parser.add_argument("--commands", action="store_true", help="time whole statecrime commands")
    parser.add_argument("--variant", action="append", default=[], help="LABEL=[ENV=V ...] EXE")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.entities)))
        os._exit(0)  # an engine may crash in its exit hook after the work is done
    if args.commands:
        _commands(args)
    else:
        _builds(args)


if __name__ == "__main__":
    main()
