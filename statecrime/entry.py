"""The ``statecrime`` script's first code: signals first, then the store's engine, then the rest.

Importing the command line (the driver, pydantic, rich, typer) takes most of a
command's first half second, several seconds on a busy machine; a Ctrl-C in
that time ended in a traceback. The handlers of :mod:`statecrime.interrupts`
are installed first. Then, when the command line names a store folder (or the
default one holds a store), its engine starts in a thread while the command
line is imported (:func:`statecrime.graph.embedded.prestart`): on two cores the
engine's start costs the command next to nothing. Then
:func:`statecrime.cli.main` runs as before.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from statecrime import interrupts

_STORE_OPTION = "--store"
_OPTIONS_WITH_VALUES = frozenset({"--store", "--format", "-f", "--timeout"})
"""The global options (statecrime.cli.main_options) that take a value."""
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})


def store_and_debug(argv: list[str]) -> tuple[str | None, bool]:
    """The embedded store folder a command line will open, if it opens one, and ``--debug``.

    None when there is no command, when help is asked for, or when the store is
    a URI (Neo4j). Read the way the command line reads it: global options, then
    the command (``--store`` from the argument, else ``STATECRIME_STORE``, else
    the default folder).
    """
    debug = os.environ.get("STATECRIME_DEBUG", "").strip().lower() in _TRUE
    store: str | None = None
    command = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _OPTIONS_WITH_VALUES:
            if arg == _STORE_OPTION and i + 1 < len(argv):
                store = argv[i + 1]
            i += 2
            continue
        if arg.startswith(f"{_STORE_OPTION}="):
            store = arg.split("=", 1)[1]
        elif arg == "--debug":
            debug = True
        elif not arg.startswith("-"):
            command = i
            break
        i += 1
    if command is None or any(a in ("--help", "-h") for a in argv):
        return None, debug
    store = store or os.environ.get("STATECRIME_STORE")
    if store and "://" in store:
        return None, debug
    if not store:
        from statecrime.graph.embedded import default_folder

        store = str(default_folder())
    return store, debug


def _prestart(argv: list[str]) -> None:
    folder, debug = store_and_debug(argv)
    if folder is None:
        return
    from pathlib import Path

    from statecrime.graph import embedded

    embedded.set_debug(debug)
    embedded.prestart(Path(folder))


def main() -> NoReturn:
    interrupts.install()
    try:
        _prestart(sys.argv[1:])
        from statecrime.cli import main as cli_main
    except interrupts.Interrupted:
        status = interrupts.report()
        interrupts.ignore()
        if "statecrime.graph.embedded" in sys.modules:
            sys.modules["statecrime.graph.embedded"].end_process(status)
        sys.exit(status)
    cli_main()
