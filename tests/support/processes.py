"""Run the real ``statecrime`` script as a separate process and signal it at chosen moments.

Used by the interrupt tests and by ``benchmarks/bench_interrupt.py``. A moment
is something the process shows from outside, never a fixed sleep after start
(starting the store takes from 2 to 20 seconds on a busy machine):

* the load's progress on a terminal (its stderr is a pseudo-terminal here, as
  an analyst's is), e.g. "writing";
* the process holding an established TCP connection: the driver has reached
  the store's Bolt port, so the store is open and the command's own queries
  have begun.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
STATECRIME = ROOT / ".venv" / "bin" / "statecrime"
START_TIMEOUT = 240.0
"""Generous: eight processes share two cores on the CI machine, and a store's start is Java's."""
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def plain_lines(text: str) -> list[str]:
    """The lines a terminal would show, escape sequences and blank lines left out."""
    out = []
    for raw in _ANSI.sub("", text).replace("\r", "\n").split("\n"):
        if raw.strip():
            out.append(raw.strip())
    return out


class Command:
    """One run of ``statecrime ARGS``: stdout a pipe, stderr a pipe or a pseudo-terminal."""

    def __init__(
        self,
        args: list[str],
        *,
        cwd: Path,
        env: dict[str, str] | None = None,
        terminal: bool = False,
        umask: int | None = None,
    ) -> None:
        self.stderr_text = ""
        self.stdout_text = ""
        self._master: int | None = None
        slave: int | None = None
        if terminal:
            self._master, slave = pty.openpty()
        full_env = {**os.environ, **(env or {})}
        full_env.setdefault("COLUMNS", "100")

        def before() -> None:
            if umask is not None:
                os.umask(umask)

        self.proc = subprocess.Popen(
            [str(STATECRIME), *args],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave if slave is not None else subprocess.PIPE,
            start_new_session=True,
            preexec_fn=before,
        )
        if slave is not None:
            os.close(slave)
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.signalled_at: float | None = None
        self.ended_at: float | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for chunk in iter(lambda: self.proc.stdout.read1(65536), b""):  # type: ignore[union-attr]
            self.stdout_text += chunk.decode("utf-8", "replace")

    def _read_stderr(self) -> None:
        if self._master is not None:
            while True:
                try:
                    chunk = os.read(self._master, 65536)
                except OSError:  # EIO once the process has closed the terminal
                    break
                if not chunk:
                    break
                self.stderr_text += chunk.decode("utf-8", "replace")
            os.close(self._master)
            return
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):  # type: ignore[union-attr]
            self.stderr_text += chunk.decode("utf-8", "replace")

    def wait_until(self, what: str, ready: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        """Poll until ``ready()``; fail (killing the process) if it ends or the time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the process ended (status {self.proc.returncode}) before {what}:\n"
                    f"stdout: {self.stdout_text[-2000:]}\nstderr: {self.stderr_text[-2000:]}"
                )
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"no {what} within {timeout:.0f} s:\n{self.stderr_text[-2000:]}")

    def wait_for_output(self, text: str, timeout: float = START_TIMEOUT) -> None:
        self.wait_until(f"{text!r} on stderr", lambda: text in self.stderr_text, timeout)

    def wait_for_store(self, timeout: float = START_TIMEOUT) -> None:
        """Until the driver is connected to the store (the command's queries have begun)."""
        self.wait_until("connection to the store", lambda: has_established_tcp(self.pid), timeout)

    def send(self, signum: int) -> None:
        self.signalled_at = time.monotonic()
        os.kill(self.pid, signum)

    def finish(self, timeout: float = 120.0) -> int:
        """Wait for the end and both streams; the status as a shell shows it (128 + n if killed)."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.ended_at = time.monotonic()
        for reader in self._readers:
            reader.join(10)
        return code if code >= 0 else 128 - code

    @property
    def seconds_to_end(self) -> float:
        assert self.signalled_at is not None and self.ended_at is not None
        return self.ended_at - self.signalled_at

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(30)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        entries = list(fd_dir.iterdir())
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def has_established_tcp(pid: int) -> bool:
    """Whether ``pid`` holds an ESTABLISHED TCP connection (state 01 in /proc/net/tcp)."""
    inodes = _socket_inodes(pid)
    if not inodes:
        return False
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "01" and fields[9] in inodes:
                return True
    return False


def private_dirs_of(tmpdir: Path) -> list[Path]:
    """The private folders (``statecrime-arcadedb-*``) under a TMPDIR."""
    return sorted(tmpdir.glob("statecrime-arcadedb-*"))
