"""SIGHUP, SIGINT and SIGTERM end a command cleanly, with one line saying what was written.

Why this module exists: left to themselves, the signals reached the embedded
store's Java runtime, which took them for its own shutdown. A SIGTERM during a
load was ignored until the load had committed; during a long query it crashed
the runtime (SIGSEGV, with an ``hs_err`` file in the current folder); Ctrl-C
ended in a Python traceback from the driver. The Java runtime is now started
with ``-Xrs``, and the native build installs no handler for them (see
:mod:`statecrime.graph.embedded`), so these three signals reach Python only,
and the handler installed here turns the first one into :class:`Interrupted`,
raised in the main thread.

The kernel gives a process-directed signal to any thread that does not block
it, and the engine runs dozens of threads in this process. Python's C-level
handler notes the signal whichever thread takes it, but its Python-level
handler runs only in the main thread, once that thread runs Python again: a
main thread waiting in ``recv`` for a query's answer would wait for the answer
(hours, for a runaway query). The watchdog below therefore sends the signal
on to the main thread (``pthread_kill``), whose blocking call then returns
with EINTR, and the handler runs at once. The ``with`` blocks then
unwind as for any error: the open transaction is rolled back (never
committed), the driver closed, the store stopped and its private folder
removed.

Two kinds of code must not be cut in half, and run in :func:`deferred`
blocks, where a signal is held until the block ends:

* a commit, and the note of what it wrote (``finish=True``): after it, the
  report can say exactly what was committed;
* starting and stopping the store: a half-started server could not be stopped.

If cleaning up takes too long (a query that the store keeps computing after
its client left, a stop that waits for it), a watchdog ends the process
:data:`GRACE_SECONDS` after the signal, once any commit in flight is done: it
removes the private folders itself and exits with the same status and line.
The watchdog is a thread woken through :func:`signal.set_wakeup_fd`, which the
interpreter writes to from its C-level handler: it starts counting even while
the main thread is inside a long Java call (starting the store takes seconds
on a busy machine), where the Python-level handler cannot run yet.

The exit status is 128 + the signal's number (129, 130, 143), as shells report
a process killed by it; the line goes to stderr, and under ``-f json`` a JSON
object saying the same goes to stdout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, NoReturn

SIGNALS: dict[int, str] = {
    signal.SIGHUP: "SIGHUP",
    signal.SIGINT: "SIGINT",
    signal.SIGTERM: "SIGTERM",
}
"""The signals that interrupt a command, by number."""

GRACE_SECONDS = 3.0
"""After a signal, the process ends by this time even if cleaning up hangs.

The promise is 5 s; ending a process with a large Java heap takes up to a
second more on a busy machine.
"""

COMMIT_WAIT_SECONDS = 120.0
"""How long the watchdog lets a commit in flight finish before ending the process anyway."""


class Interrupted(BaseException):
    """A signal asked the command to stop.

    A ``BaseException``, like ``KeyboardInterrupt``: ``except Exception`` blocks
    (the store's "could not start" and the loaders' error handling) must not
    take it for a failure of their own.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(SIGNALS.get(signum, f"signal {signum}"))

    @property
    def status(self) -> int:
        return 128 + self.signum


