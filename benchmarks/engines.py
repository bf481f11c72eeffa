"""Which ArcadeDB build the embedded store should run on: start, load and query, side by side.

Three PyPI packages carry ArcadeDB in-process: ``arcadedb`` (the GraalVM native
image, no JVM), ``arcadedb-jvm`` (the Java engine through JPype, bundled JRE) and
the older ``arcadedb-embedded``. ``arcadedb`` and ``arcadedb-jvm`` install the
same module, so each build lives in its own virtual environment: pass each
environment's interpreter with ``--python`` and this script runs itself in each,
one after the other, in one run (read the ratios; the machine is shared).

Each child measures, over Bolt with the official driver as statecrime does:
- start: process start to the first answer of ``RETURN 1`` (server with Bolt on
  127.0.0.1, database created, driver connected);
- load: N entities and 2.75 N links written in one transaction with
  ``UNWIND ... CREATE`` (entities) and ``UNWIND ... MATCH ... CREATE`` (links),
  in batches of 5,000, so entities/s and links/s;
- query: a typed 2-hop pattern from an entity found through the id index,
  median and p95 over 200 random starts, warm.

    python benchmarks/engines.py --entities 20000 \\
        --python .venv/bin/python --python /tmp/jvm/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time

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
    try:
        import arcadedb

        build = f"arcadedb {arcadedb.__version__} ({arcadedb.__backend__})"
        from arcadedb import ArcadeDBServer
    except ImportError:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--python", action="append", default=[], help="an interpreter with one build")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.entities)))
        os._exit(0)  # a JVM build may crash in its exit hook after the work is done
    results = []
    for python in args.python or [sys.executable]:
        out = subprocess.run(
            [python, __file__, "--child", "--entities", str(args.entities)],
            capture_output=True, text=True, check=False,
        )
        line = out.stdout.strip().splitlines()[-1:] or ["{}"]
        try:
            results.append(json.loads(line[0]))
        except json.JSONDecodeError:
            print(f"{python}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
    base = results[0] if results else {}
    print(f"{args.entities} entities, {int(args.entities * 2.75)} links, one transaction")
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


if __name__ == "__main__":
    main()
