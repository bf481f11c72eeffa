"""Commands that answer analysts' questions: chains, taskings, backers, cross-proxies,
paths, around, brokers, communities, timeline, report.

Each command is three steps: ask the store (a function of :mod:`statecrime.queries`),
shape the answer (a pure ``*_output`` function returning the JSON payload and
the flat rows of the table and CSV), print it with :func:`statecrime.output.emit`.
The shaping functions take no store, so the tests check the output of every
command without starting one. The JSON of each command is documented, with an
example, in ``queries/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from statecrime.cli_common import fail, settings, store_for
from statecrime.graph import domain
from statecrime.queries.analysis import DEFAULT_EXCLUDE, Broker, Communities
from statecrime.queries.around import DEFAULT_HOPS, Neighbourhood
from statecrime.queries.chains import DEFAULT_MAX_HOPS, Chain, chains_graph
from statecrime.queries.evidence import Hop
from statecrime.queries.paths import Connection
from statecrime.queries.report import chain_text
from statecrime.queries.taskings import Tasking, by_state
from statecrime.queries.timeline import Event


class Output(NamedTuple):
    """What a command prints: the JSON body, and the flat rows for table and CSV."""

    payload: dict[str, Any]
    rows: list[dict[str, Any]]
    columns: list[str]
    title: str
    narrow: list[str] | None = None
    """The columns of the terminal table when it cannot hold them all (CSV keeps all)."""


def cite(sources: Sequence[dict[str, Any]]) -> list[str]:
    """Sources as a table cell shows them: publisher and date."""
    return [f"{s.get('publisher') or s['id']}, {s.get('date') or 'n.d.'}" for s in sources]


def _hop_cells(hops: Sequence[Hop]) -> list[str]:
    return [
        f"{h.source} {h.type} {h.target} {h.grading}"
        + (f" since {h.since}" if h.since else "")
        + (f" until {h.until}" if h.until else "")
        for h in hops
    ]


def chains_output(
    chains: Sequence[Chain], query: dict[str, Any], *, body: bool = True, table: bool = True
) -> Output:
    """The chains as the command prints them; ``body=False`` leaves the JSON chains out and
    ``table=False`` the flat rows (a command printing one format needs only its own: at 1M
    the two together were a third of the cold command)."""
    # chains share their entities and hops: each hop's citations and each entity's and
    # hop's JSON are made once (at 100k a hub's 11,430 chains took 2.4 times the search
    # to shape when every chain made its own)
    cited: dict[int, list[str]] = {}
    shared: dict[int, dict[str, Any]] = {}
    rows, documents = [], []
    for n, c in enumerate(chains, 1):
        if body:
            document = c.as_dict(shared)
            documents.append(document)
        if not table:
            continue
        lines = set()
        for h in c.hops:
            found = cited.get(id(h))
            if found is None:
                found = cited[id(h)] = cite(h.sources)
            lines.update(found)
        rows.append(
            {
                "#": n,
                "grading": document["grading"] if body else c.grading,
                "hops": len(c.hops),
                "chain": chain_text(c),
                "ids": " ".join(node["id"] for node in c.nodes),
                "sources": sorted(lines),
            }
        )
    payload = {"query": query, "count": len(chains), "chains": documents}
    where = f"from {query['state']}" if query.get("state") else "from every state"
    return Output(
        payload,
        rows,
        ["#", "grading", "hops", "chain", "sources"],
        f"Proxy chains {where} ({len(chains)})",
    )


def _tasking_row(t: Tasking) -> dict[str, Any]:
    return {
        "state": t.state["id"],
        "tasker": t.tasker["name"],
        "type": t.link.type,
        "tasked": t.tasked["name"],
        "via": " > ".join(n["name"] for n in t.via[1:-1]),
        "grading": t.grading,
        "since": t.link.since,
        "until": t.link.until,
        "sources": cite(t.link.sources),
    }


def taskings_output(taskings: Sequence[Tasking], state: str | None) -> Output:
    groups = by_state(list(taskings))
    payload = {
        "query": {"state": state},
        "count": len(taskings),
        "states": [
            {"state": items[0].state, "taskings": [t.as_dict() for t in items]}
            for items in groups.values()
        ],
    }
    columns = ["state", "tasker", "type", "tasked", "via", "grading", "since", "until", "sources"]
    title = f"Taskings on the side of {state}" if state else "Taskings by state"
    return Output(payload, [_tasking_row(t) for t in taskings], columns, title)


def backers_output(backers: Sequence[Tasking], actor: dict[str, Any]) -> Output:
    groups = by_state(list(backers))
    payload = {
        "actor": actor,
        "count": len(backers),
        "states": [
            {"state": items[0].state, "backing": [t.as_dict() for t in items]}
            for items in groups.values()
        ],
    }
    rows = [
        {
            "state": t.state["name"],
            "route": " > ".join(n["name"] for n in t.via),
            "type": t.link.type,
            "grading": t.grading,
            "sources": cite(t.link.sources),
        }
        for t in backers
    ]
    title = f"States behind {actor['name']} ({len(groups)})"
    return Output(payload, rows, ["state", "route", "type", "grading", "sources"], title)


def cross_proxies_output(found: Sequence[Tasking], state: str | None) -> Output:
    payload = {
        "query": {"state": state},
        "count": len(found),
        "proxies": [t.as_dict() for t in found],
    }
    rows = [
        {
            "state": t.state["name"],
            "stateCountry": t.state["country"],
            "tasker": t.tasker["name"],
            "type": t.link.type,
            "proxy": t.tasked["name"],
            "proxyCountry": t.tasked["country"],
            "grading": t.grading,
            "sources": cite(t.link.sources),
        }
        for t in found
    ]
    columns = [
        "state",
        "stateCountry",
        "tasker",
        "type",
        "proxy",
        "proxyCountry",
        "grading",
        "sources",
    ]
    for row in rows:
        row["stateWithCountry"] = f"{row['state']} ({row['stateCountry']})"
        row["proxyWithCountry"] = f"{row['proxy']} ({row['proxyCountry']})"
    narrow = ["stateWithCountry", "tasker", "type", "proxyWithCountry", "grading", "sources"]
    return Output(payload, rows, columns, f"Cross-nationality proxies ({len(found)})", narrow)


def paths_output(connection: Connection) -> Output:
    rows = [
        {
            "set": name,
            "hops": len(p.hops),
            "grading": p.grading,
            "path": " ".join(
                [p.nodes[0]["name"]]
                + [
                    part
                    for hop, node in zip(p.hops, p.nodes[1:], strict=True)
                    for part in (
                        f"-{hop.type}->" if hop.direction == "forward" else f"<-{hop.type}-",
                        node["name"],
                    )
                ]
            ),
            "sources": sorted({line for h in p.hops for line in cite(h.sources)}),
        }
        for name, paths in (("shortest", connection.shortest), ("all", connection.paths))
        for p in paths
    ]
    title = (
        f"Paths from {connection.source} to {connection.target} "
        f"({len(connection.shortest)} shortest, {len(connection.paths)} up to "
        f"{connection.max_hops} hops)"
    )
    return Output(connection.as_dict(), rows, ["set", "hops", "grading", "path", "sources"], title)


def around_output(hood: Neighbourhood) -> Output:
    names = {e.id: e.name for e in hood.entities}
    rows = [
        {
            "source": names.get(link.source, link.source),
            "type": link.type,
            "target": names.get(link.target, link.target),
            "grading": link.grading,
            "since": link.since,
            "until": link.until,
        }
        for link in hood.links
    ]
    title = (
        f"Within {hood.hops} hop(s) of {hood.center}: "
        f"{len(hood.entities)} entities, {len(hood.links)} links"
    )
    return Output(
        hood.as_dict(), rows, ["source", "type", "target", "grading", "since", "until"], title
    )


def brokers_output(brokers: Sequence[Broker], exclude: Sequence[str]) -> Output:
    rows = [{"#": n, **b.as_dict()} for n, b in enumerate(brokers, 1)]
    payload = {"excluded": list(exclude), "brokers": [b.as_dict() for b in brokers]}
    columns = ["#", "id", "name", "kind", "country", "stateCrime", "betweenness", "degree"]
    narrow = ["#", "name", "kind", "stateCrime", "betweenness", "degree"]
    return Output(payload, rows, columns, "Brokers between states and crime", narrow)


def communities_output(found: Communities, exclude: Sequence[str]) -> Output:
    rows = [
        {
            "community": c.index,
            "size": c.size,
            "states": c.states,
            "members": [m["name"] for m in c.members],
        }
        for c in found.communities
    ]
    payload = {"excluded": list(exclude), **found.as_dict()}
    title = (
        f"Communities (Louvain, modularity {found.modularity:.3f}; "
        f"{found.isolated} unlinked entities left out)"
    )
    return Output(payload, rows, ["community", "size", "states", "members"], title)


def timeline_output(events: Sequence[Event], ids: Sequence[str], chain: bool) -> Output:
    rows = [
        {
            "date": e.date,
            "event": e.event,
            "what": e.title,
            "grading": e.grading,
            "sources": cite(e.sources),
        }
        for e in events
    ]
    payload = {
        "query": {"ids": list(ids), "chain": chain},
        "count": len(events),
        "events": [e.as_dict() for e in events],
    }
    title = f"Timeline of {', '.join(ids)}"
    return Output(payload, rows, ["date", "event", "what", "grading", "sources"], title)


StateOption = Annotated[
    str | None, typer.Option(help="Start from this entity id (default: every state).")
]
MaxHopsOption = Annotated[int, typer.Option(help="Longest chain searched, 1 to 6 hops.")]
MinGradingOption = Annotated[
    str | None,
    typer.Option(help="Every hop graded at least this, in both dimensions (e.g. B2)."),
]
AsOfOption = Annotated[
    str | None, typer.Option(help="Every hop in force on this day (YYYY-MM-DD).")
]
TargetCountryOption = Annotated[
    str | None, typer.Option(help="The chain's last entity has this country (e.g. GB).")
]
CrimeOption = Annotated[
    str | None, typer.Option(help="An entity of the chain has this crime type.")
]
"""The chain filters, declared once for ``chains`` and ``view --chains``."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    from statecrime.output import OutputFormat, emit, err_console

    def show(ctx: typer.Context, command: str, out: Output) -> None:
        fmt = settings(ctx).format
        columns = out.narrow if out.narrow and fmt is OutputFormat.table else out.columns
        emit(fmt, command, out.payload, out.rows, columns, title=out.title)

    def guarded(work: Callable[[], Any]) -> Any:
        """Run a query, turning a bad option value into a clear error."""
        try:
            return work()
        except ValueError as exc:
            raise fail(str(exc)) from None

    def entity_or_fail(store: Any, entity_id: str) -> dict[str, Any]:
        # the stored properties as they are: building the entity's model would import
        # pydantic's models for four fields that were validated when they were written
        from statecrime.graph.store import FETCH_ENTITIES

        rows = store.read(FETCH_ENTITIES, ids=[entity_id])
        if not rows:
            raise fail(f"no entity with id {entity_id!r} (try: statecrime search TEXT)")
        e = rows[0]["props"]
        return {"id": e["id"], "kind": e["kind"], "name": e["name"], "country": e.get("country")}

    @app.command()
    def chains(
        ctx: typer.Context,
        state: StateOption = None,
        max_hops: MaxHopsOption = DEFAULT_MAX_HOPS,
        min_grading: MinGradingOption = None,
        as_of: AsOfOption = None,
        target_country: TargetCountryOption = None,
        crime: CrimeOption = None,
        limit: Annotated[
            int | None, typer.Option(min=1, help="At most this many chains, best first.")
        ] = None,
        view: Annotated[
            Path | None, typer.Option(help="Also draw the chains as an HTML view in this file.")
        ] = None,
    ) -> None:
        """Proxy chains: how a state reaches the actors that act for it, and their targets."""
        from statecrime.graph.read_rows import gc_paused
        from statecrime.queries.bounded import pick
        from statecrime.queries.chains import TEXTS, check_filters, find_chains

        # refuse bad options before the store starts (a few seconds for the embedded one)
        guarded(
            lambda: (
                pick(TEXTS, max_hops),
                check_filters(min_grading, as_of, target_country, crime),
            )
        )
        graph = None
        with store_for(ctx) as store:
            if state:
                entity_or_fail(store, state)
            found = guarded(
                lambda: find_chains(
                    store,
                    state=state,
                    max_hops=max_hops,
                    min_grading=min_grading,
                    as_of=as_of,
                    target_country=target_country,
                    crime=crime,
                    limit=limit,
                )
            )
            if view is not None:
                graph = chains_graph(store, found)
        query = {
            "state": state,
            "maxHops": max_hops,
            "minGrading": min_grading.upper() if min_grading else None,
            "asOf": as_of,
            "targetCountry": target_country.upper() if target_country else None,
            "crime": crime,
            "limit": limit,
        }
        fmt = settings(ctx).format
        with gc_paused():  # tens of thousands of chains, no cycles: collections only cost
            out = chains_output(
                found, query, body=fmt is OutputFormat.json, table=fmt is not OutputFormat.json
            )
            show(ctx, "chains", out)
        if graph is not None and view is not None:
            from statecrime.views.html import render_html

            render_html(graph, view, title=out.title, highlight=found)
            err_console().print(f"view written to {view}", highlight=False)

    @app.command()
    def taskings(
        ctx: typer.Context,
        state: Annotated[str | None, typer.Option(help="Only this state's id.")] = None,
    ) -> None:
        """Who tasks, pays, directs, sponsors or tolerates whom, grouped by state."""
        from statecrime.queries.taskings import find_taskings

        with store_for(ctx) as store:
            if state:
                entity_or_fail(store, state)
            found = find_taskings(store, state=state)
        show(ctx, "taskings", taskings_output(found, state))

    @app.command()
    def backers(
        ctx: typer.Context,
        entity_id: Annotated[str, typer.Argument(metavar="ID", help="The actor's id.")],
    ) -> None:
        """Which states stand behind an actor, and through whom."""
        from statecrime.queries.taskings import find_backers

        with store_for(ctx) as store:
            actor = entity_or_fail(store, entity_id)
            found = find_backers(store, entity_id)
        show(ctx, "backers", backers_output(found, actor))

    @app.command("cross-proxies")
    def cross_proxies(
        ctx: typer.Context,
        state: Annotated[str | None, typer.Option(help="Only this state's id.")] = None,
    ) -> None:
        """Proxies whose nationality differs from the state that uses them."""
        from statecrime.queries.cross_proxies import find_cross_proxies

        with store_for(ctx) as store:
            if state:
                entity_or_fail(store, state)
            found = find_cross_proxies(store, state=state)
        show(ctx, "cross-proxies", cross_proxies_output(found, state))

    @app.command()
    def paths(
        ctx: typer.Context,
        source: Annotated[str, typer.Argument(metavar="A", help="One entity's id.")],
        target: Annotated[str, typer.Argument(metavar="B", help="The other entity's id.")],
        max_hops: Annotated[int, typer.Option(help="Longest path listed, 1 to 6 hops.")] = 4,
        exclude: Annotated[
            list[str] | None,
            typer.Option(help="A relation type the listed paths may not cross (repeatable)."),
        ] = None,
        limit: Annotated[
            int | None, typer.Option(min=1, help="At most this many paths, shortest first.")
        ] = None,
    ) -> None:
        """How two entities connect: the shortest paths, and every path up to --max-hops."""
        from statecrime.queries.bounded import pick
        from statecrime.queries.paths import TEXTS, find_paths

        guarded(lambda: pick(TEXTS, max_hops))
        with store_for(ctx) as store:
            entity_or_fail(store, source)
            entity_or_fail(store, target)
            found = guarded(
                lambda: find_paths(
                    store, source, target, max_hops=max_hops, exclude=exclude or [], limit=limit
                )
            )
        show(ctx, "paths", paths_output(found))

    @app.command()
    def around(
        ctx: typer.Context,
        entity_id: Annotated[str, typer.Argument(metavar="ID", help="The entity's id.")],
        hops: Annotated[int, typer.Option(help="Radius, 1 to 3 hops.")] = DEFAULT_HOPS,
        through_context: Annotated[
            bool,
            typer.Option(
                "--through-context",
                help=f"Cross context relations too ({', '.join(domain.CONTEXT_TYPES)}).",
            ),
        ] = False,
        cap: Annotated[
            int,
            typer.Option(min=1, help="A node brings in at most this many new neighbours."),
        ] = 50,
    ) -> None:
        """An entity's surroundings: the entities within --hops and the links among them.

        Context relations are not crossed unless --through-context; a node with
        more than --cap new neighbours shows the best-graded --cap of them, and
        the JSON's "cut" lists what was held back.
        """
        from statecrime.queries.around import TEXTS, find_around
        from statecrime.queries.bounded import pick

        guarded(lambda: pick(TEXTS, hops, "--hops"))
        with store_for(ctx) as store:
            found = guarded(
                lambda: find_around(
                    store, entity_id, hops, through_context=through_context, cap=cap
                )
            )
        if found is None:
            raise fail(f"no entity with id {entity_id!r} (try: statecrime search TEXT)")
        show(ctx, "around", around_output(found))

    @app.command()
    def brokers(
        ctx: typer.Context,
        limit: Annotated[int, typer.Option(min=1, help="How many brokers to list.")] = 10,
    ) -> None:
        """The entities that bridge states and crime most (betweenness, networkx)."""
        from statecrime.queries.analysis import brokers as rank

        with store_for(ctx) as store:
            found = rank(store, limit=limit)
        show(ctx, "brokers", brokers_output(found, DEFAULT_EXCLUDE))

    @app.command()
    def communities(ctx: typer.Context) -> None:
        """The communities of the network (Louvain, networkx) with the states in each."""
        from statecrime.queries.analysis import communities as detect

        with store_for(ctx) as store:
            found = detect(store)
        show(ctx, "communities", communities_output(found, DEFAULT_EXCLUDE))

    @app.command()
    def timeline(
        ctx: typer.Context,
        ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Entity ids.")],
        chain: Annotated[
            bool,
            typer.Option(help="The ids are one chain: only links between them count."),
        ] = False,
    ) -> None:
        """The dated links and incidents around entities (or along one chain), in order."""
        from statecrime.queries.timeline import find_timeline

        with store_for(ctx) as store:
            for entity_id in ids:
                entity_or_fail(store, entity_id)
            found = find_timeline(store, ids, chain=chain)
        show(ctx, "timeline", timeline_output(found, ids, chain))

    @app.command()
    def report(
        ctx: typer.Context,
        state: Annotated[str, typer.Option(help="The state's id.")],
        output: Annotated[Path, typer.Option(help="The Markdown file to write.")],
        max_hops: Annotated[int, typer.Option(help="Longest chain, 1 to 6 hops.")] = 4,
        min_grading: Annotated[
            str | None, typer.Option(help="Only chains graded at least this (e.g. B2).")
        ] = None,
    ) -> None:
        """Write a state's chains and taskings as a Markdown brief with numbered citations."""
        from statecrime.queries.bounded import pick
        from statecrime.queries.chains import TEXTS, check_filters
        from statecrime.queries.report import write_report

        guarded(lambda: (pick(TEXTS, max_hops), check_filters(min_grading, None, None, None)))
        with store_for(ctx) as store:
            text = guarded(
                lambda: write_report(store, state, max_hops=max_hops, min_grading=min_grading)
            )
        if text is None:
            raise fail(f"no entity with id {state!r} (try: statecrime search TEXT)")
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror}") from None
        emit(
            settings(ctx).format,
            "report",
            {"state": state, "output": str(output), "bytes": len(text.encode("utf-8"))},
            [{"state": state, "output": str(output)}],
            ["state", "output"],
            title="Report written",
        )
