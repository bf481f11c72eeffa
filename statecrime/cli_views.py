"""Commands that draw views and write exports: ``statecrime view`` and ``statecrime export``.

A view is one self-contained HTML file (no network needed to open it) of the
whole graph, an entity's neighbourhood, the result of a chains query, or of an
analyst's Cypher. ``--max-tlp`` leaves out what is marked above a level so that
a view or an export can be shared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from statecrime.cli_analysis import (
    CrimeOption,
    MaxHopsOption,
    MinGradingOption,
    StateOption,
    TargetCountryOption,
)
from statecrime.cli_common import fail, settings, store_for
from statecrime.graph import domain
from statecrime.graph.network import whole_graph
from statecrime.output import emit
from statecrime.queries.around import DEFAULT_CAP
from statecrime.queries.chains import DEFAULT_MAX_HOPS

TLP_HELP = (
    "Leave out links and sources marked above this TLP level "
    f"({', '.join(domain.TLP_LEVELS)}); default: keep everything."
)


def _check_tlp(level: str | None) -> str | None:
    if level is None:
        return None
    try:
        return domain.tlp_level(level)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add ``view`` and ``export`` to ``app``."""
    @app.command()
    def view(
        ctx: typer.Context,
        output: Annotated[
            Path, typer.Option("--output", "-o", help="The HTML file to write.")
        ] = Path("statecrime-view.html"),
        around: Annotated[
            str | None, typer.Option("--around", metavar="ID", help="Only ID's neighbourhood.")
        ] = None,
        hops: Annotated[int, typer.Option(help="With --around: how many hops out (1-3).")] = 2,
        through_context: Annotated[
            bool,
            typer.Option(
                "--through-context",
                help="With --around: cross context relations too "
                f"({', '.join(domain.CONTEXT_TYPES)}).",
            ),
        ] = False,
        cap: Annotated[
            int,
            typer.Option(
                min=1, help="With --around: a node shows at most this many new neighbours, "
                "the rest behind '+N more'."
            ),
        ] = DEFAULT_CAP,
        chains: Annotated[
            bool, typer.Option("--chains", help="The proxy chains found with the filters below.")
        ] = False,
        state: StateOption = None,
        max_hops: MaxHopsOption = DEFAULT_MAX_HOPS,
        min_grading: MinGradingOption = None,
        as_of: Annotated[
            str | None,
            typer.Option(help="Only links in force on this day (YYYY-MM-DD), in every mode."),
        ] = None,
        target_country: TargetCountryOption = None,
        crime: CrimeOption = None,
        cypher: Annotated[
            str | None,
            typer.Option(
                "--cypher",
                metavar="QUERY",
                help="The nodes and paths a read-only Cypher query returns.",
            ),
        ] = None,
        param: Annotated[
            list[str] | None, typer.Option("--param", "-p", help="With --cypher: name=value.")
        ] = None,
        max_tlp: Annotated[str | None, typer.Option("--max-tlp", help=TLP_HELP)] = None,
        size_by: Annotated[
            str, typer.Option(help="Node size by 'degree' or 'betweenness'.")
        ] = "degree",
        renderer: Annotated[
            str,
            typer.Option(
                help="canvas (vis-network), webgl (sigma.js, for large graphs) or auto (by size)."
            ),
        ] = "auto",
        positions: Annotated[
            Path | None,
            typer.Option(
                "--positions",
                metavar="FILE",
                help="Place nodes as in a layout saved from the page (its Save layout button).",
            ),
        ] = None,
    ) -> None:
        """Write an interactive HTML network view that opens in any browser, offline."""
        from statecrime.queries.adhoc import QueryFailed, WriteRefused
        from statecrime.queries.bounded import BoundError
        from statecrime.values import parse_param
        from statecrime.views.build import ViewError, make_view
        from statecrime.views.html import RENDERERS, read_positions
        from statecrime.views.webgl import RendererUnavailable

        modes = [m for m in (around is not None, chains, cypher is not None) if m]
        if len(modes) > 1:
            raise fail("choose one of --around, --chains and --cypher")
        if size_by not in ("degree", "betweenness"):
            raise fail("--size-by takes 'degree' or 'betweenness'")
        if renderer not in RENDERERS:
            raise fail(f"--renderer takes {', '.join(RENDERERS)}")
        level = _check_tlp(max_tlp)
        try:
            placed = read_positions(positions) if positions is not None else None
            params = dict(parse_param(p) for p in param or [])
        except ValueError as exc:
            raise fail(str(exc)) from None
        filters = {
            "state": state,
            "max_hops": max_hops,
            "min_grading": min_grading,
            "as_of": as_of,
            "target_country": target_country,
            "crime": crime,
        }
        with store_for(ctx) as store:
            try:
                drawn = make_view(
                    store,
                    around=around,
                    hops=hops,
                    through_context=through_context,
                    cap=cap,
                    chains=chains,
                    chain_filters=filters,
                    cypher=cypher,
                    params=params,
                    as_of=as_of,
                    max_tlp=level,
                    size_by=size_by,  # type: ignore[arg-type]
                    renderer=renderer,  # type: ignore[arg-type]
                    positions=placed,
                )
            except WriteRefused as exc:
                raise fail(str(exc), code=3) from None
            except (ViewError, BoundError, QueryFailed, RendererUnavailable, ValueError) as exc:
                raise fail(str(exc)) from None
        written = drawn.save(output)
        row = {
            "output": str(written.resolve()),
            "nodes": drawn.nodes,
            "links": drawn.links,
            "renderer": drawn.renderer,
        }
        emit(
            settings(ctx).format,
            "view",
            {**row, "chains": drawn.chains, "cut": drawn.cut},
            [row],
            list(row),
            title="View written",
        )

    @app.command()
    def export(
        ctx: typer.Context,
        to: Annotated[
            str,
            typer.Option(
                "--to",
                help="graphml, gexf, json, stix, ftm, or neo4j-import (CSV files for "
                "neo4j-admin, --output is a folder).",
            ),
        ] = "json",
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="The file to write.")
        ] = None,
        max_tlp: Annotated[str | None, typer.Option("--max-tlp", help=TLP_HELP)] = None,
    ) -> None:
        """Export the graph for Gephi, Cytoscape or scripts (JSON loads back with `load`)."""
        if to == "neo4j-import":
            _export_neo4j_import(ctx, output or Path("statecrime-neo4j-import"), max_tlp)
            return
        if to not in ("graphml", "gexf", "json", "stix", "ftm"):
            raise fail("--to takes graphml, gexf, json, stix, ftm or neo4j-import")
        from statecrime.views.export import export_graph
        from statecrime.views.tlp import restrict_tlp

        level = _check_tlp(max_tlp)
        target = output or Path(f"statecrime-export.{to}")
        with store_for(ctx) as store:
            graph = whole_graph(store)
        if level is not None:
            graph = restrict_tlp(graph, level)
        written = export_graph(graph, to, target)  # type: ignore[arg-type]
        row = {
            "output": str(written.resolve()),
            "format": to,
            "nodes": graph.number_of_nodes(),
            "links": graph.number_of_edges(),
        }
        emit(settings(ctx).format, "export", row, [row], list(row), title="Export written")



def _export_neo4j_import(ctx: typer.Context, folder: Path, max_tlp: str | None) -> None:
    """Write the neo4j-admin CSV files of the whole store and print the import command."""
    from statecrime.views.neo4j_import import ExportValueError, export_neo4j_import

    if max_tlp is not None:
        raise fail("--max-tlp is not available with --to neo4j-import: it copies the whole store")
    with store_for(ctx) as store:
        entities, links = store.all_entities(), store.all_links()
    try:
        files, command = export_neo4j_import(entities, links, folder)
    except ExportValueError as exc:
        raise fail(str(exc)) from None
    row = {
        "output": str(folder.resolve()),
        "format": "neo4j-import",
        "files": len(files),
        "nodes": len(entities),
        "links": len(links),
        "command": command,
    }
    emit(settings(ctx).format, "export", row, [row], list(row), title="Export written")
