"""An analyst's own Cypher, read-only unless they ask for writes.

The embedded store ignores Bolt's READ access mode, so the access mode alone
cannot keep a query from writing. A read-only run therefore happens in a
transaction that is always rolled back; if the query wrote anything (the result
summary's counters say so) it is reported as refused, and nothing stays written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import Transaction
from neo4j.exceptions import Neo4jError

from statecrime.graph.store import Store, transaction_rolled_back
from statecrime.values import plain


class WriteRefused(Exception):
    """A read-only query tried to write; its changes were rolled back."""


class QueryFailed(Exception):
    """The store rejected the query; the message is the store's own."""


@dataclass
class AdhocResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    counters: dict[str, int]


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


def _run_write(store: Store, text: str, params: dict[str, Any]) -> AdhocResult:
    """An analyst's ``--write`` query: once, in an auto-commit transaction.

    Auto-commit, so that ``CALL { ... } IN TRANSACTIONS`` works (Neo4j refuses it
    inside an explicit transaction); never retried, since a query that may have
    committed part of its work must not run twice behind the analyst's back.
    """
    with store.session() as session:
        result = session.run(text, params)
        columns = list(result.keys())
        rows = [{key: plain(value) for key, value in record.items()} for record in result]
        summary = result.consume()
    return AdhocResult(columns, rows, _counters(summary))


def run_cypher(
    store: Store, text: str, params: dict[str, Any] | None = None, *, write: bool = False
) -> AdhocResult:
    """Run ``text`` with ``params``; roll back and raise :class:`WriteRefused` if it wrote
    without ``write=True``."""
    params = params or {}
    try:
        if write:
            return _run_write(store, text, params)
        with transaction_rolled_back(store) as tx:
            columns, rows, summary = _run(tx, text, params)
    except Neo4jError as exc:
        raise QueryFailed(exc.message or str(exc)) from exc
    counters = _counters(summary)
    if summary.counters.contains_updates or summary.counters.contains_system_updates:
        changes = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counters.items())
        raise WriteRefused(
            f"the query writes to the store ({changes or 'changes reported'}); it was rolled "
            "back. Pass --write to run it for real."
        )
    return AdhocResult(columns, rows, counters)
