"""The ``statecrime`` script's first code: signals are handled before anything heavy loads.

Importing the command line (the driver, pydantic, rich, typer) takes a second,
several on a busy machine; a Ctrl-C in that time ended in a traceback. The
handlers of :mod:`statecrime.interrupts` are installed first, then
:func:`statecrime.cli.main` runs as before.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from statecrime import interrupts, startup


def main() -> NoReturn:
    interrupts.install()
    try:
        with startup.collector_paused():
            startup.import_driver()
            from statecrime.cli import main as cli_main
    except interrupts.Interrupted:
        status = interrupts.report()
        interrupts.ignore()
        sys.exit(status)
    cli_main()
