"""An analyst's own Cypher, read-only unless they ask for writes.

Read-only is the database's doing, for each connection: a query without
``write=True`` runs in :meth:`Store.reader_session`, as the embedded store's
read-only server user or in a Neo4j READ transaction, so the database refuses
every write it tries, whatever route it takes (``CALL { } IN TRANSACTIONS``,
schema statements, write procedures). Nothing is undone afterwards because
nothing was done. The result's counters are still checked, as a second guard.

A read query is bounded in time (``timeout`` seconds, else the store's
``read_timeout``): by the transaction timeout on Neo4j and by the server's
command timeout on the embedded store. A refusal or a time-out from either
engine becomes :class:`WriteRefused` or :class:`QueryTimedOut` with one line.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from typing import Any

from neo4j import Query, Transaction
from neo4j.exceptions import Neo4jError

from statecrime import interrupts
from statecrime.graph.embedded import FILE_IMPORT_ENV
from statecrime.graph.store import Store
from statecrime.values import plain


class WriteRefused(Exception):
    """A read-only query tried to write, and the store refused it: nothing was written."""


class FileImportRefused(WriteRefused):
    """A query tried to read a local file or a URL (``LOAD CSV``) while that is off."""


NOTHING_WRITTEN = "nothing was written"
BATCHES_KEPT = "the batches its CALL { ... } IN TRANSACTIONS had committed were kept, nothing else"
"""What a stopped ``--write`` query that writes in batches leaves: every engine keeps the
batches committed before the stop (62,000 and 79,000 of its nodes after 2 s, measured)."""


class QueryTimedOut(Exception):
    """A query ran past its time limit and was stopped; ``kept`` says what it left written."""

    def __init__(
        self, seconds: float | None, detail: str = "", kept: str = NOTHING_WRITTEN
    ) -> None:
        self.seconds = seconds
        self.detail = detail
        limit = f"the {seconds:g} s limit" if seconds else "its time limit"
        super().__init__(
            f"the query ran past {limit} and was stopped; {kept}. "
            "Give more time with --timeout SECONDS (0: no limit)."
        )


class QueryFailed(Exception):
    """The store rejected the query; the message is the store's own."""


@dataclass
class AdhocResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    counters: dict[str, int]


# Error codes (and, where an engine has no code of its own for it, words of the message) by
# which each engine says it refused a write or ran out of time.
WRITE_REFUSED_CODES = (
    "Neo.ClientError.Security.Forbidden",  # embedded: the reader's rights; Neo4j: privileges
    "Neo.ClientError.Statement.AccessMode",  # Neo4j: writing in a READ transaction
)
TIMED_OUT_CODES = ("Neo.ClientError.Transaction.TransactionTimedOut",)  # both engines (prefix)
STOPPED_CODES = (
    "Neo.ClientError.Transaction.LockClientStopped",
    "Neo.TransientError.Transaction.LockClientStopped",
    "Neo.ClientError.Transaction.Terminated",
    "Neo.TransientError.Transaction.Terminated",
)
"""Neo4j: the transaction was ended from outside, by its time limit or an operator. A write
waiting for another transaction's lock when its limit passes gets the first code (measured),
so these mean a time-out when the query's limit has passed, and a failure otherwise."""
TIMED_OUT_WORDS = (
    "exceeded the arcadedb.command.timeout",  # embedded
    "not completed within the timeout",  # Neo4j, when it reports a time-out as terminated
)
FILE_ACCESS_WORDS = ("LOAD CSV", "update security")
IN_TRANSACTIONS_WORDS = ("IN TRANSACTIONS",)
_BATCHES = re.compile(r"\bIN\s+TRANSACTIONS\b", re.IGNORECASE)
_REFUSED = (
    "the store refused the query: it tries to write, and queries without --write are "
    "read-only ({detail}). Nothing was written; pass --write to let it write."
)
_FILE_REFUSED = (
    "the store refused the query: LOAD CSV reads files and URLs only when "
    f"{FILE_IMPORT_ENV}=1 is set and --write is given ({{detail}}). Nothing was read."
)

_NEO4J_FILE_REFUSED = (
    "the store refused the query: this Neo4j server allows no LOAD CSV from files ({detail}). "
    "Nothing was read."
)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())[:300]


