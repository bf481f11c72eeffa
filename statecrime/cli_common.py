"""What every command shares: the global settings, clear failures, the store.

Kept apart from :mod:`statecrime.cli` so that the command modules
(:mod:`statecrime.cli_analysis`, :mod:`statecrime.cli_views`,
:mod:`statecrime.cli_demo`) import it without importing the app itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from rich.markup import escape

from statecrime import interrupts
from statecrime.graph.connect import StoreConnectionError, open_store, redact, resolve_store
from statecrime.graph.embedded import EmbeddedStoreError
from statecrime.graph.store import Store
from statecrime.output import OutputFormat, err_console
from statecrime.queries.adhoc import QueryTimedOut, refusal, timed_out_in
from statecrime.watchdog import EXIT_TIMED_OUT, watchdog


@dataclass
class Settings:
    """What the global options chose, handed to every command."""

    store: str | None
    format: OutputFormat
    timeout: float | None = None
    """Seconds the command's queries may run (``--timeout``); ``None``: no limit."""


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings(None, OutputFormat.table)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a clear error to stderr and return the exit to raise.

    After a signal, errors are the signal's doing: :func:`statecrime.cli.main`
    prints the one line that says so, and nothing is printed here.
    """
    if interrupts.received() is not None:
        return typer.Exit(code)
    err_console().print(
        f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


@contextmanager
def store_for(ctx: typer.Context) -> Iterator[Store]:
    """Open the store the user chose, turning connection failures into clear errors."""
    chosen = settings(ctx)
    try:
        with open_store(chosen.store, read_timeout=chosen.timeout) as store:
            with watchdog(chosen.timeout):
                yield store
    except (StoreConnectionError, EmbeddedStoreError) as exc:
        raise fail(str(exc)) from None
    except QueryTimedOut as exc:
        raise fail(str(exc), code=EXIT_TIMED_OUT) from None
    except Neo4jError as exc:
        clear = refusal(exc, chosen.timeout)
        if isinstance(clear, QueryTimedOut):
            raise fail(str(clear), code=EXIT_TIMED_OUT) from None
        raise
    except (ServiceUnavailable, SessionExpired) as exc:
        stopped = timed_out_in(exc)
        if stopped is not None:
            raise fail(str(stopped), code=EXIT_TIMED_OUT) from None
        # The driver has already retried statecrime's own transactions with back-off.
        where = redact(resolve_store(chosen.store))
        reason = " ".join(str(getattr(exc, "message", None) or exc).split())
        raise fail(f"the store at {where} stopped answering: {reason}") from None
    except Exception as exc:
        stopped = timed_out_in(exc)  # closing the store after a time-out failed as well
        if stopped is None:
            raise
        raise fail(str(stopped), code=EXIT_TIMED_OUT) from None
