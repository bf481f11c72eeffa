"""Time a real ATT&CK bundle's load, process start to exit, into a store holding the
curated dataset and the MISP threat-actor and intelligence-agencies galaxies, with
entity resolution on (the default), then its reload (which must change nothing).

    python benchmarks/build_attack_bundle.py /work/.mirror/mitre+cti/repo /tmp/ea.json
    python benchmarks/bench_real_data.py /tmp/ea.json

Prints wall and CPU seconds of each ``statecrime`` process (CPU from the child's
rusage: the embedded store's Java runtime runs in the same process, so it counts),
so that a busy machine's figures can be read: wall over CPU is the contention.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATECRIME = Path(sys.executable).parent / "statecrime"


def timed(store: str, *args: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(STATECRIME), "--store", store, "-f", "json", *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(bundle: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = str(Path(folder) / "store")
        curated = sorted(str(p) for p in (ROOT / "data" / "curated").glob("*.yaml"))
        steps = [
            ("curated dataset", ["load", *curated]),
            (
                "MISP galaxies",
                ["load", "--misp-galaxy", "threat-actor", "--misp-galaxy", "intelligence-agencies"],
            ),
            (
                f"{bundle.name} ({bundle.stat().st_size / 1e6:.1f} MB)",
                ["load", "--from", "stix", str(bundle)],
            ),
            (f"{bundle.name} again", ["load", "--from", "stix", str(bundle)]),
        ]
        print(f"{'step':48} {'wall s':>8} {'cpu s':>8} {'wall/cpu':>9}")
        for label, args in steps:
            wall, cpu = timed(store, *args)
            print(f"{label:48} {wall:8.1f} {cpu:8.1f} {wall / cpu:9.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
