"""The embedded default store: ArcadeDB run in this process, spoken to over Bolt.

The engine is ArcadeDB 26.10.2 in one of two builds (:mod:`statecrime.graph.embedded_builds`):
the native build (PyPI ``arcadedb``, a GraalVM native image: no Java runtime, the
default) or the JVM build (``arcadedb-embedded``). We start its server with only
the Bolt plugin, every listener on 127.0.0.1 on free ports, and a root password
drawn at random for this run and held only in memory: nothing on disk lets
another user in. The server's configuration lives in a private temporary
folder removed on stop; the database itself lives in the store folder the user
chose, so it outlives the process.

The server must be stopped before the interpreter exits, even on an unhandled
exception: use :class:`EmbeddedServer` as a context manager (it also registers
an ``atexit`` stop as a last resort).

What a process leaves behind, and who may read it:

* The private folder (``statecrime-arcadedb-*`` in the temporary directory,
  0700) holds the server's security files (salted hashes of the run's two
  passwords), the engine's log and, on the JVM build, the Java runtime's
  settings and should it ever crash its ``hs_err`` report. Nothing else is
  written outside the store: not the engine's usual ``./log`` or
  ``~/.local/state/arcadedb``. The folder is removed on every exit path
  (:func:`end_process`, ``atexit``, the interrupt watchdog); it records its
  owner's pid and start time, so a folder left by a process that no longer
  exists (killed with SIGKILL, say) is removed when the next one starts.
* The store folder is 0700 and its files 0600 whatever the umask: the umask is
  077 while a store is open, and a store made by an earlier version is
  tightened when it is opened.
* Neither build takes SIGHUP, SIGINT or SIGTERM: the native library installs no
  handler for them, and the Java runtime is started with ``-Xrs``. Python's
  handlers in :mod:`statecrime.interrupts` do, so a signal rolls back and
  stops cleanly. The engine logs nothing to the terminal unless
  :func:`set_debug` turned debugging on.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from statecrime import interrupts
from statecrime.graph import embedded_access, embedded_builds, staging
from statecrime.graph.embedded_access import (
    FILE_IMPORT_ENV,
    READER_USER,
    CommandTimeout,
    file_import_allowed,
    reader_group,
)

DATABASE_NAME = embedded_access.DATABASE_NAME
USER = embedded_access.ROOT_USER
PRIVATE_PREFIX = "statecrime-arcadedb-"
"""Private folders are ``<tempdir>/statecrime-arcadedb-*``."""
OWNER_FILE = "owner"
"""In a private folder: ``<pid> <start time>`` of the process it belongs to."""
LEGACY_AGE_SECONDS = 24 * 3600
"""A private folder without an owner file (an earlier version made it) is removed after this."""
_debug = False
_process_dir: Path | None = None
_open_stores = 0
_saved_umask: int | None = None


def set_debug(on: bool) -> None:
    """Show the engine's start-up output and its log on the terminal (``--debug``).

    It must be called before the first store starts: the engine reads its
    logging settings once per process.
    """
    global _debug
    _debug = on


def end_process(code: int) -> NoReturn:
    """Exit with ``code``, without the engine's shutdown if an engine was loaded.

    JPype's exit hook shuts the JVM down while Java threads of a stopped server
    may still be winding down, and now and then crashes the process after all
    the work is done (a segmentation fault in JPype's ``_JTerminate``: seen in
    about one run in three of the CLI tests). Letting the interpreter exit with
    the JVM left alive instead aborts in glibc. The native library's isolate
    keeps threads of its own too. Our servers are stopped, and their data
    flushed, before this is called, so the process ends here at once, after
    flushing what it printed (which also spares a command the interpreter's
    teardown).
    """
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    remove_private_dirs()
    if embedded_builds.running() is not None:
        os._exit(code)
    sys.exit(code)


class EmbeddedStoreError(RuntimeError):
    """The embedded store could not be started or opened."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _process_start_time(pid: int) -> str | None:
    """When ``pid`` started (ticks since boot): tells it from a later process with its pid."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ')'
    fields = stat_line.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _owner_alive(owner: str) -> bool:
    """Whether the process named in an owner file (``<pid> <start time>``) still runs."""
    parts = owner.split()
    try:
        pid = int(parts[0])
    except (IndexError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    started = _process_start_time(pid)
    return started is None or len(parts) < 2 or started == parts[1]


def _owner_of(folder: Path) -> str | None:
    """``<pid> <start time>`` of the process a private folder belongs to, if it says.

    The owner file says it, and so does the folder's name
    (``statecrime-arcadedb-<pid>-<start>-*``): a folder that the Java runtime
    recreated while its process was being ended has the name but not the file.
    """
    with contextlib.suppress(OSError):
        return (folder / OWNER_FILE).read_text(encoding="ascii", errors="replace")
    parts = folder.name.removeprefix(PRIVATE_PREFIX).split("-")
    if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
        return f"{parts[0]} {parts[1]}"
    return None


def remove_stale_private_dirs(tmp: Path | None = None) -> list[Path]:
    """Remove the private folders of processes that no longer exist; return what was removed.

    Only folders owned by this user are considered. One whose owner file names a
    live process is never touched; one without an owner file (made by an earlier
    version, or being made right now) only once nothing in it changed for
    :data:`LEGACY_AGE_SECONDS`.
    """
    base = Path(tmp or tempfile.gettempdir())
    removed: list[Path] = []
    for folder in base.glob(f"{PRIVATE_PREFIX}*"):
        try:
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            if folder == _process_dir:
                continue
            owner = _owner_of(folder)
            if owner is not None:
                if _owner_alive(owner):
                    continue
            else:
                newest = max([info.st_mtime, *(p.lstat().st_mtime for p in folder.rglob("*"))])
                if time.time() - newest < LEGACY_AGE_SECONDS:
                    continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def process_private_dir() -> Path:
    """This process's private folder (0700), made on first use with its owner recorded.

    It holds the Java runtime's settings and crash report and one folder per
    server started; :func:`remove_private_dirs` removes it.
    """
    global _process_dir
    if _process_dir is None or not _process_dir.is_dir():
        remove_stale_private_dirs()
        pid = os.getpid()
        started = _process_start_time(pid) or "0"
        folder = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{pid}-{started}-"))
        os.chmod(folder, 0o700)
        (folder / OWNER_FILE).write_text(f"{pid} {started}\n", encoding="ascii")
        _process_dir = folder
        atexit.register(remove_private_dirs)
        interrupts.at_forced_exit(remove_private_dirs)
    return _process_dir


def remove_private_dirs() -> None:
    """Remove this process's private folder and everything in it; safe to call twice.

    Called as the process ends, however it ends; a store still open then has
    read its configuration long before.
    """
    global _process_dir
    folder, _process_dir = _process_dir, None
    if folder is None:
        return
    # a server still stopping (the interrupt watchdog's case) may write into it meanwhile
    for _ in range(3):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.05)


SCHEMA_MARK = ".statecrime-schema"
"""In the store folder: the state of the database's schema file when statecrime last saw its
constraint and index in place (:func:`statecrime.graph.connect.open_store`)."""


def _tighten_store(folder: Path) -> None:
    """Make the store folder 0700 and what the store keeps in it 0700 (folders) or 0600 (files).

    Stores made by earlier versions were 0755/0644: readable by every local user.
    Only the store's own entries are touched (the database folder, the
    server's instance id and the schema mark), never other files of a folder
    given as ``--store``.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    uid = os.getuid()
    database = folder / DATABASE_NAME
    own = [folder, folder / ".instance.id", folder / SCHEMA_MARK, folder / staging.LOCK_NAME]
    own.append(database)
    if database.is_dir() and not database.is_symlink():
        own += list(database.rglob("*"))
    for path in own:
        with contextlib.suppress(OSError):
            info = path.lstat()
            if info.st_uid != uid or stat.S_ISLNK(info.st_mode):
                continue
            wanted = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
            if stat.S_IMODE(info.st_mode) != wanted:
                os.chmod(path, wanted)


