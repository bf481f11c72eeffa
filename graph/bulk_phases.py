"""How long each phase of a load took, for the benchmark (``STATECRIME_LOAD_PHASES=FILE``).

A load's phases (reading and checking, resolution, reading the stored records,
writing entities, writing links, the commit) are timed as they run; when the
variable names a file, each phase is appended to it as one JSON line with its
seconds, CPU seconds, the process's peak resident size so far and how many
records it handled. ``benchmarks/run.py`` reads them to print the link-writing
phase's links/s beside the whole process's time. Nothing is written when the
variable is unset.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

PHASES_ENV = "STATECRIME_LOAD_PHASES"


@contextmanager
def phase(name: str, count: int | None = None) -> Iterator[dict[str, int]]:
    """Time the block as phase ``name``; the block may set ``["count"]`` on what it yields."""
    held: dict[str, int] = {} if count is None else {"count": count}
    start = time.perf_counter()
    cpu = time.process_time()
    try:
        yield held
    finally:
        path = os.environ.get(PHASES_ENV)
        if path:
            line = {
                "phase": name,
                "seconds": round(time.perf_counter() - start, 3),
                "cpu": round(time.process_time() - cpu, 3),
                # the process's peak resident size so far (Linux: KiB), the engine's heap included
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                **held,
            }
            with open(path, "ab") as handle:
                handle.write(orjson.dumps(line) + b"\n")
