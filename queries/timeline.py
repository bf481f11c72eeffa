"""Timeline: the dated links and incidents around some entities, in order.

``queries/timeline.cypher`` returns the links touching the entities that carry
a ``since`` or ``until`` date, and the dated incidents among or next to them;
with ``chain=True`` (the ids of one chain) only links between two of the
entities and incidents among them. Each link gives an event for its start and
one for its end; each incident one event. Events are ordered by the first day
their (partial) date covers, then starts before incidents before ends, then
by what they join: "since 2019" sorts at 2019-01-01.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from statecrime.graph.dates import PartialDate
from statecrime.graph.store import Store
from statecrime.queries.evidence import evidence, fetch_sources
from statecrime.queries.files import query

_ORDER = {"start": 0, "incident": 1, "end": 2}


@dataclass
class Event:
    """One dated thing: a link starting or ending, or an incident.

    ``date`` is as the source gives it (``2019``, ``2019-12``, ``2019-12-05``);
    ``day`` is the first day it covers, the sort key.
    """

    date: str
    day: str
    event: str
    source: str | None = None
    type: str | None = None
    target: str | None = None
    incident: str | None = None
    title: str = ""
    grading: str | None = None
    note: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def find_timeline(store: Store, ids: Sequence[str], *, chain: bool = False) -> list[Event]:
    """The events around ``ids`` (of one chain when ``chain``), in date order."""
    rows = store.read(query("timeline"), ids=list(ids), chain=chain)
    if not rows:
        return []
    events: list[Event] = []
    for link in rows[0]["links"]:
        for what, date in (("start", link.get("since")), ("end", link.get("until"))):
            if not date:
                continue
            verb = "from" if what == "start" else "until"
            events.append(
                Event(
                    date=date,
                    day=PartialDate(date).first,
                    event=what,
                    source=link["source"],
                    type=link["type"],
                    target=link["target"],
                    title=f"{link['sourceName']} {link['type']} {link['targetName']}"
                    f" ({verb} {date})",
                    grading=link.get("grading"),
                    note=link.get("note"),
                    sources=[{"id": s} for s in link.get("sources") or []],
                )
            )
    seen: set[str] = set()
    for incident in rows[0]["incidents"]:
        if incident["id"] in seen:
            continue
        seen.add(incident["id"])
        events.append(
            Event(
                date=incident["date"],
                day=PartialDate(incident["date"]).first,
                event="incident",
                incident=incident["id"],
                title=incident["name"],
                note=incident.get("description"),
                sources=[{"id": s} for s in incident.get("sources") or []],
            )
        )
    found = fetch_sources(store, (s["id"] for e in events for s in e.sources))
    for event in events:
        event.sources = evidence([s["id"] for s in event.sources], found)
    events.sort(
        key=lambda e: (
            e.day,
            _ORDER[e.event],
            e.source or "",
            e.type or "",
            e.target or "",
            e.incident or "",
        )
    )
    return events
