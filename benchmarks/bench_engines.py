"""Load the same synthetic graph (NOT REAL DATA) into the embedded store and Neo4j; time both.

    eval "$(bash scripts/neo4j-local.sh start)"
    .venv/bin/python benchmarks/bench_engines.py [ENTITIES]

Prints, side by side, the seconds each engine takes to load ENTITIES entities
(default 10,000) with ``statecrime load`` (in-process, store opening included)
and to answer a few commands on them. The Neo4j database at NEO4J_URI is
emptied first: point it only at a disposable one.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from statecrime.cli import app
from statecrime.graph.connect import open_store
from tests.support.neo4j import wipe_neo4j
from tests.support.synthetic import synthetic_records

COMMANDS = [
    ["stats"],
    ["show", "synthetic-group-7"],
    ["chains", "--state", "synthetic-state-1", "--max-hops", "3"],
    ["taskings", "--state", "synthetic-state-2"],
    ["export", "--to", "json", "--output", os.devnull],
]


def timed(store: str, args: list[str]) -> float:
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["--store", store, "-f", "json", *args])
    if result.exit_code:
        raise SystemExit(f"{args} failed on {store}: {result.output}")
    return time.perf_counter() - start


def main() -> None:
    entities = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        raise SystemExit("set NEO4J_URI etc.: eval \"$(bash scripts/neo4j-local.sh start)\"")
    folder = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    records = folder / "synthetic.json"
    doc = synthetic_records(entities)
    records.write_text(json.dumps(doc), encoding="utf-8")
    with open_store(uri) as neo4j:
        wipe_neo4j(neo4j)
    embedded = str(folder / "store")
    timed(embedded, ["stats"])  # start the Java runtime of the embedded store first
    print(f"{entities} entities, {len(doc['links'])} links (synthetic)")
    print(f"{'step':<50} {'embedded s':>11} {'neo4j s':>9} {'ratio':>7}")
    for args in [["load", str(records)], *COMMANDS]:
        a, b = timed(embedded, args), timed(uri, args)
        label = " ".join(args).replace(str(records), "synthetic.json").replace(os.devnull, "-")
        print(f"{label[:50]:<50} {a:>11.2f} {b:>9.2f} {a / b:>7.2f}")


if __name__ == "__main__":
    main()
