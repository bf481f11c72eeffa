"""How fast records load into the embedded store, and how fast a reload finds nothing to do.

Run by hand: ``.venv/bin/python benchmarks/bench_load.py [--sizes 1000 5000 20000]``.
Each size loads a synthetic document (benchmarks/synthetic.py: invented records)
into a fresh embedded store, then loads it again (idempotent: nothing written),
and prints seconds, records per second and the reload/first-load ratio side by
side. Timings are wall-clock on this machine; run twice to see the spread.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_document

from statecrime.graph.connect import open_store
from statecrime.loaders.load import load_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            doc = synthetic_document(size)
            path = Path(tmp) / f"synthetic-{size}.json"
            path.write_text(json.dumps(doc), encoding="utf-8")
            records = len(doc["entities"]) + len(doc["links"]) + len(doc["sources"])
            with open_store(str(Path(tmp) / f"store-{size}")) as store:
                start = time.perf_counter()
                report = load_paths(store, [path])
                first = time.perf_counter() - start
                start = time.perf_counter()
                again = load_paths(store, [path])
                second = time.perf_counter() - start
            assert report.links.added == len(doc["links"]) and again.links.unchanged == len(
                doc["links"]
            )
            rows.append(
                (size, len(doc["links"]), records, first, records / first, second, second / first)
            )
    print(
        f"{'entities':>9} {'links':>7} {'records':>8} {'load s':>8} {'rec/s':>8} {'reload s':>9} {'reload/load':>12}"
    )
    for size, links, records, first, rate, second, ratio in rows:
        print(
            f"{size:>9} {links:>7} {records:>8} {first:>8.2f} {rate:>8.0f} {second:>9.2f} {ratio:>12.2f}"
        )
    if len(rows) > 1:
        base = rows[0]
        print("\nscaling (time ratio vs records ratio, against the smallest size):")
        for row in rows[1:]:
            print(
                f"  {row[0]:>6} entities: records x{row[2] / base[2]:.1f}, load time x{row[3] / base[3]:.1f}"
            )


if __name__ == "__main__":
    main()
