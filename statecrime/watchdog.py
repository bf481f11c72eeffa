"""The process's own time limit on a command: the backstop behind the store's.

The store bounds each read query (the embedded server's command timeout, a
Neo4j transaction timeout), and those limits end a query on the server side.
This watchdog bounds the whole command in the process, in case a store does not
keep its limit or the process waits somewhere no store limit reaches: it fires
``grace`` seconds after the limit, so the store's own answer normally comes
first. Firing raises :class:`CommandTimedOut` in the main thread, which unwinds
the command (an open transaction is rolled back, the store closed); if the
process is still running ``grace`` seconds later (stuck where Python cannot
interrupt it), it ends the process as the signal watchdog does (a commit in
flight is let finish, private folders removed), with the same line, saying
what the command had committed, and :data:`EXIT_TIMED_OUT`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from statecrime import interrupts
from statecrime.queries.adhoc import NOTHING_WRITTEN, QueryTimedOut

EXIT_TIMED_OUT = 124
"""Exit status when ``--timeout`` fires (as GNU ``timeout`` ends a command that ran too long)."""

DEFAULT_TIMEOUT = 60.0
"""Seconds a read command may run when ``--timeout`` is not given."""

GRACE_SECONDS = 5.0


class CommandTimedOut(QueryTimedOut):
    """The command ran past ``--timeout``; raised by the watchdog, not by the store."""


def _hard_stop(seconds: float) -> None:
    """End the process with the time-out's line, saying what the command noted as committed.

    A batched ``--write`` or a load may have committed before it got stuck, so the
    line is built from :func:`interrupts.written`, never a bare "nothing was written".
    """
    notes = interrupts.written()
    kept = f"{'; '.join(notes)}, nothing else was written" if notes else NOTHING_WRITTEN
    interrupts.end_now(EXIT_TIMED_OUT, f"error: {CommandTimedOut(seconds, kept=kept)}")


@contextmanager
def watchdog(seconds: float | None, grace: float = GRACE_SECONDS) -> Iterator[None]:
    """Bound what runs inside to ``seconds`` (plus ``grace``); no limit for ``None`` or 0.

    Only the main thread can be interrupted by a signal, so elsewhere (a server
    thread using the API) this does nothing and the store's limits alone apply.
    """
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise CommandTimedOut(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds + grace)
    hard = threading.Timer(seconds + 2 * grace, _hard_stop, args=(seconds,))
    hard.daemon = True
    hard.start()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        hard.cancel()
