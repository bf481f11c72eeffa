"""Make the next items in a second thread while the caller uses the current one.

Why: a staged load spends most of its write phases inside the engine's native
calls (``GraphBatch``), which release the GIL (the library is loaded with
``ctypes.CDLL``), while the rows for the next call (each record's properties,
encoded as JSON) are made in Python. On two cores the two can run at once: a
thread makes chunk ``n + 1`` while the engine writes chunk ``n``.

Only pure Python work is done in the thread (no engine call, no store read),
and at most ``depth`` made items wait for the caller, so memory stays bounded.
An exception in the thread is raised in the caller, at the item it stopped at;
when the caller stops early (an error, an interruption), the thread is told to
stop and is joined before the caller's exception goes on.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def made_ahead(items: Iterable[T], make: Callable[[T], R], depth: int = 2) -> Iterator[R]:
    """``make(item)`` for each of ``items``, in order, each made in a worker thread ahead of
    the caller (at most ``depth`` waiting)."""
    held: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                held.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if stop.is_set() or not put(make(item)):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put(_Failed(exc))
            return
        put(_DONE)

    worker = threading.Thread(target=work, name="statecrime-made-ahead", daemon=True)
    worker.start()
    try:
        while True:
            value = held.get()
            if value is _DONE:
                return
            if isinstance(value, _Failed):
                raise value.error
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
