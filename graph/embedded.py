"""The embedded default store: ArcadeDB run in this process, spoken to over Bolt.

The engine is the PyPI package ``arcadedb``: ArcadeDB compiled ahead of time
into a native library (GraalVM native image), so a command starts no Java
runtime (0.3 s to a listening server against 1.8 s for the JVM builds, see
benchmarks/README.md). Its JVM twin ``arcadedb-jvm`` installs the same
``arcadedb`` module with the same API; with it installed instead, the JVM is
started here with our logging settings. We start its server
with only the Bolt plugin, every listener on 127.0.0.1 on free ports, and a root
password drawn at random for this run and held only in memory: nothing on disk
lets another user in. The server's configuration lives in a private temporary
folder removed on stop; the database itself lives in the store folder the user
chose, so it outlives the process.

The server must be stopped before the interpreter exits, even on an unhandled
exception, or its Java runtime crashes on the way out: use
:class:`EmbeddedServer` as a context manager (it also registers an ``atexit``
stop as a last resort).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

DATABASE_NAME = "statecrime"
USER = "root"
_JVM_LOGGING = """\
handlers = java.util.logging.ConsoleHandler
.level = SEVERE
java.util.logging.ConsoleHandler.level = SEVERE
"""


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
    sys.stdout.flush()
    sys.stderr.flush()
    if "jpype" in sys.modules and sys.modules["jpype"].isJVMStarted():
        os._exit(code)
    sys.exit(code)


class EmbeddedStoreError(RuntimeError):
    """The embedded store could not be started or opened."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _quiet_stderr(capture: Path) -> Iterator[None]:
    """Send the Java runtime's start-up chatter to a file instead of the terminal."""
    saved = os.dup(2)
    with capture.open("wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _start_jvm(private_dir: Path) -> None:
    """Start the JVM once per process, with ArcadeDB's logging turned down to errors.

    The native build has no JVM: there this only keeps the engine's console log
    (INFO lines on stderr) off; its file log goes to the user's state directory.
    """
    os.environ.setdefault("ARCADEDB_LOG_CONSOLE", "0")
    import arcadedb

    if arcadedb.__backend__ == "native":
        return
    import jpype
    from arcadedb import jvm

    if jpype.isJVMStarted():
        return
    logging_file = private_dir / "logging.properties"
    logging_file.write_text(_JVM_LOGGING, encoding="utf-8")
    chatter = private_dir / "jvm-start.log"
    try:
        with _quiet_stderr(chatter):
            jvm.start_jvm(
                heap_size=os.environ.get("STATECRIME_EMBEDDED_HEAP", "1g"),
                jvm_args=[
                    f"-Djava.util.logging.config.file={logging_file}",
                    # the bundled web server calls sun.misc.Unsafe; JDK 25 warns on stderr
                    "--sun-misc-unsafe-memory-access=allow",
                ],
            )
    except Exception as exc:
        detail = chatter.read_text(encoding="utf-8", errors="replace").strip()
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

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def auth(self) -> tuple[str, str]:
        return (USER, self.password)

    def start(self) -> EmbeddedServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._private_dir = Path(tempfile.mkdtemp(prefix="statecrime-arcadedb-"))
        os.chmod(self._private_dir, 0o700)
        _start_jvm(self._private_dir)
        from arcadedb import ArcadeDBServer

        self.bolt_port = _free_port()
        config = {
            "host": "127.0.0.1",
            "http_port": _free_port(),
            "bolt_port": self.bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "server_databaseDirectory": str(self.folder),
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
        try:
            self._open_database()
        except BaseException:
            self.stop()
            raise
        return self

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

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
