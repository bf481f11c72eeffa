"""The demo: the curated dataset loaded, proxy chains printed, the HTML view written.

``statecrime demo`` is the README's first command: it shows on a fresh machine
what the tool is for. It loads the curated dataset into the store (the embedded
one unless ``--store`` says otherwise; loading again changes nothing), prints
the proxy chains of three or more hops (state → intermediaries → the actor → its
target) and the tasking links by state, and writes the whole graph as an HTML
view with those chains highlighted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from statecrime.cli_common import fail, settings, store_for
from statecrime.data import curated_files
from statecrime.graph.network import whole_graph
from statecrime.loaders.problems import LoadError
from statecrime.output import OutputFormat, console, emit
from statecrime.queries.chains import find_chains
from statecrime.queries.report import chain_text
from statecrime.queries.taskings import find_taskings

MIN_DEMO_HOPS = 3
"""The demo prints complete chains: state, intermediary, actor, target at least."""
DEMO_MAX_HOPS = 6
"""Long enough for the longest chain in the curated dataset (state to target in 6)."""


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command()
    def demo(
        ctx: typer.Context,
        output: Annotated[
            Path, typer.Option("--output", "-o", help="Where to write the HTML view.")
        ] = Path("statecrime-view.html"),
    ) -> None:
        """Load the curated dataset, print proxy chains and taskings, write the HTML view."""
        fmt = settings(ctx).format
        out = console()
        with store_for(ctx) as store:
            try:
                from statecrime.loaders.load import load_paths

                report = load_paths(store, curated_files())
            except LoadError as exc:
                raise fail(str(exc)) from None
            chains = [
                c
                for c in find_chains(store, max_hops=DEMO_MAX_HOPS)
                if len(c.hops) >= MIN_DEMO_HOPS
            ]
            taskings = find_taskings(store)
            graph = whole_graph(store)
            location = store.location
        from statecrime.views.html import render_html

        written = render_html(
            graph,
            output,
            title="statecrime: proxy chains in the curated dataset",
            highlight=chains,
        ).resolve()
        if fmt is OutputFormat.json:
            document = {
                "store": location,
                "load": report.as_dict(),
                "chains": [c.as_dict() for c in chains],
                "taskings": [t.as_dict() for t in taskings],
                "view": str(written),
            }
            emit(fmt, "demo", document, [], [])
            return
        if fmt is OutputFormat.csv:
            rows = [
                {"grading": c.grading, "hops": len(c.hops), "chain": chain_text(c)} for c in chains
            ]
            emit(fmt, "demo", {}, rows, ["grading", "hops", "chain"])
            return
        added = report.entities.added + report.links.added + report.sources.added
        out.print(
            f"Curated dataset in {location}: {added} records added, "
            f"{report.entities.unchanged + report.links.unchanged + report.sources.unchanged} "
            "already there.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        emit(
            fmt,
            "demo",
            {},
            [
                {"#": n, "grading": c.grading, "hops": len(c.hops), "chain": chain_text(c)}
                for n, c in enumerate(chains, 1)
            ],
            ["#", "grading", "hops", "chain"],
            title=f"Proxy chains of {MIN_DEMO_HOPS}+ hops ({len(chains)}), best graded first",
        )
        emit(
            fmt,
            "demo",
            {},
            [
                {
                    "state": t.state["name"],
                    "tasker": t.tasker["name"],
                    "type": t.link.type,
                    "tasked": t.tasked["name"],
                    "grading": t.grading,
                }
                for t in taskings
            ],
            ["state", "tasker", "type", "tasked", "grading"],
            title=f"Tasking links by state ({len(taskings)})",
        )
        out.print(
            f"HTML view written to {written} ({graph.number_of_nodes()} entities, "
            f"{graph.number_of_edges()} links, {len(chains)} chains highlighted). "
            "Open it in any browser; it needs no network.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        out.print(
            "Next: statecrime show evil-corp | statecrime chains --state ir --min-grading B2 | "
            "statecrime --help",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
