"""Open a store from what the user gave: a folder (embedded) or a Neo4j URI.

``--store`` (or ``STATECRIME_STORE``) names it; with neither, the embedded store
lives under the user's data directory. A Neo4j URI takes its credentials from
``NEO4J_USER`` and ``NEO4J_PASSWORD`` (and an optional ``NEO4J_DATABASE``): never
from the command line, where other users could read them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable
from platformdirs import user_data_dir

from statecrime.graph.embedded import DATABASE_NAME, EmbeddedServer, reader_access
from statecrime.graph.store import Store

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
            )
            try:
                store.ensure_schema()
                yield store
            finally:
                store.close()


@contextmanager
def _neo4j_store(uri: str) -> Iterator[Store]:
    user = os.environ.get("NEO4J_USER", "neo4j")
    password = os.environ.get("NEO4J_PASSWORD")
    if password is None:
        raise StoreConnectionError(
            f"{uri} needs a password: set NEO4J_PASSWORD (and NEO4J_USER if not 'neo4j')"
        )
    driver = GraphDatabase.driver(uri, auth=(user, password))
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, AuthError, OSError) as exc:
        driver.close()
        raise StoreConnectionError(f"could not reach Neo4j at {uri}: {exc}") from exc
    store = Store(driver, os.environ.get("NEO4J_DATABASE") or None, "neo4j", uri)
    try:
        store.ensure_schema()
        yield store
    finally:
        store.close()
