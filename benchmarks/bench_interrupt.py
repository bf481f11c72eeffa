"""How long an interrupted command takes to end, and whether each run ended clean.

Runs the real ``statecrime`` script N times for each case and signals it at the
same moment as tests/test_interrupts.py does:

* load: SIGINT once the load's terminal progress says "writing" (3,000 new
  synthetic entities and 7,500 links over a store of 2,000);
* query: SIGTERM 2 s after the driver connected, during a Cypher query that
  would run for hours.

A run is clean when it exits 128 + the signal with exactly the one line, no
traceback, no Java crash file, no private folder left, and the store opens
again with the counts it had. Prints seconds from the signal to the end
(min, median, max) and clean runs out of N.

    .venv/bin/python benchmarks/bench_interrupt.py [N]
"""

from __future__ import annotations

import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from statecrime.graph.connect import open_store
from statecrime.graph.embedded import end_process
from statecrime.loaders.load import load_paths
from tests.support.processes import Command, plain_lines, private_dirs_of
from tests.support.synthetic import synthetic_document

NOTHING = "interrupted: nothing was written"


def counts(folder: Path) -> object:
    with open_store(str(folder)) as store:
        return store.counts()


def one_run(case: str, template: Path, records: Path, work: Path) -> tuple[float, bool, str]:
    store, cwd, tmp = work / "store", work / "cwd", work / "tmp"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, store)
    cwd.mkdir()
    tmp.mkdir()
    before = counts(store)
    env = {"TMPDIR": str(tmp)}
    if case == "load":
        run = Command(["--store", str(store), "load", str(records)], cwd=cwd, env=env, terminal=True)
        run.wait_for_output("writing")
        time.sleep(0.3)
        signum = signal.SIGINT
    else:
        query = "MATCH p=(a)-[*1..12]-(b) RETURN count(p)"
        run = Command(["--store", str(store), "cypher", query], cwd=cwd, env=env)
        run.wait_for_store()
        time.sleep(2)
        signum = signal.SIGTERM
    run.send(signum)
    status = run.finish()
    lines = [line for line in plain_lines(run.stderr_text) if "/4" not in line]
    problems = []
    if status != 128 + signum:
        problems.append(f"status {status}")
    if lines != [NOTHING]:
        problems.append(f"stderr {lines!r}")
    if "Traceback" in run.stderr_text or list(cwd.glob("hs_err*")):
        problems.append("traceback or hs_err")
    if private_dirs_of(tmp):
        problems.append("private folder left")
    if counts(store) != before:
        problems.append("store changed")
    return run.seconds_to_end, not problems, "; ".join(problems)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        template = base / "template"
        seed_file = base / "seed.json"
        seed_file.write_text(json.dumps(synthetic_document(2000, seed=11)))
        with open_store(str(template)) as store:
            load_paths(store, [seed_file])
        records = base / "more.json"
        more = json.dumps(synthetic_document(3000, seed=12)).replace("synthetic-", "more-synthetic-")
        records.write_text(more)
        print(f"{'case':<8}{'runs':>6}{'clean':>7}{'min s':>8}{'median s':>10}{'max s':>8}")
        for case in ("load", "query"):
            times, clean = [], 0
            for i in range(runs):
                seconds, ok, why = one_run(case, template, records, base / f"{case}-{i}")
                times.append(seconds)
                clean += ok
                if not ok:
                    print(f"  {case} run {i}: {why}", file=sys.stderr)
            print(
                f"{case:<8}{runs:>6}{clean:>7}{min(times):>8.2f}"
                f"{statistics.median(times):>10.2f}{max(times):>8.2f}"
            )
    end_process(0)


if __name__ == "__main__":
    main()
