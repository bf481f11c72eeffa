"""The ``statecrime`` command: load records, ask questions, run Cypher, draw views.

Global options pick the store (``--store`` or ``STATECRIME_STORE``: a folder for
the embedded store, or a Neo4j URI with ``NEO4J_USER``/``NEO4J_PASSWORD`` in the
environment) and what commands print (``--format table|json|csv``). The commands
that answer analysts' questions live in :mod:`statecrime.cli_analysis`, the views
and exports in :mod:`statecrime.cli_views`; this module holds the app, loading,
lookups and Cypher.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from neo4j.exceptions import Neo4jError

from statecrime.cli_common import Settings, fail, settings, store_for
from statecrime.graph.embedded import end_process
from statecrime.graph.store import Store
from statecrime.loaders.load import LoadReport, load_paths
from statecrime.loaders.problems import LoadError
from statecrime.loaders.readers import FORMATS
from statecrime.output import OutputFormat, emit, err_console
from statecrime.queries.adhoc import QueryFailed, WriteRefused, run_cypher
from statecrime.queries.lookup import search, show
from statecrime.values import parse_param

app = typer.Typer(
    name="statecrime",
    help="A knowledge graph of the links between hostile states and crime.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="STATECRIME_STORE",
            help="A folder for the embedded store, or a Neo4j URI (bolt://, neo4j://, "
            "neo4j+s://) with NEO4J_USER and NEO4J_PASSWORD set in the environment.",
            show_default="a folder under your user data directory",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="What commands print: a table, JSON or CSV."),
    ] = OutputFormat.table,
) -> None:
    ctx.obj = Settings(store=store, format=fmt)


def _print_load_report(ctx: typer.Context, report: LoadReport) -> None:
    rows = [
        {"records": name, **vars(getattr(report, name))}
        for name in ("entities", "sources", "links")
    ]
    emit(
        settings(ctx).format,
        "load",
        report.as_dict(),
        rows,
        ["records", "added", "updated", "unchanged"],
        title=f"Loaded {len(report.files)} file(s)",
    )


def load_with_progress(store: Store, paths: list[Path], fmt: str | None) -> LoadReport:
    """Load, showing a progress bar on the terminal while it runs (never in pipes)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with progress:
        task = progress.add_task("loading", total=4)

        def step(phase: str, done: int, total: int) -> None:
            progress.update(task, description=phase, completed=done, total=total)

        return load_paths(store, paths, fmt, on_progress=step)


@app.command()
def load(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Record files: .yaml .yml .json .jsonl .csv")],
    from_: Annotated[
        str | None,
        typer.Option("--from", help=f"Read every file as this format: {', '.join(FORMATS)}."),
    ] = None,
) -> None:
    """Load record files, all or nothing; print what was added, updated and left unchanged."""
    with store_for(ctx) as store:
        try:
            report = load_with_progress(store, paths, from_)
        except LoadError as exc:
            raise fail(str(exc)) from None
    _print_load_report(ctx, report)


@app.command()
def stats(ctx: typer.Context) -> None:
    """Count entities by kind and links by relation type."""
    with store_for(ctx) as store:
        kinds, types = store.counts()
    rows = [{"what": "entity", "name": k, "count": n} for k, n in kinds.items()]
    rows += [{"what": "link", "name": t, "count": n} for t, n in types.items()]
    payload = {
        "entities": kinds,
        "links": types,
        "totals": {"entities": sum(kinds.values()), "links": sum(types.values())},
    }
    emit(settings(ctx).format, "stats", payload, rows, ["what", "name", "count"], title="Store")


@app.command("search")
def search_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Text to find in names, aliases and ids.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many entities.")] = 25,
) -> None:
    """Find entities by name or alias."""
    with store_for(ctx) as store:
        found = search(store, text, limit)
    records = [e.record() for e in found]
    emit(
        settings(ctx).format,
        "search",
        {"query": text, "entities": records},
        records,
        ["id", "kind", "name", "aliases", "country"],
        title=f"Entities matching {text!r}",
    )


@app.command("show")
def show_command(
    ctx: typer.Context,
    entity_id: Annotated[str, typer.Argument(metavar="ID", help="The entity's id.")],
) -> None:
    """Show an entity with its links and the evidence for each."""
    with store_for(ctx) as store:
        view = show(store, entity_id)
    if view is None:
        raise fail(f"no entity with id {entity_id!r} (try: statecrime search TEXT)")
    links = [vars(link) for link in view.links]
    fmt = settings(ctx).format
    payload = {"entity": view.entity.record(), "links": links}
    if fmt is OutputFormat.json:
        emit(fmt, "show", payload, [], [])
        return
    if fmt is OutputFormat.table:
        entity = view.entity
        emit(
            fmt,
            "show",
            payload,
            [{"field": k, "value": v} for k, v in entity.record().items()],
            ["field", "value"],
            title=f"{entity.name} ({entity.kind})",
        )
    rows = [
        {**link, "sources": [f"{s.get('publisher')}, {s.get('date')}" for s in link["sources"]]}
        for link in links
    ]
    columns = ["direction", "type", "other", "otherName", "grading", "since", "until", "sources"]
    emit(fmt, "show", payload, rows, columns, title="Links")


@app.command()
def cypher(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A Cypher query; use $name for parameters.")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="name=value; the value is read as JSON if it can be."),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Let the query write (otherwise it is rolled back).")
    ] = False,
) -> None:
    """Run your own Cypher, read-only unless --write is given."""
    try:
        params = dict(parse_param(p) for p in param or [])
    except ValueError as exc:
        raise fail(str(exc)) from None
    with store_for(ctx) as store:
        try:
            result = run_cypher(store, query, params, write=write)
        except WriteRefused as exc:
            raise fail(str(exc), code=3) from None
        except (QueryFailed, Neo4jError) as exc:
            raise fail(f"the store rejected the query: {exc}") from None
    emit(
        settings(ctx).format,
        "cypher",
        {"columns": result.columns, "rows": result.rows, "counters": result.counters},
        result.rows,
        result.columns,
    )


def _register_subcommands() -> None:
    from statecrime import cli_analysis, cli_demo, cli_views

    cli_analysis.register(app)
    cli_views.register(app)
    cli_demo.register(app)


_register_subcommands()


def main() -> NoReturn:
    """Entry point of the ``statecrime`` script: run the command, then end the process.

    The process ends through :func:`statecrime.graph.embedded.end_process`, which
    keeps the embedded store's Java runtime from crashing it on the way out.
    """
    code = 0
    try:
        app()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
        code = 1
    end_process(code)