def _private_umask_on() -> None:
    """Umask 077 while any store is open: files the store makes are the owner's alone."""
    global _open_stores, _saved_umask
    if _open_stores == 0:
        _saved_umask = os.umask(0o077)
    _open_stores += 1


def _private_umask_off() -> None:
    global _open_stores, _saved_umask
    _open_stores = max(0, _open_stores - 1)
    if _open_stores == 0 and _saved_umask is not None:
        os.umask(_saved_umask)
        _saved_umask = None


def _sever_connections_to(port: int) -> None:
    """Cut this process's TCP connections to 127.0.0.1:``port`` at once (both directions).

    Why: after a signal the driver must not wait for the store (see
    :func:`statecrime.interrupts.on_interrupt`). The driver's own sockets are
    found through ``/proc/self/fd``, not its internals; ``shutdown`` acts on the
    connection, so closing the duplicate descriptor used here changes nothing else.
    """
    try:
        entries = list(Path("/proc/self/fd").iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if not os.readlink(entry).startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(int(entry.name)))
        except (OSError, ValueError):
            continue
        with sock, contextlib.suppress(OSError):
            if sock.type == socket.SOCK_STREAM and sock.family == socket.AF_INET:
                host, peer_port = sock.getpeername()[:2]
                if host == "127.0.0.1" and peer_port == port:
                    sock.shutdown(socket.SHUT_RDWR)