@dataclass
class _State:
    signum: int | None = None
    seen: int | None = None
    installed: bool = False
    deferring: int = 0
    finishing: int = 0
    pending: bool = False
    written: list[str] = field(default_factory=list)
    reported: bool = False
    command: str | None = None
    json: bool = False
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    severs: list[Callable[[], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def install() -> None:
    """Handle the three signals in this process (from the main thread; twice does no harm)."""
    if _state.installed:
        return
    _state.installed = True
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    threading.Thread(
        target=_watch, args=(wake_read,), name="statecrime-interrupt-watchdog", daemon=True
    ).start()
    for signum in SIGNALS:
        signal.signal(signum, _handle)
    _previous_unraisable[0] = sys.unraisablehook
    sys.unraisablehook = _unraisable


_previous_unraisable: list[Callable[[Any], None]] = [sys.__unraisablehook__]


def _unraisable(unraisable: Any) -> None:
    """Say nothing of an :class:`Interrupted` that Python could not raise (a finalizer ran).

    Why: a signal can land while the garbage collector runs some ``__del__``
    (the driver's, say); Python then drops the exception and prints "Exception
    ignored in ..." with a traceback, breaking the promise of one line. The
    signal is recorded all the same, and the watchdog ends the command with
    that one line after the grace time. Anything else goes to the usual hook.
    """
    if isinstance(unraisable.exc_value, Interrupted):
        return
    _previous_unraisable[0](unraisable)


def ignore() -> None:
    """Ignore the signals from here on: the process is ending and has said what it did."""
    for signum in SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signum, signal.SIG_IGN)


def describe(command: str | None, *, json: bool) -> None:
    """What the report names: the command running and whether it prints JSON."""
    _state.command = command
    _state.json = json


def at_forced_exit(cleanup: Callable[[], None]) -> None:
    """Run ``cleanup`` if the watchdog has to end the process (e.g. remove private folders)."""
    if cleanup not in _state.cleanups:
        _state.cleanups.append(cleanup)


def on_interrupt(sever: Callable[[], None]) -> None:
    """Call ``sever`` as a signal is raised, before anything unwinds.

    The embedded store cuts its Bolt connections here: the rollback that
    follows would otherwise wait behind the query the store is still
    computing, and a closed connection rolls the transaction back anyway.
    """
    if sever not in _state.severs:
        _state.severs.append(sever)


def forget(sever: Callable[[], None]) -> None:
    """Stop calling ``sever`` (its store is closed)."""
    with contextlib.suppress(ValueError):
        _state.severs.remove(sever)


def _raise(signum: int) -> None:
    for sever in list(_state.severs):
        with contextlib.suppress(Exception):
            sever()
    raise Interrupted(signum)


def received() -> int | None:
    """The number of the signal that interrupted this process, if one did."""
    return _state.signum or _state.seen


def committed(what: str) -> None:
    """Note something made durable (``"3 entities and 2 links were committed"``) for the report."""
    _state.written.append(what)


def _handle(signum: int, frame: FrameType | None) -> None:
    if _state.signum is not None:
        return  # the first signal is already being acted on; cleaning up must not be cut short
    _state.signum = signum
    if _state.deferring:
        _state.pending = True
        return
    _raise(signum)


@contextlib.contextmanager
def deferred(*, finish: bool = False) -> Iterator[None]:
    """Hold a signal until the block ends, then raise :class:`Interrupted`.

    ``finish=True`` (a commit): the watchdog waits for the block too, so the
    report can say whether the commit happened.
    """
    _state.deferring += 1
    _state.finishing += int(finish)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _state.deferring -= 1
        _state.finishing -= int(finish)
        if _state.pending and not _state.deferring and not failed and _state.signum is not None:
            _state.pending = False
            _raise(_state.signum)


def message() -> str:
    """The one line that says what an interrupted command wrote."""
    if not _state.written:
        return "interrupted: nothing was written"
    return f"interrupted: {'; '.join(_state.written)} before the signal; nothing else was written"


def report() -> int:
    """Print the interruption (once, whoever asks first) and return the exit status."""
    signum = received() or signal.SIGINT
    line = message()

    def document() -> bytes:
        from statecrime.output import json_document

        payload = {
            "interrupted": {"signal": SIGNALS.get(signum), "exitStatus": 128 + signum},
            "written": list(_state.written),
            "message": line,
        }
        return json_document(_state.command or "", payload)

    _say_once(line, document if _state.json else None)
    return 128 + signum


def _say_once(line: str, document: Callable[[], bytes] | None = None) -> None:
    """Print ``line`` to stderr (``document()`` to stdout first, under ``-f json``), unless the
    process has already said how it ended: the main thread and a watchdog may both try."""
    with _state.lock:
        if _state.reported:
            return
        _state.reported = True
        if document is not None:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stdout.buffer.write(document() + b"\n")
                sys.stdout.flush()
        with contextlib.suppress(Exception):
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
            sys.stdout.flush()


def _watch(wake_read: int) -> None:
    """Wait for the first of our signals, then give the main thread the grace time to end."""
    while True:
        try:
            data = os.read(wake_read, 64)
        except OSError:
            return
        if not data:
            return
        first = next((b for b in data if b in SIGNALS), None)
        if first is not None:
            break
    if _state.seen is None:
        _state.seen = first
    _wake_main_thread(first)
    _end_after_grace()


WAKE_DELAY_SECONDS = 0.02
"""How long the watchdog lets the main thread take the signal itself before sending it on."""


def _wake_main_thread(signum: int) -> None:
    """Send ``signum`` to the main thread if it has not acted on it (it landed on another thread).

    Not while a :func:`deferred` block runs: the main thread may be inside the
    engine's native code (starting or stopping the store), which is left to
    finish; the signal is acted on when the block ends, as the main thread
    runs Python again.
    """
    time.sleep(WAKE_DELAY_SECONDS)
    if _state.signum is not None or _state.deferring:
        return
    with contextlib.suppress(Exception):
        signal.pthread_kill(threading.main_thread().ident or 0, signum)


def _end_after_grace() -> None:
    """End the process if cleaning up after the signal takes longer than the grace time."""
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
    _finish_and_clean_up()
    status = report()
    os._exit(status)


def _finish_and_clean_up() -> None:
    """Let a commit in flight finish (up to :data:`COMMIT_WAIT_SECONDS`), then run the cleanups."""
    give_up = time.monotonic() + COMMIT_WAIT_SECONDS
    while _state.finishing and time.monotonic() < give_up:
        time.sleep(0.05)
    for cleanup in _state.cleanups:
        with contextlib.suppress(Exception):
            cleanup()


def written() -> list[str]:
    """What this command has noted as committed (or, for batches, as possibly committed)."""
    return list(_state.written)


def end_now(status: int, line: str) -> NoReturn:
    """End the process from any thread, as the signal watchdog does: once a commit in flight is
    done and the cleanups have run, print ``line`` (unless a signal's line was printed) and exit.

    For a last resort elsewhere (the ``--timeout`` watchdog), so that it too leaves no
    private folder behind and cuts no commit in half.
    """
    _finish_and_clean_up()
    _say_once(line)
    os._exit(status)
