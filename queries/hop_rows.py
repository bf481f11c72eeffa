"""The columns the hop-at-a-time searches read, and the rows they build from them.

Why one place: the searches that expand a frontier a level at a time
(:mod:`statecrime.queries.side`, :mod:`statecrime.queries.paths_between`) return
each reached node's fields and each crossed link's fields as positional lists,
and shape them back into the maps the ``.cypher`` texts return. The column
lists and the unpacking must agree in order; declaring both here keeps them so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

NODE_FIELDS = ("id", "kind", "name", "country")
"""What a search row shows of an entity (the texts' ``n {.id, .kind, .name, .country}``)."""
NODE_COLUMNS = ", ".join(f"b.{name}" for name in NODE_FIELDS)
"""The other end's fields, in :data:`NODE_FIELDS` order, as a hop text returns them (``b``)."""
LINK_FIELDS = ("grading", "since", "until", "note", "sources")
"""A crossed link's fields, in the order :func:`hop_row` takes them."""
LINK_COLUMNS = ", ".join(f"r.{name}" for name in LINK_FIELDS)
"""The link's fields as a hop text returns them (``r``)."""


def node_row(props: Sequence[Any]) -> dict[str, Any]:
    """An entity's map from its :data:`NODE_COLUMNS` values."""
    return dict(zip(NODE_FIELDS, props, strict=True))


def hop_row(
    source: str, target: str, kind: str, forward: bool, props: Sequence[Any]
) -> dict[str, Any]:
    """A link as the ``.cypher`` texts return a hop, from its ends, type, the way it is
    crossed and its :data:`LINK_COLUMNS` values."""
    grading, since, until, note, sources = props
    return {
        "source": source,
        "target": target,
        "type": kind,
        "direction": "forward" if forward else "backward",
        "grading": grading,
        "since": since,
        "until": until,
        "note": note,
        "sources": sources,
    }
