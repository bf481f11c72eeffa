"""The embedded default store: ArcadeDB run in this process, spoken to over Bolt.

``arcadedb-embedded`` bundles ArcadeDB and a Java runtime. We start its server
with only the Bolt plugin, every listener on 127.0.0.1 on free ports, and a root
password drawn at random for this run and held only in memory: nothing on disk
lets another user in. The server's configuration lives in a private temporary
folder removed on stop; the database itself lives in the store folder the user
chose, so it outlives the process.

The server must be stopped before the interpreter exits, even on an unhandled
exception, or its Java runtime crashes on the way out: use
:class:`EmbeddedServer` as a context manager (it also registers an ``atexit``
stop as a last resort).

What a process leaves behind, and who may read it:

* The private folder (``statecrime-arcadedb-*`` in the temporary directory,
  0700) holds a hash of the run's password, the Java runtime's settings and,
  should it ever crash, its ``hs_err`` report. It is removed on every exit
  path (:func:`end_process`, ``atexit``, the interrupt watchdog); it records
  its owner's pid and start time, so a folder left by a process that no
  longer exists (killed with SIGKILL, say) is removed when the next one starts.
* The store folder is 0700 and its files 0600 whatever the umask: the umask is
  077 while a store is open, and a store made by an earlier version is
  tightened when it is opened.
* The Java runtime never takes SIGHUP, SIGINT or SIGTERM (``-Xrs``): Python's
  handlers in :mod:`statecrime.interrupts` do, so a signal rolls back and
  stops cleanly. It logs nothing to the terminal unless :func:`set_debug`
  turned debugging on.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import shutil
import socket
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from statecrime import interrupts

DATABASE_NAME = "statecrime"
USER = "root"
PRIVATE_PREFIX = "statecrime-arcadedb-"
"""Private folders are ``<tempdir>/statecrime-arcadedb-*``."""
OWNER_FILE = "owner"
"""In a private folder: ``<pid> <start time>`` of the process it belongs to."""
LEGACY_AGE_SECONDS = 24 * 3600
"""A private folder without an owner file (an earlier version made it) is removed after this."""
_JVM_LOGGING_QUIET = """\
handlers =
.level = OFF
"""
_JVM_LOGGING_DEBUG = """\
handlers = java.util.logging.ConsoleHandler
.level = INFO
java.util.logging.ConsoleHandler.level = ALL
"""
_debug = False
_process_dir: Path | None = None
_open_stores = 0
_saved_umask: int | None = None


def set_debug(on: bool) -> None:
    """Show the Java runtime's start-up output and its log on the terminal (``--debug``).

    It must be called before the first store starts: the runtime reads its
    logging settings once.
    """
    global _debug
    _debug = on


def end_process(code: int) -> NoReturn:
    """Exit with ``code``, without the Java runtime's shutdown if one was started.

    JPype's exit hook shuts the JVM down while Java threads of a stopped server
    may still be winding down, and now and then crashes the process after all
    the work is done (a segmentation fault in JPype's ``_JTerminate``: seen in
    about one run in three of the CLI tests). Letting the interpreter exit with
    the JVM left alive instead aborts in glibc. Our servers are stopped, and
    their data flushed, before this is called, so the process ends here at
    once, after flushing what it printed.
    """
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    remove_private_dirs()
    if "jpype" in sys.modules and sys.modules["jpype"].isJVMStarted():
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
                newest = max(
                    [info.st_mtime, *(p.lstat().st_mtime for p in folder.rglob("*"))]
                )
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


def _tighten_store(folder: Path) -> None:
    """Make the store folder 0700 and what the store keeps in it 0700 (folders) or 0600 (files).

    Stores made by earlier versions were 0755/0644: readable by every local user.
    Only the store's own entries are touched (the database folder and the
    server's instance id), never other files of a folder given as ``--store``.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    uid = os.getuid()
    database = folder / DATABASE_NAME
    own = [folder, folder / ".instance.id", database]
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