def refusal(exc: Neo4jError, seconds: float | None) -> Exception | None:
    """The clear error an engine's refusal or time-out means, or ``None`` for other errors."""
    code = exc.code or ""
    message = exc.message or str(exc)
    detail = _one_line(message)
    if code.startswith(TIMED_OUT_CODES) or any(word in message for word in TIMED_OUT_WORDS):
        return QueryTimedOut(seconds, detail)
    if "allow_csv_import" in message:
        return FileImportRefused(_NEO4J_FILE_REFUSED.format(detail=detail))
    if code in WRITE_REFUSED_CODES and any(w.lower() in message.lower() for w in FILE_ACCESS_WORDS):
        return FileImportRefused(_FILE_REFUSED.format(detail=detail))
    if code in WRITE_REFUSED_CODES:
        return WriteRefused(_REFUSED.format(detail=detail))
    if any(word in message for word in IN_TRANSACTIONS_WORDS):
        # Neo4j runs CALL { } IN TRANSACTIONS only in an auto-commit transaction, never
        # in the explicit read transaction of a read-only query: it exists to write in batches.
        return WriteRefused(_REFUSED.format(detail=detail))
    return None


def _stopped_at_limit(exc: Neo4jError, seconds: float | None, started: float) -> bool:
    """Whether Neo4j ended the query from outside (:data:`STOPPED_CODES`) past its limit."""
    return bool(seconds) and (exc.code or "") in STOPPED_CODES and (
        time.monotonic() - started >= (seconds or 0)
    )


