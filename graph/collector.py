"""Python's cyclic garbage collector held off while a load, a search or the command's
imports make many objects that live on: one rule for the three.

Why, for a load (a search and the imports are alike): a load makes millions of
objects that live until it ends (the records read, their models, the rows for
the engine) and almost no reference cycles, so the collections their
allocations trigger walk a growing heap and free nothing.
py-spy on a 100k load (whole process, 50 samples/s): 14.7% of the samples were in
the collector, spread over validation, resolution and the making of rows.
Objects without cycles are still freed at once by their reference counts; the
few cycles a load makes (a caught exception and its frames) are collected when
the load ends and the collector is on again.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def collector_off(*, freeze: bool = False) -> Iterator[None]:
    """The block without automatic collections; the collector as it was afterwards.

    Only the caller that turned it off turns it on again (a nested block leaves it to
    the outer one). With ``freeze``, what is alive when the outer block ends is moved
    out of later collections' walks (:func:`gc.freeze`) before the collector resumes:
    only for the ``statecrime`` command, which ends after one task
    (:func:`statecrime.startup.in_command`); a process using the API must keep a
    collector that sees its own objects, which may be dropped later in cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def without_collector(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run inside :func:`collector_off`."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_off():
            return function(*args, **kwargs)

    return run