class EmbeddedServer:
    """ArcadeDB with its Bolt plugin on 127.0.0.1, holding its data in ``folder``.

    >>> with EmbeddedServer(Path("/tmp/demo-store")) as server:  # doctest: +SKIP
    ...     server.uri
    'bolt://127.0.0.1:40123'
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).expanduser().resolve()
        self.password = secrets.token_urlsafe(24)
        self.reader_password = secrets.token_urlsafe(24)
        self.bolt_port = 0
        self.http_port = 0
        """ArcadeDB's HTTP listener (127.0.0.1): it always starts; statecrime does not use it."""
        self.build = ""
        """The ArcadeDB build serving this store (``native`` or ``jvm``), once started."""
        self.command_timeout: CommandTimeout | None = None
        """The store's time-limit switch (see :mod:`statecrime.graph.embedded_access`)."""
        self._server: Any = None
        self._database: Any = None
        self._private_dir: Path | None = None
        self._umask_held = False
        self._lock: int | None = None
        """The store's lock (:func:`statecrime.graph.staging.hold_lock`), held while started."""

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def auth(self) -> tuple[str, str]:
        return (USER, self.password)

    @property
    def reader_auth(self) -> tuple[str, str]:
        """The read-only user's credentials (see :mod:`statecrime.graph.embedded_access`)."""
        return (READER_USER, self.reader_password)

    def database(self) -> Any:
        """The store's database as the ``arcadedb`` Python API gives it (in process, no Bolt).

        A time limit that earlier reads left in force is lifted first: what is
        done through it (a bulk write, say) runs without one.
        """
        if self._server is None:
            raise EmbeddedStoreError("the embedded store is not started")
        if self.command_timeout is not None:
            self.command_timeout.release()
        if self._database is None:
            self._database = self._server.get_database(DATABASE_NAME)
        return self._database

    def start(self) -> EmbeddedServer:
        """Start the server; a signal meanwhile waits until it can be stopped again."""
        try:
            with interrupts.deferred():
                self._start_engine()
                atexit.register(self.stop)
                interrupts.on_interrupt(self.sever_connections)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_engine(self, server_class: Any = None) -> None:
        """Start the server and open the database."""
        self._prepare(server_class)
        self._launch()

    def _prepare(self, server_class: Any = None) -> None:
        """Everything before the server starts: folders, modes, security files, ports."""
        _private_umask_on()
        self._umask_held = True
        _tighten_store(self.folder)
        if self._lock is None:
            try:
                self._lock = staging.hold_lock(self.folder)
            except staging.StoreInUse:
                self._cleanup()
                raise EmbeddedStoreError(self._in_use()) from None
            staging.recover(self.folder)  # what a killed load left: see statecrime.graph.staging
        self._private_dir = Path(tempfile.mkdtemp(prefix="server-", dir=process_private_dir()))
        os.chmod(self._private_dir, 0o700)
        if server_class is None:
            try:
                self.build = embedded_builds.running() or embedded_builds.chosen()
                server_class = embedded_builds.server_class(
                    self.build, process_private_dir(), _debug
                )
            except embedded_builds.BuildError as exc:
                raise EmbeddedStoreError(str(exc)) from exc
        embedded_access.write_security(self._private_dir, self.password, self.reader_password)
        # a restart (see stopped()) keeps the ports: the drivers' address stays right
        self.bolt_port = self.bolt_port or _free_port()
        self.http_port = self.http_port or _free_port()
        config = {
            "host": "127.0.0.1",
            "http_port": self.http_port,
            "bolt_port": self.bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "server_databaseDirectory": str(self.folder),
        }
        self._server = server_class(
            root_path=str(self._private_dir), root_password=self.password, config=config
        )

    def _launch(self) -> None:
        """Start the server prepared and open the database (mostly the engine's native code)."""
        assert self._private_dir is not None
        chatter = self._private_dir / "start.log"
        # the JVM prints on fd 2 as it starts; the native library does not (test_embedded_builds
        # checks), and another thread's output would be swallowed meanwhile
        quiet = _debug or self.build == embedded_builds.NATIVE
        try:
            with embedded_builds.quiet_stderr(chatter, quiet):
                self._server.start()
        except Exception as exc:
            self._server = None
            detail = embedded_builds.chatter_of(chatter)
            self._cleanup()
            if "locked by another process" in str(exc):
                raise EmbeddedStoreError(self._in_use()) from exc
            raise EmbeddedStoreError(
                f"could not start the embedded store in {self.folder}: {exc}"
                + (f"\n{detail}" if detail else "")
            ) from exc
        self._open_database()

    def _in_use(self) -> str:
        return (
            f"the store in {self.folder} is in use by another process: an embedded "
            "store opens in one process at a time. Wait for the other statecrime "
            "command to finish, or pass another --store."
        )

    @contextlib.contextmanager
    def stopped(self) -> Iterator[Path]:
        """The server stopped for the block (its database closed), then started again.

        For publishing a staging database (:mod:`statecrime.graph.staging`): the
        block gets the store folder. The store stays locked throughout, and the
        server comes back on the same ports with the same users, and the settings
        every open applies (:func:`embedded_access.apply_open_settings`); drivers
        must reconnect (their connections were to the stopped server).
        """
        with interrupts.deferred():
            self._database = None
            self.command_timeout = None
            server, self._server = self._server, None
            if server is not None:
                server.stop()
            self._cleanup(keep_lock=True)
        try:
            yield self.folder
        finally:
            with interrupts.deferred():
                self._prepare()
                self._launch()

    def sever_connections(self) -> None:
        """Cut every connection this process has to the server (a signal came)."""
        if self.bolt_port:
            _sever_connections_to(self.bolt_port)

    def _open_database(self) -> None:
        if (self.folder / DATABASE_NAME).exists():
            try:
                database = self._server.get_database(DATABASE_NAME)
            except Exception as exc:
                raise EmbeddedStoreError(
                    f"could not open the store in {self.folder}: {exc}. If another statecrime "
                    "command is using this store, wait for it to finish or pass another --store."
                ) from exc
        else:
            database = self._server.create_database(DATABASE_NAME)
        applied = embedded_access.apply_open_settings(database, self.folder / DATABASE_NAME)
        self.command_timeout = CommandTimeout(database, applied)

    def stop(self) -> None:
        """Stop the server and remove its private configuration; safe to call twice."""
        with interrupts.deferred():
            self._stop_engine()

    def _stop_engine(self) -> None:
        interrupts.forget(self.sever_connections)
        self._database = None
        server, self._server = self._server, None
        self.command_timeout = None
        if server is not None:
            with contextlib.suppress(Exception):
                server.stop()
            atexit.unregister(self.stop)
        self._cleanup()

    def _cleanup(self, keep_lock: bool = False) -> None:
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
        if self._umask_held:
            self._umask_held = False
            _private_umask_off()
        if self._lock is not None and not keep_lock:
            staging.release_lock(self._lock)
            self._lock = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = [
    "FILE_IMPORT_ENV",
    "READER_USER",
    "CommandTimeout",
    "EmbeddedServer",
    "EmbeddedStoreError",
    "end_process",
    "file_import_allowed",
    "reader_access",
    "reader_group",
    "set_debug",
]


def reader_access(server: EmbeddedServer) -> tuple[tuple[str, str], CommandTimeout]:
    """The read-only user's credentials on a started ``server``, and its time-limit switch.

    The user itself was written into the server's security files before it
    started (:func:`statecrime.graph.embedded_access.write_security`).
    """
    if server.command_timeout is None:
        raise EmbeddedStoreError("the embedded store is not started")
    return server.reader_auth, server.command_timeout
