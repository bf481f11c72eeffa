"""Taskings: who tasks, pays, directs, sponsors, uses or tolerates whom, by state.

``queries/taskings.cypher`` lists the tasking links on each state's side;
``queries/backers.cypher`` is the inverse, the states behind one actor. Both
return the same record, a :class:`Tasking`: the state, the route by which the
state reaches the tasker (empty when the state tasks directly), the tasking
link itself, and the actor tasked.

A state's side is what it reaches crossing control and membership relations
the way proxy chains cross them (:mod:`statecrime.queries.chains`): its
agencies (back along PART_OF), their officers (back along MEMBER_OF), the
actors they task, lead or sponsor, at most 4 hops. TOLERATES is a tasking link
(it is listed) but carries no route: a tolerated group's own taskings are not
put on the tolerating state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from statecrime.graph import domain
from statecrime.graph.grading import Grading, worst
from statecrime.graph.store import Store
from statecrime.queries.evidence import Hop, attach
from statecrime.queries.files import query
from statecrime.queries.side import REACH_BACKWARD, REACH_FORWARD, backer_rows, side_rows


def reach_params() -> dict[str, list[str]]:
    """The relation types of a state's side, read from the domain declaration
    (:data:`statecrime.queries.side.REACH_FORWARD`, ``REACH_BACKWARD``)."""
    return {"reachForward": list(REACH_FORWARD), "reachBackward": list(REACH_BACKWARD)}


@dataclass
class Tasking:
    """A tasking link and the state behind it.

    ``via`` lists the entities from the state to the tasker (the state alone
    when it tasks directly), ``route`` the hops between them, ``link`` the
    tasking itself, ``grading`` the worst of route and link: how sure it is that
    this state stands behind this tasking.
    """

    state: dict[str, Any]
    via: list[dict[str, Any]]
    route: list[Hop]
    link: Hop
    tasked: dict[str, Any]
    grading: str

    @property
    def tasker(self) -> dict[str, Any]:
        return self.via[-1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": dict(self.state),
            "grading": self.grading,
            "tasker": dict(self.tasker),
            "type": self.link.type,
            "tasked": dict(self.tasked),
            "via": [dict(node) for node in self.via],
            "route": [asdict(hop) for hop in self.route],
            "link": asdict(self.link),
        }


def _node(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: raw.get(k) for k in ("id", "kind", "name", "country")}


def taskings_from_rows(store: Store, rows: list[dict[str, Any]]) -> list[Tasking]:
    """Tasking records from the rows of taskings-shaped queries, evidence attached."""
    found = []
    for row in rows:
        route = [Hop.from_row(h) for h in row["route"]]
        link = Hop.from_row(row["link"])
        grading = worst(Grading.parse(h.grading) for h in [*route, link])
        found.append(
            Tasking(
                state=_node(row["state"]),
                via=[_node(n) for n in row["via"]],
                route=route,
                link=link,
                tasked=_node(row["tasked"]),
                grading=str(grading),
            )
        )
    attach(store, [hop for t in found for hop in [*t.route, t.link]])
    return found


def find_taskings(store: Store, *, state: str | None = None) -> list[Tasking]:
    """The taskings on the side of ``state`` (every state when None), by state then route length.

    The rows of ``queries/taskings.cypher``, searched a hop at a time
    (:mod:`statecrime.queries.side`): at 1M entities the text's untyped walk ran past
    its time limit.
    """
    return taskings_from_rows(store, side_rows(store, state))


def find_taskings_by_cypher(store: Store, *, state: str | None = None) -> list[Tasking]:
    """:func:`find_taskings` by the one statement of ``queries/taskings.cypher`` (the text
    analysts read and adapt; the tests hold the two answers equal)."""
    rows = store.read(
        query("taskings"),
        state=state,
        taskingTypes=list(domain.TASKING_TYPES),
        **reach_params(),
    )
    return taskings_from_rows(store, rows)


def find_backers(store: Store, actor: str) -> list[Tasking]:
    """The states behind ``actor``: each tasking link into it, with each state behind the tasker.

    The rows of ``queries/backers.cypher``, searched a hop at a time back from each
    tasker (:func:`statecrime.queries.side.backer_rows`).
    """
    return taskings_from_rows(store, backer_rows(store, actor))


def find_backers_by_cypher(store: Store, actor: str) -> list[Tasking]:
    """:func:`find_backers` by the one statement of ``queries/backers.cypher``."""
    rows = store.read(
        query("backers"), id=actor, taskingTypes=list(domain.TASKING_TYPES), **reach_params()
    )
    return taskings_from_rows(store, rows)


def by_state(taskings: list[Tasking]) -> dict[str, list[Tasking]]:
    """Taskings grouped by the id of the state behind them, in the order given."""
    groups: dict[str, list[Tasking]] = {}
    for tasking in taskings:
        groups.setdefault(tasking.state["id"], []).append(tasking)
    return groups
