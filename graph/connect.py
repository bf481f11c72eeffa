"""Open a store from what the user gave: a folder (embedded) or a Neo4j URI.

``--store`` (or ``STATECRIME_STORE``) names it; with neither, the embedded store
lives under the user's data directory. A Neo4j URI takes its credentials from
``NEO4J_USER`` and ``NEO4J_PASSWORD`` (and an optional ``NEO4J_DATABASE``): never
from the command line, where other users could read them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired
from platformdirs import user_data_dir

from statecrime.graph.embedded import (
    DATABASE_NAME,
    SCHEMA_MARK,
    EmbeddedServer,
    reader_access,
)
from statecrime.graph.embedded_builds import NATIVE
from statecrime.graph.store import CONSTRAINT_ENTITY_ID, INDEX_ENTITY_NAME, Store

# The driver logs a lost connection at ERROR level; with no handler anywhere Python
# would print that to stderr beside statecrime's own one-line message. A handler
# here keeps it quiet unless the application configures logging itself.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

URI_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


class StoreConnectionError(RuntimeError):
    """The store named could not be reached."""


def default_store() -> Path:
    """Where the embedded store lives when nobody says otherwise."""
    return Path(user_data_dir("statecrime", appauthor=False)) / "store"


def resolve_store(spec: str | os.PathLike[str] | None) -> str:
    """The store to open: the argument, else ``STATECRIME_STORE``, else the default folder."""
    if spec:
        return str(spec)
    return os.environ.get("STATECRIME_STORE") or str(default_store())


def is_uri(spec: str) -> bool:
    return spec.startswith(URI_SCHEMES)


@contextmanager
def open_store(
    spec: str | os.PathLike[str] | None = None, *, read_timeout: float | None = None
) -> Iterator[Store]:
    """A ready store (schema in place), closed and stopped on exit.

    ``read_timeout`` (seconds) bounds every read query run through the store
    (:attr:`Store.read_timeout`); ``None`` leaves reads unbounded.
    """
    target = resolve_store(spec)
    if is_uri(target):
        with _neo4j_store(target) as store:
            store.read_timeout = read_timeout
            yield store
    else:
        with EmbeddedServer(Path(target)) as server:
            reader_auth, server_limit = reader_access(server)
            if read_timeout is None:
                server_limit.release()  # a limit a read command left in the store
            driver = GraphDatabase.driver(server.uri, auth=server.auth)
            reader = GraphDatabase.driver(server.uri, auth=reader_auth)
            store = Store(
                driver,
                DATABASE_NAME,
                "arcadedb",
                str(server.folder),
                reader=reader,
                server_limit=server_limit,
                read_timeout=read_timeout,
                bulk=_BulkOnDemand(server.database),
                in_process=server.database,
            )
            if server.build == NATIVE:
                store.bulk.staged_by = _staged_writer(store, server)
            try:
                _ensure_schema_once(store, server.folder)
                yield store
            finally:
                store.close()


def _schema_state(folder: Path) -> str | None:
    """What changes whenever the engine rewrites the database's schema (``schema.json``:
    its inode, size and modification time), with the statements that must hold in it."""
    try:
        st = (folder / DATABASE_NAME / "schema.json").stat()
    except OSError:
        return None
    wanted = "\n".join(statement.text for statement in (CONSTRAINT_ENTITY_ID, INDEX_ENTITY_NAME))
    return f"{st.st_ino} {st.st_size} {st.st_mtime_ns}\n{wanted}"


def _ensure_schema_once(store: Store, folder: Path) -> None:
    """:meth:`Store.ensure_schema` on an embedded store, unless its schema is as it was the
    last time that ran.

    Every command opened the store with the two ``CREATE ... IF NOT EXISTS`` statements,
    each a write transaction over Bolt: 20-70 ms of a read command, for a schema that had not
    changed since the load that made it. The engine rewrites ``schema.json`` whenever the
    schema changes (a load adding a type, a dropped index), so the check runs again then.
    """
    mark = folder / SCHEMA_MARK
    before = _schema_state(folder)
    if before is not None:
        with contextlib.suppress(OSError):
            if mark.read_text("utf-8") == before:
                return
    store.ensure_schema()
    after = _schema_state(folder)
    if after is not None:
        with contextlib.suppress(OSError):
            mark.write_text(after, "utf-8")


class _BulkOnDemand:
    """The embedded store's in-process writer (:class:`statecrime.graph.bulk.EmbeddedBulk`),
    imported the first time the store asks it something.

    ``graph.bulk`` imports the pydantic models (0.2 s of a command's start); a read
    command that validates no record never needs them. Every attribute is the
    writer's own, so the store cannot tell the two apart.
    """

    def __init__(self, open_database: Any) -> None:
        self._open_database = open_database
        self._bulk: Any = None
        self.staged_by: Callable[[], Any] | None = None
        """Makes the writer's staging writer (the native build), when the writer is made."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_bulk", "_open_database", "staged_by"):
            raise AttributeError(name)
        if self._bulk is None:
            from statecrime.graph.bulk import EmbeddedBulk

            bulk = EmbeddedBulk(self._open_database)
            if self.staged_by is not None:
                bulk.staged = self.staged_by()
            self._bulk = bulk
        return getattr(self._bulk, name)


def _staged_writer(store: Store, server: EmbeddedServer) -> Callable[[], Any]:
    """What makes the staging writer of ``store`` (:mod:`statecrime.graph.bulk_staged`, which
    imports the models: made with the in-process writer, when a load first needs it)."""

    def make() -> Any:
        from statecrime.graph.bulk_staged import StagedWriter

        return StagedWriter(server, lambda: _reconnect(store, server))

    return make


def _reconnect(store: Store, server: EmbeddedServer) -> None:
    """New drivers for a store whose server was restarted (a staged load was published)."""
    for driver in (store.driver, store.reader):
        if driver is not None:
            with suppress(Exception):
                driver.close()
    reader_auth, store.server_limit = reader_access(server)
    store.driver = GraphDatabase.driver(server.uri, auth=server.auth)
    store.reader = GraphDatabase.driver(server.uri, auth=reader_auth)


CONNECT_ATTEMPTS = 4
"""How often opening a Neo4j store tries to reach it (waits 0.5, 1, 2 s between tries)."""

RETRY_SECONDS = 15.0
"""How long the driver retries one of statecrime's managed transactions after a
transient error or a lost connection (``STATECRIME_RETRY_SECONDS`` overrides it)."""


def redact(uri: str) -> str:
    """``uri`` without any ``user:password@`` part, for messages."""
    return re.sub(r"^([a-z+]+://)[^@/]*@", r"\1", uri)


def _retry_seconds() -> float:
    try:
        return float(os.environ.get("STATECRIME_RETRY_SECONDS", RETRY_SECONDS))
    except ValueError:
        return RETRY_SECONDS


def _reason(exc: BaseException) -> str:
    """The driver's message on one line (it never holds the password)."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


def _connect(uri: str, auth: tuple[str, str]) -> Driver:
    """A driver that answered: a lost or refused connection is retried with back-off.

    A wrong password is not retried (it will not get better) and is reported
    without the password; neither is anything else that is not a network failure.
    """
    shown = redact(uri)
    delay = 0.5
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        driver = GraphDatabase.driver(uri, auth=auth, max_transaction_retry_time=_retry_seconds())
        try:
            driver.verify_connectivity()
            return driver
        except AuthError:
            driver.close()
            raise StoreConnectionError(
                f"Neo4j at {shown} refused the credentials of user {auth[0]!r} "
                "(check NEO4J_USER and NEO4J_PASSWORD)"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            driver.close()
            if attempt == CONNECT_ATTEMPTS:
                raise StoreConnectionError(
                    f"could not reach Neo4j at {shown} after {attempt} attempts: {_reason(exc)}"
                ) from None
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


@contextmanager
def _neo4j_store(uri: str) -> Iterator[Store]:
    user = os.environ.get("NEO4J_USER", "neo4j")
    password = os.environ.get("NEO4J_PASSWORD")
    if password is None:
        raise StoreConnectionError(
            f"{redact(uri)} needs a password: set NEO4J_PASSWORD (and NEO4J_USER if not 'neo4j')"
        )
    if redact(uri) != uri:
        raise StoreConnectionError(
            "put Neo4j credentials in NEO4J_USER and NEO4J_PASSWORD, not in the URI "
            f"({redact(uri)}): a command line is readable by every local user"
        )
    driver = _connect(uri, (user, password))
    store = Store(driver, os.environ.get("NEO4J_DATABASE") or None, "neo4j", uri)
    try:
        store.ensure_schema()
        yield store
    finally:
        store.close()
