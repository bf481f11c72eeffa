"""Cross-nationality proxies: actors a state's side tasks whose country is not the state's.

The NCA's 2023 assessment singled out hostile states using criminals "not
always of the same nationality" as proxies. ``queries/cross_proxies.cypher``
finds them among the taskings of :mod:`statecrime.queries.taskings`: the
tasking link is one that carries a proxy chain (tolerance is not use), and
both the state and the tasked actor have a recorded country, and they differ.
"""

from __future__ import annotations

from statecrime.graph import domain
from statecrime.graph.store import Store
from statecrime.queries.files import query
from statecrime.queries.side import order_by, side_rows
from statecrime.queries.taskings import Tasking, reach_params, taskings_from_rows


def proxy_types() -> list[str]:
    """Tasking relations that make the tasked actor a proxy: those a chain crosses."""
    none = domain.Crossing.NONE
    return [t for t in domain.TASKING_TYPES if domain.RELATIONS[t].chain is not none]


def find_cross_proxies(store: Store, *, state: str | None = None) -> list[Tasking]:
    """Proxies of another nationality than the state behind them, by state then actor.

    The rows of ``queries/cross_proxies.cypher``: the taskings of a state's side
    searched a hop at a time (:func:`statecrime.queries.side.side_rows`), kept as the
    text keeps them and in its order.
    """
    proxies = set(proxy_types())
    rows = [
        row
        for row in side_rows(store, state)
        if row["link"]["type"] in proxies
        and row["state"]["country"] is not None
        and row["tasked"]["country"] is not None
        and row["tasked"]["country"] != row["state"]["country"]
    ]
    rows.sort(key=order_by("state.id", "tasked.id", "#route", "link.source", "link.type"))
    return taskings_from_rows(store, rows)


def find_cross_proxies_by_cypher(store: Store, *, state: str | None = None) -> list[Tasking]:
    """:func:`find_cross_proxies` by the one statement of ``queries/cross_proxies.cypher``."""
    rows = store.read(
        query("cross_proxies"), state=state, proxyTypes=proxy_types(), **reach_params()
    )
    return taskings_from_rows(store, rows)