def timed_out_in(exc: BaseException | None) -> QueryTimedOut | None:
    """The time-out behind ``exc``, if it was raised while a time-out unwound the query.

    The process's watchdog (:mod:`statecrime.watchdog`) interrupts the driver
    wherever it is; closing a connection cut off mid-read can then fail too (the
    driver's ``BufferError``), and that error must not hide the time-out.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, QueryTimedOut):
            return exc
        seen.add(id(exc))
        # follow the chain a traceback shows: ``raise ... from None`` ends it
        exc = (
            exc.__cause__
            if exc.__cause__ is not None
            else (None if exc.__suppress_context__ else exc.__context__)
        )
    return None


def _counters(summary: Any) -> dict[str, int]:
    counters = summary.counters
    names = (
        "nodes_created",
        "nodes_deleted",
        "relationships_created",
        "relationships_deleted",
        "properties_set",
        "labels_added",
        "labels_removed",
        "indexes_added",
        "indexes_removed",
        "constraints_added",
        "constraints_removed",
    )
    return {name: getattr(counters, name) for name in names if getattr(counters, name)}


def _run(tx: Transaction, text: str, params: dict[str, Any]) -> tuple[list[str], list[Any], Any]:
    """Columns, rows as plain data (labels kept: ``record.data()`` would drop them), summary."""
    result = tx.run(text, params)
    columns = list(result.keys())
    rows = [{key: plain(value) for key, value in record.items()} for record in result]
    return columns, rows, result.consume()


def _run_write(
    store: Store, text: str, params: dict[str, Any], seconds: float | None = None
) -> AdhocResult:
    """An analyst's ``--write`` query, run once and never retried (a query that may have
    committed part of its work must not run twice behind the analyst's back).

    On Neo4j in an auto-commit transaction, the only one in which it runs ``CALL { ... }
    IN TRANSACTIONS``. The embedded store takes that inside an explicit transaction too,
    and it needs one: its Bolt server keeps what an auto-commit query wrote before an error
    (200 nodes of 200 after a division by zero at the 150th row, where Neo4j keeps none), and
    takes 500 times longer for it (``SET`` on 3,000 nodes: 1.24 s against 2.3 ms).
    """
    if writes_in_batches(text):
        # each batch commits on its own: a signal from now on may leave some of them written
        interrupts.committed("the --write query may have committed some of its batches")
    with store.session() as session:
        if store.engine == "neo4j":
            result = session.run(Query(text, timeout=seconds), params)
            columns = list(result.keys())
            rows = [{key: plain(value) for key, value in record.items()} for record in result]
            # the auto-commit ends with the result: a signal now waits, and is told it was written
            with interrupts.deferred(finish=True):
                summary = result.consume()
                interrupts.committed("the --write query was committed")
            return AdhocResult(columns, rows, _counters(summary))
        tx = session.begin_transaction(timeout=seconds)
        try:
            columns, rows, summary = _run(tx, text, params)
            # a signal during the commit waits for it, and is told whether it was written
            with interrupts.deferred(finish=True):
                tx.commit()
                interrupts.committed("the --write query was committed")
        finally:
            if not tx.closed():
                with contextlib.suppress(Exception):
                    tx.rollback()
    return AdhocResult(columns, rows, _counters(summary))


def writes_in_batches(text: str) -> bool:
    """Whether ``text`` may hold ``CALL { ... } IN TRANSACTIONS``, whose batches commit one by one.

    Read from the text, so a query that only names the words (in a string or a comment)
    is taken to batch too: it is then told that its committed batches were kept, of which
    it has none, rather than a batching query being told that nothing was written.
    """
    return _BATCHES.search(text) is not None


def run_cypher(
    store: Store,
    text: str,
    params: dict[str, Any] | None = None,
    *,
    write: bool = False,
    timeout: float | None = None,
) -> AdhocResult:
    """Run ``text`` with ``params``: read-only, as the database enforces, unless ``write=True``.

    Raises :class:`WriteRefused` when a read-only query tries to write (nothing
    was written), :class:`QueryTimedOut` past ``timeout`` seconds (default: the
    store's read timeout; a query with ``write=True`` has no limit unless given
    one; its message says nothing was written, or for a ``write=True`` query that
    batches, that the batches committed before the stop were kept),
    :class:`QueryFailed` for any other error of the store (for a ``write=True``
    query, its message says what was left written in the same words).
    """
    try:
        return _run_cypher(store, text, params or {}, write, timeout)
    except QueryTimedOut as stopped:
        if write and writes_in_batches(text):
            raise type(stopped)(stopped.seconds, stopped.detail, BATCHES_KEPT) from stopped
        raise
    except QueryFailed as failed:
        if write:  # what the analyst asks first of a write that failed: what did it leave?
            kept = BATCHES_KEPT if writes_in_batches(text) else NOTHING_WRITTEN
            raise QueryFailed(f"{failed}; {kept}") from failed
        raise


def _run_cypher(
    store: Store, text: str, params: dict[str, Any], write: bool, timeout: float | None
) -> AdhocResult:
    seconds = timeout if write else store.limit(timeout)
    seconds = seconds if seconds and seconds > 0 else None
    started = time.monotonic()
    try:
        with store.bounded(seconds):
            if write:
                return _run_write(store, text, params, seconds)
            with store.reader_session() as session:
                tx = session.begin_transaction(timeout=seconds)
                try:
                    columns, rows, summary = _run(tx, text, params)
                finally:
                    # a read has nothing to keep: rolling back ends the transaction either way,
                    # and a failure to roll back must not hide why the query ended
                    if not tx.closed():
                        with contextlib.suppress(Exception):
                            tx.rollback()
    except Neo4jError as exc:
        clear = refusal(exc, seconds)
        if clear is None and _stopped_at_limit(exc, seconds, started):
            clear = QueryTimedOut(seconds, _one_line(exc.message or str(exc)))
        if clear is not None:
            raise clear from exc
        stopped = timed_out_in(exc)
        if stopped is not None:
            raise stopped from exc
        raise QueryFailed(_one_line(exc.message or str(exc))) from exc
    except QueryTimedOut:
        raise
    except Exception as exc:
        stopped = timed_out_in(exc)
        if stopped is None:
            raise
        raise stopped from exc
    counters = _counters(summary)
    if summary.counters.contains_updates or summary.counters.contains_system_updates:
        # Second guard: the database should have refused already; if an engine ever lets a
        # write through in a read session, the command still says so and fails.
        changes = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counters.items())
        raise WriteRefused(
            _REFUSED.format(detail=f"the store reported changes: {changes or 'some'}")
        )
    return AdhocResult(columns, rows, counters)


__all__ = [
    "AdhocResult",
    "FileImportRefused",
    "QueryFailed",
    "QueryTimedOut",
    "WriteRefused",
    "refusal",
    "run_cypher",
]