@contextlib.contextmanager
def _quiet_stderr(capture: Path) -> Iterator[None]:
    """Send the Java runtime's start-up chatter to a file instead of the terminal."""
    if _debug:
        yield
        return
    saved = os.dup(2)
    with capture.open("wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _jvm_signal_and_crash_args(private_dir: Path) -> list[str]:
    """Keep the Java runtime away from our signals and its crash report out of the cwd.

    ``-Xrs``: the runtime installs no handlers for SIGHUP, SIGINT and SIGTERM
    (it took them for its own shutdown, and crashed or ignored them), so
    Python's handlers get them. The crash report, if the runtime ever crashes,
    goes to the private folder instead of the current one (``arcadedb_embedded``
    reads the path from ``ARCADEDB_JVM_ERROR_FILE`` and puts it last).
    """
    os.environ["ARCADEDB_JVM_ERROR_FILE"] = str(private_dir / "hs_err_pid%p.log")
    return ["-Xrs"]


def _start_jvm(private_dir: Path) -> None:
    """Start the JVM once per process, quiet unless debugging, deaf to our signals."""
    import jpype
    from arcadedb_embedded import jvm

    if jpype.isJVMStarted():
        return
    logging_file = private_dir / "logging.properties"
    logging_file.write_text(
        _JVM_LOGGING_DEBUG if _debug else _JVM_LOGGING_QUIET, encoding="utf-8"
    )
    chatter = private_dir / "jvm-start.log"
    try:
        with _quiet_stderr(chatter):
            jvm.start_jvm(
                heap_size=os.environ.get("STATECRIME_EMBEDDED_HEAP", "1g"),
                jvm_args=[
                    f"-Djava.util.logging.config.file={logging_file}",
                    # the bundled web server calls sun.misc.Unsafe; JDK 25 warns on stderr
                    "--sun-misc-unsafe-memory-access=allow",
                    *_jvm_signal_and_crash_args(private_dir),
                ],
            )
    except Exception as exc:
        detail = (
            chatter.read_text(encoding="utf-8", errors="replace").strip()
            if chatter.exists()
            else ""
        )
        raise EmbeddedStoreError(
            f"could not start the embedded store's Java runtime: {exc}\n{detail}"
        ) from exc


class EmbeddedServer:
    """ArcadeDB with its Bolt plugin on 127.0.0.1, holding its data in ``folder``.

    >>> with EmbeddedServer(Path("/tmp/demo-store")) as server:  # doctest: +SKIP
    ...     server.uri
    'bolt://127.0.0.1:40123'
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).expanduser().resolve()
        self.password = secrets.token_urlsafe(24)
        self.bolt_port = 0
        self._server: Any = None
        self._private_dir: Path | None = None
        self._umask_held = False

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def auth(self) -> tuple[str, str]:
        return (USER, self.password)

    def start(self) -> EmbeddedServer:
        """Start the server; a signal meanwhile waits until it can be stopped again."""
        try:
            with interrupts.deferred():
                self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        _private_umask_on()
        self._umask_held = True
        _tighten_store(self.folder)
        self._private_dir = Path(tempfile.mkdtemp(prefix="server-", dir=process_private_dir()))
        os.chmod(self._private_dir, 0o700)
        _start_jvm(process_private_dir())
        from arcadedb_embedded.server import ArcadeDBServer

        self.bolt_port = _free_port()
        config = {
            "host": "127.0.0.1",
            "http_port": _free_port(),
            "bolt_port": self.bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "server_databaseDirectory": str(self.folder),
            **file_import_settings(),
        }
        self._server = ArcadeDBServer(
            root_path=str(self._private_dir), root_password=self.password, config=config
        )
        try:
            self._server.start()
        except Exception as exc:
            self._server = None
            self._cleanup()
            if "locked by another process" in str(exc):
                raise EmbeddedStoreError(
                    f"the store in {self.folder} is in use by another process: an embedded "
                    "store opens in one process at a time. Wait for the other statecrime "
                    "command to finish, or pass another --store."
                ) from exc
            raise EmbeddedStoreError(
                f"could not start the embedded store in {self.folder}: {exc}"
            ) from exc
        atexit.register(self.stop)
        interrupts.on_interrupt(self.sever_connections)
        self._open_database()

    def database(self) -> Any:
        """The open database as the ``arcadedb`` Python API gives it, for in-process writes."""
        return self._server.get_database(DATABASE_NAME)

    def sever_connections(self) -> None:
        """Cut every connection this process has to the server (a signal came)."""
        if self.bolt_port:
            _sever_connections_to(self.bolt_port)

    def _open_database(self) -> None:
        if (self.folder / DATABASE_NAME).exists():
            try:
                self._server.get_database(DATABASE_NAME)
            except Exception as exc:
                raise EmbeddedStoreError(
                    f"could not open the store in {self.folder}: {exc}. If another statecrime "
                    "command is using this store, wait for it to finish or pass another --store."
                ) from exc
        else:
            self._server.create_database(DATABASE_NAME)

    def stop(self) -> None:
        """Stop the server and remove its private configuration; safe to call twice."""
        with interrupts.deferred():
            interrupts.forget(self.sever_connections)
            server, self._server = self._server, None
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
                atexit.unregister(self.stop)
            self._cleanup()

    def _cleanup(self) -> None:
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
        if self._umask_held:
            self._umask_held = False
            _private_umask_off()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- Read-only access and limits, enforced by the server ------------------------------------
#
# Analysts' Cypher without --write runs as a second server user, READER_USER, whose group on
# the statecrime database grants reading records and nothing else: no createRecord,
# updateRecord or deleteRecord, no updateSchema (so no CREATE CONSTRAINT/INDEX, no new label),
# no updateSecurity (which ArcadeDB also asks of LOAD CSV from a local file). The server checks
# those rights on every record and schema operation, whatever the statement (plain CREATE/SET/
# DELETE, CALL { } IN TRANSACTIONS, merge.node and the other write procedures), so the guard
# does not depend on how the statement is written. Its password, like root's, is drawn for
# this run and held only in memory; the server keeps a salted hash of it in the private folder.

READER_USER = "statecrime_reader"
READER_GROUP = "statecrime_reader"
FILE_IMPORT_ENV = "STATECRIME_ALLOW_FILE_IMPORT"
_COMMAND_TIMEOUT = "arcadedb.command.timeout"


def file_import_allowed() -> bool:
    """Whether ``LOAD CSV`` may read local files and URLs (``STATECRIME_ALLOW_FILE_IMPORT=1``)."""
    return os.environ.get(FILE_IMPORT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


_FILE_IMPORT_SETTINGS = (
    "arcadedb.opencypher.loadCsv.allowFileUrls",
    "arcadedb.opencypher.loadCsv.allowRemoteUrls",
)


def file_import_settings() -> dict[str, Any]:
    """Server settings for ``LOAD CSV``: off for files and URLs unless the user turned it on.

    ``arcadedb.opencypher.loadCsv.allowFileUrls`` covers ``file:///`` URLs and bare
    paths, ``allowRemoteUrls`` http(s). The keys are given the way
    ``ArcadeDBServer`` spells them (``_`` becomes ``.``). They are database
    settings, so :func:`restrict_file_import` sets them on the open database too.
    """
    allowed = file_import_allowed()
    return {
        key.removeprefix("arcadedb.").replace(".", "_"): allowed for key in _FILE_IMPORT_SETTINGS
    }


def restrict_file_import(java_database: Any) -> None:
    """Apply the ``LOAD CSV`` file and URL switches to the open database's own settings."""
    import jpype

    allowed = jpype.JBoolean(file_import_allowed())
    for key in _FILE_IMPORT_SETTINGS:
        java_database.getConfiguration().setValue(key, allowed)


def reader_group(read_timeout_ms: int = -1) -> dict[str, Any]:
    """The reader's rights on the statecrime database: read records, nothing else."""
    return {
        "access": [],
        "resultSetLimit": -1,
        "readTimeout": read_timeout_ms,
        "types": {"*": {"access": ["readRecord"]}},
    }


def install_reader(java_server: Any, password: str, read_timeout_ms: int = -1) -> None:
    """Create the read-only group and user on a started server (idempotent per server)."""
    import jpype

    json_object = jpype.JClass("com.arcadedb.serializer.json.JSONObject")
    security = java_server.getSecurity()
    group = json_object(json.dumps(reader_group(read_timeout_ms)))
    security.saveGroup(DATABASE_NAME, READER_GROUP, group)
    user = {
        "name": READER_USER,
        "password": str(security.encodePassword(password)),
        "databases": {DATABASE_NAME: [READER_GROUP]},
    }
    if security.existsUser(READER_USER):
        security.dropUser(READER_USER)
    security.createUser(json_object(json.dumps(user)))
    security.updateSchema(java_server.getDatabase(DATABASE_NAME))


class CommandTimeout:
    """The server's limit on how long one command may run, held while read queries run.

    ArcadeDB's ``arcadedb.command.timeout`` is checked inside its scan, expansion
    and filter loops, so it ends a runaway traversal that the group's
    ``readTimeout`` (which bounds record scans only) does not. It is a setting of
    the database, not of a user: it is set while at least one bounded read runs
    and cleared when the last one ends, so loads run without a limit. A write
    that starts while a bounded read runs in the same process is bounded too.
    """

    def __init__(self, java_database: Any) -> None:
        self._database = java_database
        self._lock = threading.Lock()
        self._active: list[int] = []

    def _apply(self) -> None:
        import jpype

        limit = min(self._active) if self._active else 0
        self._database.getConfiguration().setValue(_COMMAND_TIMEOUT, jpype.JLong(limit))

    @contextlib.contextmanager
    def bounded(self, seconds: float | None) -> Iterator[None]:
        if seconds is None or seconds <= 0:
            yield
            return
        limit = max(1, int(seconds * 1000))
        with self._lock:
            self._active.append(limit)
            self._apply()
        try:
            yield
        finally:
            with self._lock:
                self._active.remove(limit)
                with contextlib.suppress(Exception):
                    self._apply()


def reader_access(server: EmbeddedServer) -> tuple[tuple[str, str], CommandTimeout]:
    """Set up the read-only user on a started ``server``: its credentials and the limit switch."""
    java_server = server._server._java_server
    password = secrets.token_urlsafe(24)
    install_reader(java_server, password)
    database = java_server.getDatabase(DATABASE_NAME)
    restrict_file_import(database)
    return (READER_USER, password), CommandTimeout(database)
