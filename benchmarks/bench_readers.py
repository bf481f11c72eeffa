"""What reading costs: a JSON-lines file streamed, against the same file read whole.

Run by hand: ``.venv/bin/python benchmarks/bench_readers.py [--lines 200000]``.
Writes an invented JSON-lines file of flat entity records (synthetic, not data),
then, each in a fresh process so peak memory is its own:

- ``stream``: :func:`statecrime.loaders.readers.read_file`, records counted as they come
  (what a load that checks records as they arrive holds: one line at a time);
- ``list``: the same reader, every record kept in a list;
- ``orjson``: the file read whole and each line parsed by orjson alone, into a list
  (what the reader did before it streamed, without its checks);
- per line: ``parse_json`` (depth limit and duplicate-key check) against bare
  ``orjson.loads``.

Figures are CPU seconds (``time.process_time``: the machine may be shared) and
peak RSS in MiB, side by side with their ratio to ``orjson``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("stream", "list", "orjson")


def _write(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(lines):
            record = {
                "id": f"ent-{i:07d}",
                "kind": "OrganisedCrimeGroup",
                "name": f"Synthetic group {i}",
                "country": "RU",
                "aliases": [f"G{i}"],
                "sources": ["src-1"],
            }
            handle.write(json.dumps(record) + "\n")


def _child(mode: str, path: Path) -> None:
    import resource

    start = time.process_time()
    if mode == "stream":
        from statecrime.loaders.readers import read_file

        count = sum(1 for _ in read_file(path))
    elif mode == "list":
        from statecrime.loaders.readers import read_file

        count = len(list(read_file(path)))
    elif mode == "orjson":
        import orjson

        text = path.read_bytes().decode("utf-8-sig")
        count = len([orjson.loads(line) for line in text.splitlines() if line.strip()])
    else:  # per-line parse costs
        import orjson

        from statecrime.loaders.readers import parse_json

        sample = path.read_bytes().splitlines()[:20_000]
        begin = time.process_time()
        for line in sample:
            orjson.loads(line)
        bare = time.process_time() - begin
        begin = time.process_time()
        for line in sample:
            parse_json("x", "line", line)
        checked = time.process_time() - begin
        per = 1e6 / len(sample)
        print(json.dumps({"orjson_us": bare * per, "parse_json_us": checked * per}))
        return
    seconds = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": count, "seconds": seconds, "peak_mib": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic.jsonl"
        _write(path, args.lines)
        size = path.stat().st_size / 2**20
        print(f"{args.lines:,} lines, {size:.0f} MiB (synthetic records)")
        results = {}
        for mode in (*MODES, "per-line"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results[mode] = json.loads(out)
        base = results["orjson"]
        print(
            f"{'mode':8} {'records':>10} {'CPU s':>8} {'x orjson':>9} {'peak MiB':>9} {'x orjson':>9}"
        )
        for mode in MODES:
            r = results[mode]
            print(
                f"{mode:8} {r['records']:>10,} {r['seconds']:>8.2f} "
                f"{r['seconds'] / base['seconds']:>9.2f} {r['peak_mib']:>9.0f} "
                f"{r['peak_mib'] / base['peak_mib']:>9.2f}"
            )
        line = results["per-line"]
        print(
            f"per line: parse_json {line['parse_json_us']:.1f} us, orjson.loads "
            f"{line['orjson_us']:.1f} us, ratio {line['parse_json_us'] / line['orjson_us']:.1f}"
        )


if __name__ == "__main__":
    main()
