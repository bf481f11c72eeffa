"""What a reader left out, told to the load summary, and the options a load gives readers.

Readers of published formats (STIX, FollowTheMoney, MISP galaxies) map only part
of what they read. What they leave out is not an error, but an analyst must see
it: each reader counts what it skips (``object attack-pattern``, ``relationship
mitigates``, ``FtM schema Vessel``) under its file, and the load summary lists the
counts. With ``--strict`` the same reader refuses the file instead, naming each
thing it would have skipped.

A reader is called as ``read_file(path, fmt)`` by the common load path; rather
than thread options through every reader's signature, the load sets them for
the duration of one load with :func:`reading` (a context variable, so
concurrent loads in one process do not mix).

>>> with reading(ReadOptions(strict=False)) as notes:
...     skipped("a.json", "object attack-pattern", 3)
>>> notes.skipped
{'a.json': {'object attack-pattern': 3}}
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReadOptions:
    """What the analyst asked of the readers for one load.

    ``strict``: refuse a file rather than skip what cannot be mapped.
    ``date``: the date of a file's Source when the file gives none (FtM, MISP).
    """

    strict: bool = False
    date: str | None = None


@dataclass
class Notes:
    """What the readers of one load left out, by file and by what."""

    options: ReadOptions = field(default_factory=ReadOptions)
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)


_CURRENT: ContextVar[Notes | None] = ContextVar("statecrime_read_notes", default=None)


@contextmanager
def reading(options: ReadOptions | None = None) -> Iterator[Notes]:
    """Collect what readers skip during the ``with`` block, under ``options``."""
    notes = Notes(options or ReadOptions())
    token = _CURRENT.set(notes)
    try:
        yield notes
    finally:
        _CURRENT.reset(token)


def options() -> ReadOptions:
    """The options of the load in progress (the defaults outside a load)."""
    notes = _CURRENT.get()
    return notes.options if notes is not None else ReadOptions()


def skipped(file: str, what: str, count: int = 1) -> None:
    """Count ``count`` things of sort ``what`` that the reader of ``file`` did not import."""
    notes = _CURRENT.get()
    if notes is not None and count:
        per_file = notes.skipped.setdefault(file, {})
        per_file[what] = per_file.get(what, 0) + count


def unmapped(file: str, what: str, count: int = 1) -> None:
    """Count a value the reader could not map (a MISP country string with no ISO code)."""
    notes = _CURRENT.get()
    if notes is not None and count:
        per_file = notes.unmapped.setdefault(file, {})
        per_file[what] = per_file.get(what, 0) + count
