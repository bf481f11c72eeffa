"""What the ``statecrime`` command imports before anything else, and what it keeps out.

A read command on the embedded store is mostly Python importing itself. numpy
alone was 0.12-0.20 s of a 0.8-1.2 s command, and nothing a command does needs
it: the ``neo4j`` driver imports it (and pandas, pyarrow, when installed) only to
accept their arrays as query parameters, and the ``arcadedb`` package only to
pass numpy arrays and float vectors to the engine. statecrime gives neither such
values: the command line's parameters are parsed as JSON
(:mod:`statecrime.values`), records are validated plain Python values, and no
statecrime property is a float vector. The only numpy in statecrime is
networkx's layout, whose positions go into the HTML page, not into a query.

So the ``statecrime`` command imports both packages with those libraries hidden
(:func:`import_driver`, then :func:`without_array_libraries` where the engine's
package is imported). They stay importable afterwards (a view still lays out
with numpy); the two packages just do not know them. Where one was already
imported, nothing is hidden. Only the command does this, while it is the only
thread importing: the public API, a notebook or the tests import both packages
as usual (another thread importing numpy in the meantime would fail).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from statecrime.graph.collector import collector_off

ARRAY_LIBRARIES = ("numpy", "pandas", "pyarrow")
"""What the driver and the engine's package import, if present, for values statecrime never
passes them."""

_COMMAND_LINE = [False]
"""Whether this process is the ``statecrime`` command (:func:`import_driver` ran)."""


def in_command() -> bool:
    """Whether this process is the ``statecrime`` command, which ends after one task.

    What only a short-lived process may do (hide the array libraries, freeze the
    heap out of the collector's walks) asks this: a notebook or a service using the
    API keeps its own objects for hours, and must keep a collector that sees them.
    """
    return _COMMAND_LINE[0]


@contextmanager
def hidden(names: tuple[str, ...]) -> Iterator[None]:
    """Within the block, importing any of ``names`` not yet imported raises ImportError."""
    blocked = [name for name in names if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        yield
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def without_array_libraries() -> AbstractContextManager[None]:
    """In the ``statecrime`` command, import within this block without numpy, pandas or
    pyarrow; elsewhere, import as usual (see the module)."""
    return hidden(ARRAY_LIBRARIES) if _COMMAND_LINE[0] else nullcontext()


def import_driver() -> None:
    """The ``statecrime`` command's first import: the ``neo4j`` driver, without the array
    libraries (see the module)."""
    _COMMAND_LINE[0] = True
    if "neo4j" in sys.modules:
        return
    with without_array_libraries():
        import neo4j  # noqa: F401


def collector_paused() -> AbstractContextManager[None]:
    """Python's cyclic garbage collector off while the block imports, then what it imported
    frozen out of later collections (:func:`gc.freeze`).

    Importing allocates hundreds of thousands of objects (the driver's tables of dates and
    packed integers, the typing machinery) and frees almost none, so the collections it
    triggers find nothing to free: profiled at 40-80 ms of a command's start, charged to
    whichever module was importing. Modules stay for the life of the process; freezing
    them keeps later collections from walking them again.
    """
    return collector_off(freeze=True)
