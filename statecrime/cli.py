"""The ``statecrime`` command: load records, ask questions, run Cypher, draw views.

Global options pick the store (``--store`` or ``STATECRIME_STORE``: a folder for
the embedded store, or a Neo4j URI with ``NEO4J_USER``/``NEO4J_PASSWORD`` in the
environment) and what commands print (``--format table|json|csv``). The commands
that answer analysts' questions live in :mod:`statecrime.cli_analysis`, the views
and exports in :mod:`statecrime.cli_views`; this module holds the app, loading,
lookups and Cypher.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from neo4j.exceptions import Neo4jError
from typer.core import TyperCommand

from statecrime import interrupts
from statecrime.cli_common import Settings, fail, settings, store_for
from statecrime.cli_problems import refuse_load, write_problems
from statecrime.graph.embedded import end_process
from statecrime.graph.embedded import set_debug as set_java_debug
from statecrime.graph.store import Store
from statecrime.loaders.problems import LoadError
from statecrime.loaders.summary import ReadOptions
from statecrime.output import OutputFormat, emit, err_console
from statecrime.queries.adhoc import QueryFailed, QueryTimedOut, WriteRefused, run_cypher
from statecrime.queries.lookup import search, show
from statecrime.values import parse_param
from statecrime.watchdog import DEFAULT_TIMEOUT, EXIT_TIMED_OUT

if TYPE_CHECKING:
    # the loaders (and entity resolution's name tables) are imported by the commands that
    # load: a read command starts without them
    from statecrime.loaders.load import LoadReport

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
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0,
            metavar="SECONDS",
            help=f"Stop a read query (and the command) after this many seconds, exit status "
            f"{EXIT_TIMED_OUT}; 0 for no limit. Loads and exports have no limit unless given one.",
            show_default=f"{DEFAULT_TIMEOUT:g} for queries",
        ),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="STATECRIME_DEBUG",
            help="Show the Java runtime's log and Python tracebacks (for reporting a bug).",
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(
        store=store, format=fmt, timeout=command_timeout(timeout, ctx.invoked_subcommand)
    )
    _set_debug(debug)
    interrupts.describe(ctx.invoked_subcommand, json=fmt is OutputFormat.json)


UNBOUNDED_COMMANDS = frozenset({"load", "export", "demo"})
"""Commands that write or copy the whole store: no time limit unless ``--timeout`` gives one."""


def command_timeout(given: float | None, command: str | None) -> float | None:
    """The time limit a command runs under: ``--timeout`` if given (0: none), else the default
    for queries and none for loads and exports."""
    if given is not None:
        return given or None
    return None if command in UNBOUNDED_COMMANDS else DEFAULT_TIMEOUT


def _print_load_report(ctx: typer.Context, report: LoadReport) -> None:
    rows = [
        {"records": name, **vars(getattr(report, name))}
        for name in ("entities", "sources", "links")
    ]
    if settings(ctx).format is OutputFormat.table:
        _print_load_notes(report)
    emit(
        settings(ctx).format,
        "load",
        report.as_dict(),
        rows,
        ["records", "added", "updated", "unchanged"],
        title=f"Loaded {len(report.files)} file(s)",
    )


def _print_load_notes(report: LoadReport) -> None:
    """On the terminal (stderr), what the readers skipped, left unmapped, and merged."""
    console = err_console()
    for title, table in (("not imported", report.skipped), ("not mapped", report.unmapped)):
        for file, counts in table.items():
            console.print(f"{Path(file).name}: {title}:")
            for what, count in sorted(counts.items()):
                console.print(f"  {count:>7}  {what}")
    for merge in report.merged:
        console.print(
            f"merged {merge['merged']} into {merge['kept']} ({merge['rule']} {merge['key']!r})"
        )
    if report.removed:
        console.print(f"{len(report.removed)} stored node(s) merged away and removed")


def load_with_progress(
    store: Store, paths: list[Path], fmt: str | None, **options: Any
) -> LoadReport:
    """Load, showing a progress bar on the terminal while it runs (never in pipes)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from statecrime.loaders.load import load_paths

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

        return load_paths(store, paths, fmt, on_progress=step, **options)


