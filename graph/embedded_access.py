"""Who may do what on the embedded store, and for how long: written before the server starts.

Analysts' Cypher without ``--write`` runs as a second server user,
:data:`READER_USER`, whose group on the statecrime database grants reading
records and nothing else: no createRecord, updateRecord or deleteRecord, no
updateSchema (so no CREATE CONSTRAINT/INDEX, no new label), no updateSecurity
(which ArcadeDB also asks of LOAD CSV from a local file). The server checks
those rights on every record and schema operation, whatever the statement
(plain CREATE/SET/DELETE, ``CALL { } IN TRANSACTIONS``, merge.node and the other
write procedures), so the guard does not depend on how the statement is written.

Both users and the groups are written as the server's own security files
(``config/server-users.jsonl``, ``config/server-groups.json``) into the
server's private folder (0700, files 0600) before it starts, so the server
reads them as it starts, on either build, with no Java object involved. Both
passwords are drawn for this run and held only in memory; the files keep
salted PBKDF2 hashes in ArcadeDB's format. The hashes use
:data:`HASH_ITERATIONS` rounds rather than ArcadeDB's 65,536: the count slows
the guessing of a weak password, and these are 32 random bytes each (192
bits of entropy), which no number of guesses finds, while 65,536 rounds cost
the native build 1.5 s of every start.

The store's time limit and file access are database settings, changed with
SQL ``ALTER DATABASE`` through the in-process database (``get_database`` of
the ``ArcadeDBServer`` wrapper, present in both builds). ``ALTER DATABASE``
saves the setting in the database's ``configuration.json``, so each store
open sets both again (:func:`apply_open_settings`): a process killed while a
limit was in force leaves nothing behind that the next one keeps.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATABASE_NAME = "statecrime"
ROOT_USER = "root"
READER_USER = "statecrime_reader"
READER_GROUP = "statecrime_reader"
FILE_IMPORT_ENV = "STATECRIME_ALLOW_FILE_IMPORT"
COMMAND_TIMEOUT = "arcadedb.command.timeout"
FILE_IMPORT_SETTINGS = (
    "arcadedb.opencypher.loadCsv.allowFileUrls",
    "arcadedb.opencypher.loadCsv.allowRemoteUrls",
)
"""``allowFileUrls`` covers ``file:///`` URLs and bare paths, ``allowRemoteUrls`` http(s)."""
HASH_ALGORITHM = "PBKDF2WithHmacSHA256"
"""ArcadeDB's default (``arcadedb.server.securityAlgorithm``), which the server hashes with."""
HASH_ITERATIONS = 1000

_ADMIN_GROUP = {
    "resultSetLimit": -1,
    "readTimeout": -1,
    "access": ["updateSecurity", "updateSchema", "updateDatabaseSettings"],
    "types": {"*": {"access": ["createRecord", "readRecord", "updateRecord", "deleteRecord"]}},
}
_NOBODY_GROUP = {
    "resultSetLimit": -1,
    "readTimeout": -1,
    "access": [],
    "types": {"*": {"access": []}},
}
"""ArcadeDB's two default groups, as it writes them itself on a first start."""


def file_import_allowed() -> bool:
    """Whether ``LOAD CSV`` may read local files and URLs (``STATECRIME_ALLOW_FILE_IMPORT=1``)."""
    return os.environ.get(FILE_IMPORT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def encode_password(password: str, iterations: int = HASH_ITERATIONS) -> str:
    """``ALGORITHM$ITERATIONS$SALT$HASH`` as ArcadeDB's ``ServerSecurity`` stores and checks it.

    The salt is the Base64 text of 32 random bytes and is hashed as that text's
    UTF-8 bytes; the hash is 256 bits, Base64 encoded (ServerSecurity.getEncodedHash).
    """
    salt = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode("utf-8"), salt.encode("utf-8"), iterations, 32
    )
    return f"{HASH_ALGORITHM}${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def reader_group(read_timeout_ms: int = -1) -> dict[str, Any]:
    """The reader's rights on the statecrime database: read records, nothing else."""
    return {
        "access": [],
        "resultSetLimit": -1,
        "readTimeout": read_timeout_ms,
        "types": {"*": {"access": ["readRecord"]}},
    }


