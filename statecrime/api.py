"""The public Python API: what a script or a notebook needs, from one import.

>>> from statecrime import api                                   # doctest: +SKIP
>>> with api.open_store("/tmp/store") as store:                  # doctest: +SKIP
...     api.load_paths(store, api.curated_files())
...     chains = api.find_chains(store, state="kp", min_grading="B2")
...     api.render_html(api.whole_graph(store), Path("view.html"),
...                     highlight=chains)
...     api.view(store, around="evil-corp", hops=2)                # doctest: +SKIP

``api.view(...)`` returns a :class:`View`: in Jupyter it shows inline (it has
``_repr_html_``), and ``.save(path)`` writes the page.

Everything here is also reachable from its own module; this module only
gathers the names an analyst needs and promises to keep them.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from statecrime.data import curated_files
from statecrime.graph.connect import open_store
from statecrime.graph.grading import Grading, worst
from statecrime.graph.model import Entity, Link
from statecrime.graph.network import to_networkx, whole_graph
from statecrime.graph.store import Store
from statecrime.loaders.load import LoadReport, load_paths
from statecrime.loaders.problems import LoadError, Problem
from statecrime.queries.adhoc import run_cypher
from statecrime.queries.analysis import brokers, communities
from statecrime.queries.around import find_around
from statecrime.queries.chains import Chain, find_chains
from statecrime.queries.cross_proxies import find_cross_proxies
from statecrime.queries.lookup import search, show
from statecrime.queries.paths import find_paths
from statecrime.queries.taskings import find_backers, find_taskings
from statecrime.views.build import View, make_view, view_of_graph
from statecrime.views.export import export_graph
from statecrime.views.html import render_html
from statecrime.views.tlp import restrict_tlp

__all__ = [
    "Chain",
    "Entity",
    "Grading",
    "Link",
    "LoadError",
    "LoadReport",
    "Problem",
    "Store",
    "View",
    "brokers",
    "communities",
    "curated_files",
    "export_graph",
    "find_around",
    "find_backers",
    "find_chains",
    "find_cross_proxies",
    "find_paths",
    "find_taskings",
    "load_paths",
    "open_store",
    "render_html",
    "restrict_tlp",
    "run_cypher",
    "search",
    "show",
    "to_networkx",
    "view",
    "whole_graph",
    "worst",
]


def view(source: Store | nx.MultiDiGraph, **options: Any) -> View:
    """A view of a store (``around=``, ``chains=True`` with ``chain_filters=``,
    ``cypher=``, ``as_of=``, ``max_tlp=``, ``renderer=``...; see
    :func:`statecrime.views.build.make_view`) or of a networkx graph in hand
    (``title=``, ``highlight=``, ``renderer=``...; see
    :func:`statecrime.views.html.page_data`).
    """
    if isinstance(source, nx.Graph):
        return view_of_graph(source, **options)
    return make_view(source, **options)