FROM_HELP = "Read every file as this format: {formats}."
"""The help of ``load --from``; the formats are filled in as the help is shown."""


class LoadCommand(TyperCommand):
    """``load``, whose ``--from`` help names the readers' formats.

    The readers import the pydantic models (0.2 s of a command's start): they are
    imported to show this help or to load, not by every command.
    """

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from statecrime.loaders.readers import FORMATS

        for param in self.params:
            if param.name == "from_":
                param.help = FROM_HELP.format(formats=", ".join(FORMATS))
        super().format_help(ctx, formatter)


@app.command(cls=LoadCommand)
def load(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Record files: .yaml .yml .json .jsonl .csv"),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help=FROM_HELP.format(formats="see load --help")),
    ] = None,
    problems_file: Annotated[
        Path | None,
        typer.Option(
            "--problems",
            metavar="FILE",
            help="Write every problem of a refused load to FILE, one JSON object a line "
            "(an empty file when the load succeeds).",
        ),
    ] = None,
    misp_galaxy: Annotated[
        list[str] | None,
        typer.Option(
            "--misp-galaxy",
            help="Also load a MISP galaxy shipped by pymispgalaxies: threat-actor, "
            "intelligence-agencies.",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Refuse a file rather than skip what cannot be mapped."),
    ] = False,
    date: Annotated[
        str | None,
        typer.Option("--date", help="The date of a file's Source when the file gives none."),
    ] = None,
    judgements: Annotated[
        list[Path] | None,
        typer.Option(
            "--judgements",
            envvar="STATECRIME_JUDGEMENTS",
            help="A YAML file of merge judgements (ids judged the same or different).",
        ),
    ] = None,
    resolution: Annotated[
        bool,
        typer.Option("--resolve/--no-resolve", help="Merge records of one actor."),
    ] = True,
) -> None:
    """Load record files, all or nothing; print what was added, updated and left unchanged."""
    from statecrime.loaders.resolve import read_judgements

    files = list(paths or [])
    if not files and not misp_galaxy:
        raise fail("give record files, or --misp-galaxy NAME")
    options = {"options": ReadOptions(strict, date), "resolution": resolution}
    report: LoadReport | None = None
    with store_for(ctx) as store:
        try:
            options["judgements"] = read_judgements(judgements or [])
            if misp_galaxy:
                from statecrime.loaders.misp import galaxy_path

                # one load with the record files: all or nothing, one summary
                options["also"] = [(galaxy_path(name), "misp-galaxy") for name in misp_galaxy]
            report = load_with_progress(store, files, from_, **options)
        except LoadError as exc:
            raise refuse_load(settings(ctx).format, exc.problems, problems_file) from None
    if problems_file is not None:
        write_problems(problems_file, [])
    assert report is not None
    _print_load_report(ctx, report)


@app.command("explain-merge")
def explain_merge(
    ctx: typer.Context,
    entity_id: Annotated[
        str, typer.Argument(metavar="ID", help="An entity's id, or an id a merge retired.")
    ],
) -> None:
    """Say why records were merged into an entity: which records, which rule, which load."""
    from statecrime.loaders.resolve import current_id, merges_of

    with store_for(ctx) as store:
        held = current_id(store, entity_id)
        entity = store.fetch_entities([held]).get(held) if held else None
    if entity is None:
        raise fail(f"no entity with id {entity_id!r}, and no merge retired that id")
    merges = merges_of(entity)
    if entity_id != entity.id:
        merges = [m for m in merges if m.get("merged") == entity_id] or merges
    emit(
        settings(ctx).format,
        "explain-merge",
        {"query": entity_id, "entity": entity.id, "merges": merges},
        merges,
        ["merged", "kept", "rule", "key", "records", "load", "at"],
        title=f"Merges into {entity.name} ({entity.id})",
    )


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
            from statecrime.loaders.resolve import current_id

            held = current_id(store, entity_id)  # an id a merge retired
            view = show(store, held) if held else None
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
        {
            **link,
            "sources": [
                f"{s.get('publisher')}, {s.get('date') or 'undated'}" for s in link["sources"]
            ],
        }
        for link in links
    ]
    columns = ["direction", "type", "other", "otherName", "grading", "since", "until", "sources"]
    emit(fmt, "show", payload, rows, columns, title="Links")


