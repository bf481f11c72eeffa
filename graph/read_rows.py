"""Read many rows of a declared Cypher text in one read transaction, on either engine.

Why: the searches that expand a frontier hop by hop (chains, shortest paths)
read thousands of link rows per question. Over Bolt, each row is packed by the
embedded server and unpacked by the driver: on the 100k synthetic store that
was two thirds of a chain search's time (py-spy), for rows the process could
read from the engine it already hosts. So on the embedded store the same
Cypher text runs in-process, through the ``arcadedb`` Python API
(:attr:`statecrime.graph.store.Store.in_process`), in one transaction of the
engine's; on Neo4j it runs in one managed read transaction over Bolt, as
:meth:`Store.read` does. The texts, their parameters and so the plans are the
same either way (the touch check in tests/test_index_plans.py runs them).

Rows come back as lists in the order of the text's ``RETURN`` columns: the
searches unpack them by position.

The time limit is the store's (``--timeout``): the embedded server's command
timeout is a setting of the database, which bounds in-process queries as it
bounds Bolt's, and running past it raises
:class:`statecrime.queries.adhoc.QueryTimedOut` on both paths. Statements run
through :meth:`query` of the engine's API, which refuses any that writes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from neo4j import ManagedTransaction, unit_of_work

from statecrime.graph.collector import collector_off
from statecrime.graph.store import Store
from statecrime.startup import in_command

Rows = list[list[Any]]
Run = Callable[[str, dict[str, Any]], Rows]
"""Runs one text with its parameters in the open read transaction; its rows as lists."""

_T = TypeVar("_T")

TIMED_OUT_WORDS = ("exceeded the arcadedb.command.timeout", "TimeoutException")
"""How the embedded engine's error says the command timeout stopped a query."""


def read_transaction(store: Store, work: Callable[[Run], _T]) -> _T:
    """Run ``work`` in one read transaction: in-process on the embedded store, Bolt on Neo4j.

    ``work`` gets a :data:`Run` and may call it many times; every call sees the
    same transaction (and so may pass element ids on from one to the next).
    """
    seconds = store.limit(None)
    if store.in_process is not None:
        with store.bounded(seconds):
            return _in_process(store.in_process(), work, seconds)

    def bolt(tx: ManagedTransaction) -> _T:
        return work(lambda text, params: tx.run(text, params).values())

    with store.bounded(seconds), store.session() as session:
        return session.execute_read(unit_of_work(timeout=seconds)(bolt))


def _in_process(database: Any, work: Callable[[Run], _T], seconds: float | None) -> _T:
    def run(text: str, params: dict[str, Any]) -> Rows:
        try:
            rows = database.query("opencypher", text, params).to_list()
            return [list(row.values()) for row in rows]
        except Exception as exc:
            if any(word in str(exc) for word in TIMED_OUT_WORDS):
                from statecrime.queries.adhoc import QueryTimedOut

                raise QueryTimedOut(seconds, " ".join(str(exc).split())[:300]) from exc
            raise

    database.begin()
    try:
        return work(run)
    finally:
        database.rollback()


def gc_paused() -> AbstractContextManager[None]:
    """Pause Python's cyclic garbage collector while a search builds its many small objects.

    Why: a hub state's chain search makes about a million tuples, lists and dicts
    (rows, steps, chains), none in a cycle, and each few hundred allocations set off
    a collection that walks the process's whole heap: 29% of the search's samples
    at 100k (py-spy). Reference counting still frees everything as before. Only the
    caller that paused it resumes it (a nested or concurrent search leaves it to the
    outer one).

    In the ``statecrime`` command, what is alive is first frozen when it resumes
    (:func:`gc.freeze`, as the command does after its imports): everything the
    search made is still in the youngest generation, so the first collection after
    it would walk all of it, 0.2 s after each search from a state at 1M (py-spy; 12%
    of the search's CPU). Frozen objects are still freed by reference counting; what
    the collector no longer sees is a cycle among them, which the searches do not
    make and a command, ending after one task, cannot leak for long. A process using
    the API is not frozen: its own objects, alive now and dropped later in cycles,
    must stay collectable.
    """
    return collector_off(freeze=in_command())