def security_files(root_password: str, reader_password: str) -> dict[str, str]:
    """The text of each file under the server's ``config/`` folder, by name."""
    users = [
        {
            "name": ROOT_USER,
            "databases": {"*": ["admin"]},
            "password": encode_password(root_password),
        },
        {
            "name": READER_USER,
            "databases": {DATABASE_NAME: [READER_GROUP]},
            "password": encode_password(reader_password),
        },
    ]
    groups = {
        "databases": {
            "*": {"groups": {"admin": _ADMIN_GROUP, "*": _NOBODY_GROUP}},
            DATABASE_NAME: {"groups": {READER_GROUP: reader_group()}},
        },
        "version": 2,
    }
    # The MCP endpoint (/api/v1/mcp on the HTTP listener) ships in both builds and is off
    # unless this file turns it on: it says so, for no user.
    mcp = {"enabled": False, "allowedUsers": [], "allowedOrigins": []}
    return {
        "server-users.jsonl": "".join(json.dumps(user) + "\n" for user in users),
        "server-groups.json": json.dumps(groups, indent=2) + "\n",
        "mcp-config.json": json.dumps(mcp, indent=2) + "\n",
    }


def write_security(root_path: Path, root_password: str, reader_password: str) -> None:
    """Write users, groups and MCP settings where the server reads them (``root_path/config``)."""
    config = root_path / "config"
    config.mkdir(mode=0o700, exist_ok=True)
    for name, text in security_files(root_password, reader_password).items():
        path = config / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)


def _alter(database: Any, key: str, value: str) -> None:
    """``ALTER DATABASE `key` value`` on the in-process database (key and value are ours)."""
    result = database.command("sql", f"ALTER DATABASE `{key}` {value}")
    with contextlib.suppress(Exception):
        result.close()


def stored_settings(database_folder: Path) -> dict[str, Any]:
    """What ``ALTER DATABASE`` saved for a database (its ``configuration.json``), keyed as there.

    The engine writes the keys without their ``arcadedb.`` prefix and reads the
    file back when it opens the database.
    """
    try:
        data = json.loads((database_folder / "configuration.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    settings = data.get("configuration") if isinstance(data, dict) else None
    return settings if isinstance(settings, dict) else {}


def apply_open_settings(database: Any, database_folder: Path | None = None) -> int:
    """Set ``LOAD CSV``'s file and URL switches as allowed; return the time limit in force (ms).

    A setting the database already holds (it read ``configuration.json`` as it
    opened) is not set again: each ``ALTER DATABASE`` rewrites that file, and
    the first in a process costs the engine's SQL start (30 to 200 ms here).
    The time limit is left as the last process left it: see :class:`CommandTimeout`.
    """
    stored = stored_settings(database_folder) if database_folder is not None else {}
    allowed = file_import_allowed()
    for key in FILE_IMPORT_SETTINGS:
        held = stored.get(key.removeprefix("arcadedb."))
        if not (isinstance(held, bool) and held == allowed):
            _alter(database, key, str(allowed).lower())
    limit = stored.get(COMMAND_TIMEOUT.removeprefix("arcadedb."), 0)
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else 0


class CommandTimeout:
    """The server's limit on how long one command may run, in force while read queries run.

    ArcadeDB's ``arcadedb.command.timeout`` is checked inside its scan, expansion
    and filter loops, so it ends a runaway traversal that the group's
    ``readTimeout`` (which bounds record scans only) does not. It is a setting of
    the database, not of a user, and setting it rewrites the database's
    ``configuration.json`` (the first time in a process, after the engine's SQL
    start), so it is changed only when needed: a bounded read sets it unless
    the same limit is in force already, and when the last bounded read ends the
    limit stays in force, in the store too, until :meth:`release` lifts it.
    :meth:`release` runs before every session of the store that is not a
    bounded read's (a load's writes, ``cypher --write`` without ``--timeout``),
    when a store is opened with no read limit (loads, exports, the API's
    default), and before :meth:`EmbeddedServer.database` hands out the
    database: loads and unbounded writes run without a limit, while read
    commands one after another with the same ``--timeout`` set it once. So a
    store that a read command used last says ``command.timeout`` in its
    ``configuration.json``; another program opening that folder with ArcadeDB
    itself inherits that limit. A write that starts while a bounded read runs
    in the same process (another thread) is bounded too.
    """

    def __init__(self, database: Any, applied_ms: int = 0) -> None:
        self._database = database
        self._lock = threading.Lock()
        self._active: list[int] = []
        self._applied = applied_ms
        """The limit in force (ms, 0: none), as the database opened with it."""

    def _set(self, limit: int) -> None:
        if limit != self._applied:
            _alter(self._database, COMMAND_TIMEOUT, str(limit))
            self._applied = limit

    @contextlib.contextmanager
    def bounded(self, seconds: float | None) -> Iterator[None]:
        if seconds is None or seconds <= 0:
            yield
            return
        limit = max(1, int(seconds * 1000))
        with self._lock:
            self._active.append(limit)
            self._set(min(self._active))
        try:
            yield
        finally:
            with self._lock:
                self._active.remove(limit)
                if self._active:
                    with contextlib.suppress(Exception):
                        self._set(min(self._active))

    def release(self) -> None:
        """Lift a limit that ended reads left in force (none is running): before unbounded work."""
        with self._lock:
            if not self._active:
                self._set(0)