EXIT_WRITE_REFUSED = 3
"""Exit status of ``cypher`` when the store refused a write of a query without --write."""


@app.command()
def cypher(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A Cypher query; use $name for parameters.")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="name=value; the value is read as JSON if it can be."),
    ] = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Let the query write (otherwise the store refuses writes)."),
    ] = False,
) -> None:
    """Run your own Cypher, read-only unless --write is given.

    Without --write the store itself refuses any write (exit status 3); a query
    that runs past --timeout is stopped (exit status 124).
    """
    try:
        params = dict(parse_param(p) for p in param or [])
    except ValueError as exc:
        raise fail(str(exc)) from None
    if write and ctx.find_root().params.get("timeout") is None:
        settings(ctx).timeout = None  # a write is a load: no limit unless --timeout gives one
    with store_for(ctx) as store:
        try:
            result = run_cypher(store, query, params, write=write, timeout=settings(ctx).timeout)
        except WriteRefused as exc:
            raise fail(str(exc), code=EXIT_WRITE_REFUSED) from None
        except QueryTimedOut as exc:
            raise fail(str(exc), code=EXIT_TIMED_OUT) from None
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


_debugging = [False]
"""Whether ``--debug`` was given: tracebacks and the Java runtime's log are shown."""


def _set_debug(on: bool) -> None:
    """``--debug``: Java's log on the terminal, Python's logging at INFO, tracebacks shown."""
    _debugging[0] = on
    set_java_debug(on)
    if on:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    else:
        # the driver logs a lost connection itself; the command says it in one line
        driver_log = logging.getLogger("neo4j")
        if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
            driver_log.addHandler(logging.NullHandler())
        driver_log.propagate = False


def _guess_json(argv: list[str]) -> bool:
    """Whether the command line asks for JSON, for a signal that comes before it is parsed."""
    for i, arg in enumerate(argv):
        if arg in ("-f", "--format") and argv[i + 1 : i + 2] == ["json"]:
            return True
        if arg in ("-fjson", "--format=json"):
            return True
    return False


def _unexpected(exc: BaseException) -> int:
    """A failure no command turned into a clear message: one line, or the traceback if debugging."""
    if _debugging[0]:
        traceback.print_exception(exc)
    else:
        print(
            f"error: unexpected {type(exc).__name__}: {exc} "
            "(run again with --debug to see where)",
            file=sys.stderr,
        )
    return 1


def main() -> NoReturn:
    """Entry point of the ``statecrime`` script: run the command, then end the process.

    SIGHUP, SIGINT and SIGTERM are handled by :mod:`statecrime.interrupts`: the
    command unwinds (rolling back, closing the store) and ends here with one
    line and status 128 + the signal's number, whatever error the unwinding met.
    The process ends through :func:`statecrime.graph.embedded.end_process`, which
    keeps the embedded store's Java runtime from crashing it on the way out.
    """
    interrupts.install()
    interrupts.describe(None, json=_guess_json(sys.argv[1:]))
    code = 0
    try:
        app()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except interrupts.Interrupted:
        pass
    except KeyboardInterrupt:  # only before the handlers were installed
        code = 130
    except BaseException as exc:
        if interrupts.received() is None:
            code = _unexpected(exc)
    if interrupts.received() is not None:
        code = interrupts.report()
    interrupts.ignore()
    end_process(code)

