"""What a view shows, chosen the same way from the CLI and from a notebook.

``statecrime view`` and :func:`statecrime.api.view` both come here: one of the
modes (the whole graph, ``around`` an entity, the proxy ``chains`` found with
the chain filters, a read-only ``cypher`` query), then the cuts that apply to
every mode (``as_of`` a day, ``max_tlp``), then the page. :class:`View` holds
the result: it shows inline in Jupyter (``_repr_html_``, as pyvis users
expect) and ``save(path)`` writes the file.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from statecrime.graph import domain
from statecrime.graph.network import whole_graph
from statecrime.graph.store import Store
from statecrime.views.html import (
    Renderer,
    SizeBy,
    html_page,
    in_force,
    page_data,
    render_page,
    write_page,
)
from statecrime.views.tlp import restrict_tlp


class ViewError(ValueError):
    """A view that cannot be drawn as asked; the message says why and what to do."""


def check_day(as_of: str | None) -> str | None:
    """``as_of`` as YYYY-MM-DD, or ViewError naming it."""
    if as_of is None:
        return None
    try:
        return dt.date.fromisoformat(as_of.strip()).isoformat()
    except ValueError:
        raise ViewError(f"{as_of!r} is not a day: write it as YYYY-MM-DD") from None


def restrict_as_of(graph: nx.MultiDiGraph, day: str) -> nx.MultiDiGraph:
    """A copy of ``graph`` keeping only the links in force on ``day`` (entities all kept).

    Read as the chain filters read it: undated links stay, partial dates count
    for the whole span they cover (see :func:`statecrime.views.html.in_force`).
    """
    result = nx.MultiDiGraph()
    result.graph.update(graph.graph)
    result.add_nodes_from(graph.nodes(data=True))
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        if in_force(attrs, day):
            result.add_edge(u, v, key=key, **attrs)
    return result


@dataclass
class View:
    """A drawn view: its graph, title, counts, and the page as HTML text."""

    graph: nx.MultiDiGraph
    title: str
    html: str
    chains: int = 0
    cut: list[dict[str, Any]] = field(default_factory=list)
    renderer: str = "canvas"

    def _repr_html_(self) -> str:
        """The page inside an iframe, as Jupyter shows it: scripts run in their own document."""
        source = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{source}" style="width:100%;height:720px;border:1px solid #cfd8dc"'
            f' title="{html.escape(self.title, quote=True)}"></iframe>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (parents made) and return the path."""
        return write_page(Path(path), self.html, self.graph)

    @property
    def nodes(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def links(self) -> int:
        return self.graph.number_of_edges()


def make_view(
    store: Store,
    *,
    around: str | None = None,
    hops: int = 2,
    through_context: bool = False,
    cap: int | None = 50,
    chains: bool = False,
    chain_filters: Mapping[str, Any] | None = None,
    cypher: str | None = None,
    params: Mapping[str, Any] | None = None,
    as_of: str | None = None,
    max_tlp: str | None = None,
    size_by: SizeBy = "degree",
    renderer: Renderer = "auto",
    positions: Mapping[str, Sequence[float]] | None = None,
    title: str | None = None,
) -> View:
    """The view of ``store`` in one mode, cut to ``as_of`` and ``max_tlp``; ViewError if not."""
    if sum(m for m in (around is not None, chains, cypher is not None)) > 1:
        raise ViewError("choose one of around, chains and cypher")
    day = check_day(as_of)
    highlight: list[Any] | None = None
    cut: dict[str, list[str]] = {}
    cut_report: list[dict[str, Any]] = []
    if around is not None:
        from statecrime.queries.around import find_around

        hood = find_around(store, around, hops, through_context=through_context, cap=cap)
        if hood is None:
            raise ViewError(f"no entity with id {around!r}")
        graph = hood.graph(with_held=True)
        cut, cut_report = hood.held_by(), hood.cut
        name = graph.nodes[around]["name"]
        default_title = f"Around {name} ({hops} hop{'s' if hops != 1 else ''})"
    elif chains:
        from statecrime.queries.chains import chains_graph, find_chains

        filters = dict(chain_filters or {})
        if day is not None:
            filters.setdefault("as_of", day)
        found = find_chains(store, **filters)
        graph = chains_graph(store, found)
        highlight = list(found)
        state = filters.get("state")
        default_title = f"Proxy chains{' from ' + state if state else ''} ({len(found)})"
    elif cypher is not None:
        from statecrime.queries.adhoc import run_cypher

        result = run_cypher(store, cypher, dict(params or {}))
        keep = ids_in(result.rows)
        full = whole_graph(store)
        graph = full.subgraph(keep & set(full.nodes)).copy()
        default_title = "Cypher result"
    else:
        graph = whole_graph(store)
        default_title = "statecrime: states and crime"
    if day is not None:
        graph = restrict_as_of(graph, day)
        default_title += f", in force on {day}"
    if max_tlp is not None:
        level = domain.tlp_level(max_tlp)
        graph = restrict_tlp(graph, level)
        default_title += f" (TLP:{level} and below)"
    if highlight is not None:
        kept = set(graph.nodes)
        highlight = [
            c
            for c in highlight
            if set(c.ids) <= kept
            and all(graph.has_edge(h.source, h.target, h.type) for h in c.hops)
        ]
    cut = {hub: [n for n in ids if n in graph] for hub, ids in cut.items() if hub in graph}
    chosen_title = title or default_title
    data = page_data(
        graph,
        title=chosen_title,
        highlight=highlight,
        size_by=size_by,
        renderer=renderer,
        positions=positions,
        cut=cut,
    )
    return View(
        graph=graph,
        title=chosen_title,
        html=render_page(data),
        chains=len(highlight or []),
        cut=cut_report,
        renderer=data["renderer"],
    )


def view_of_graph(graph: nx.MultiDiGraph, **options: Any) -> View:
    """A :class:`View` of a networkx graph already in hand (see :func:`html_page`)."""
    title = options.setdefault("title", "statecrime")
    text = html_page(graph, **options)
    return View(graph=graph, title=title, html=text, chains=len(options.get("highlight") or []))


def ids_in(value: Any) -> set[str]:
    """The entity ids in a Cypher result value: nodes, paths, relationships, lists, maps."""
    found: set[str] = set()
    if isinstance(value, dict):
        props = value.get("properties")
        if "labels" in value and isinstance(props, dict) and "id" in props:
            found.add(str(props["id"]))
        if "type" in value and "start" in value and "end" in value:
            found.update(str(v) for v in (value["start"], value["end"]) if v is not None)
        for item in value.values():
            found |= ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= ids_in(item)
    return found
