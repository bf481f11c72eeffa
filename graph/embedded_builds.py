"""Which ArcadeDB build runs the embedded store, and how each one is started quietly.

Two builds of the same engine (ArcadeDB 26.10.2) can run it, with the same
Python API (``ArcadeDBServer``, ``get_database``):

* ``native`` (the default): the PyPI package ``arcadedb``, the engine compiled
  ahead of time by GraalVM into a shared library loaded with ``ctypes``. No
  Java runtime starts, so a command's store is up in a tenth of a second
  instead of seconds. It is a pre-release (``26.11.1.dev2``), pinned.
* ``jvm``: the PyPI package ``arcadedb-embedded``, the engine in a bundled Java
  runtime driven through JPype (``pip install 'statecrime[jvm]'``).

``STATECRIME_ARCADEDB_BUILD=native|jvm`` chooses; unset, the native build is
used when it is installed, else the JVM build. What statecrime promises about
the store (the read-only user, the time limit, file access, signals, nothing
written outside the store and the private folder) is built the same way on
both, from configuration files and SQL, not from either build's internals:
see :mod:`statecrime.graph.embedded`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

BUILD_ENV = "STATECRIME_ARCADEDB_BUILD"
NATIVE = "native"
JVM = "jvm"
DISTRIBUTIONS = {NATIVE: "arcadedb", JVM: "arcadedb-embedded"}
"""Each build's PyPI distribution (``arcadedb-jvm`` installs an ``arcadedb`` module too: not it)."""

_JVM_LOGGING_QUIET = """\
handlers =
.level = OFF
"""
_JVM_LOGGING_DEBUG = """\
handlers = java.util.logging.ConsoleHandler
.level = INFO
java.util.logging.ConsoleHandler.level = ALL
"""


class BuildError(RuntimeError):
    """No usable ArcadeDB build: the message says what to install or set."""


def installed(build: str) -> bool:
    """Whether ``build``'s distribution is installed (read from its metadata: nothing imported).

    The native build must be the ``arcadedb`` distribution itself: ``arcadedb-jvm``
    installs a module of the same name that would start a JVM without our settings.
    """
    try:
        metadata.distribution(DISTRIBUTIONS[build])
    except metadata.PackageNotFoundError:
        return False
    return True


def chosen() -> str:
    """The build to start: ``STATECRIME_ARCADEDB_BUILD``, else native if installed, else jvm."""
    wanted = os.environ.get(BUILD_ENV, "").strip().lower()
    if wanted:
        if wanted not in DISTRIBUTIONS:
            raise BuildError(f"{BUILD_ENV} must be 'native' or 'jvm', not {wanted!r}")
        if not installed(wanted):
            hint = "pip install 'statecrime[jvm]'" if wanted == JVM else "pip install statecrime"
            raise BuildError(
                f"{BUILD_ENV}={wanted} but {DISTRIBUTIONS[wanted]} is not installed ({hint})"
            )
        return wanted
    for build in (NATIVE, JVM):
        if installed(build):
            return build
    raise BuildError("no ArcadeDB build is installed: pip install statecrime (the native build)")


def running() -> str | None:
    """The build whose engine this process has loaded, if any (the first store decides)."""
    jpype = sys.modules.get("jpype")
    if jpype is not None and jpype.isJVMStarted():
        return JVM
    native_lib = sys.modules.get("arcadedb._native.lib")
    if native_lib is not None and native_lib.loaded():
        return NATIVE
    return None


@contextlib.contextmanager
def quiet_stderr(capture: Path, leave: bool) -> Iterator[None]:
    """Send the engine's start-up chatter (written on fd 2 by native code) to a file.

    ``leave``: do not (debugging, or nothing to catch).
    """
    if leave:
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


def chatter_of(capture: Path) -> str:
    """What the engine printed while starting, for an error message."""
    with contextlib.suppress(OSError):
        return capture.read_text(encoding="utf-8", errors="replace").strip()
    return ""


def server_class(build: str, private_dir: Path, debug: bool) -> Any:
    """``ArcadeDBServer`` of ``build``, its runtime prepared once per process.

    The native library reads where to log when it is first loaded (at the first
    server start), the JVM its settings when it starts: both are set here,
    before either happens, to the process's private folder.
    """
    if build == NATIVE:
        _prepare_native(private_dir, debug)
        from statecrime.startup import without_array_libraries

        with without_array_libraries():  # numpy is 0.2 s of a command's start, and unused
            from arcadedb.server import ArcadeDBServer

            with contextlib.suppress(ImportError):  # what ArcadeDBServer() imports, here
                import arcadedb._native.server  # noqa: F401

        return ArcadeDBServer
    _start_jvm(private_dir, debug)
    from arcadedb_embedded.server import ArcadeDBServer

    return ArcadeDBServer


def _prepare_native(private_dir: Path, debug: bool) -> None:
    """Log into the private folder, to the terminal only with ``--debug``; heap if asked.

    Unset, the library writes its log under ``~/.local/state/arcadedb/log``
    (outside both the store and the private folder) and echoes it on stderr.
    ``STATECRIME_EMBEDDED_HEAP`` (e.g. ``4g``) caps the engine's heap, which is
    otherwise half the machine's memory.
    """
    if running() == NATIVE:
        return
    os.environ["ARCADEDB_LOG_DIR"] = str(private_dir / "engine-log")
    os.environ["ARCADEDB_LOG_CONSOLE"] = "1" if debug else "0"
    heap = os.environ.get("STATECRIME_EMBEDDED_HEAP", "").strip()
    if heap:
        extra = os.environ.get("ARCADEDB_NATIVE_ISOLATE_ARGS", "").split()
        extra = [a for a in extra if not a.startswith("-Xmx")]
        os.environ["ARCADEDB_NATIVE_ISOLATE_ARGS"] = " ".join([*extra, f"-Xmx{heap}"])


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


def _start_jvm(private_dir: Path, debug: bool) -> None:
    """Start the JVM once per process, quiet unless debugging, deaf to our signals."""
    import jpype
    from arcadedb_embedded import jvm

    if jpype.isJVMStarted():
        return
    logging_file = private_dir / "logging.properties"
    logging_file.write_text(_JVM_LOGGING_DEBUG if debug else _JVM_LOGGING_QUIET, encoding="utf-8")
    chatter = private_dir / "jvm-start.log"
    try:
        with quiet_stderr(chatter, debug):
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
        raise BuildError(
            f"could not start the embedded store's Java runtime: {exc}\n{chatter_of(chatter)}"
        ) from exc
