"""Reaching Neo4j: lost connections end in one line, credentials never show, writes run once.

statecrime's own statements run in the driver's managed transactions (retried
with back-off on a transient error or a lost connection); opening a store
retries a refused connection with back-off; when Neo4j stays away the command
ends with one line, not a traceback. The connection is lost on purpose through
a TCP relay in front of the test Neo4j (tests/support/tcp_proxy.py): for the
driver that is a server gone away. Needs NEO4J_URI (tests/run.sh starts one).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from statecrime.graph.store import Store
from tests.support.neo4j import neo4j_env
from tests.support.stores import curated_files
from tests.support.tcp_proxy import TcpRelay, free_port

LONG_QUERY = "UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 123 RETURN count(x) AS n"


def neo4j_port() -> int:
    port = urlparse(os.environ["NEO4J_URI"]).port
    assert port
    return port


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statecrime", *args],
        env=env or neo4j_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def through(port: int, **extra: str) -> dict[str, str]:
    return {**neo4j_env(), "STATECRIME_STORE": f"bolt://127.0.0.1:{port}", **extra}


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def curated_neo4j(neo4j_store: Store) -> Store:
    from statecrime.loaders.load import load_paths

    load_paths(neo4j_store, curated_files())
    return neo4j_store


def _running(store: Store, fragment: str) -> list[str]:
    rows = store.read(
        "SHOW TRANSACTIONS YIELD transactionId, currentQuery RETURN transactionId, currentQuery"
    )
    return [r["transactionId"] for r in rows if fragment in (r["currentQuery"] or "")]


def _terminate(store: Store, fragment: str) -> None:
    for tx_id in _running(store, fragment):
        with store.session() as session:
            session.run("TERMINATE TRANSACTIONS $ids", ids=[tx_id]).consume()


def _wait_running(store: Store, fragment: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not _running(store, fragment):
        assert process.poll() is None, f"the command ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "the query never started on Neo4j"
        time.sleep(0.1)


def test_a_connection_lost_mid_command_ends_in_one_line(curated_neo4j: Store) -> None:
    relay = TcpRelay(neo4j_port()).start()
    process = subprocess.Popen(
        [sys.executable, "-m", "statecrime", "cypher", LONG_QUERY],
        env=through(relay.port, STATECRIME_RETRY_SECONDS="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_running(curated_neo4j, "range(1, 2000000000)", process)
        cut_at = time.monotonic()
        relay.cut()
        out, err = process.communicate(timeout=60)
        took = time.monotonic() - cut_at
    finally:
        relay.cut()
        if process.poll() is None:
            process.kill()
        _terminate(curated_neo4j, "range(1, 2000000000)")
    assert process.returncode != 0
    assert "Traceback" not in err
    assert len(lines(err)) == 1, err
    assert f"127.0.0.1:{relay.port}" in err
    assert took < 30, f"it took {took:.0f}s to give up"
    assert not out.strip()


def test_a_store_that_answers_late_is_waited_for(curated_neo4j: Store) -> None:
    """Opening retries a refused connection with back-off, so a Neo4j still starting is fine."""
    port = free_port()
    relay = TcpRelay(neo4j_port(), port)
    starter = threading.Timer(2.0, relay.start)
    process = subprocess.Popen(
        [sys.executable, "-m", "statecrime", "-f", "json", "stats"],
        env=through(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Start the relay only once the command has been refused at least once.
    time.sleep(1.2)
    starter.start()
    try:
        out, err = process.communicate(timeout=120)
    finally:
        starter.cancel()
        relay.cut()
    assert process.returncode == 0, err
    assert '"entities"' in out


def test_a_store_that_never_answers_ends_in_one_line(curated_neo4j: Store) -> None:
    port = free_port()
    started = time.monotonic()
    result = run("stats", env=through(port))
    took = time.monotonic() - started
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert lines(result.stderr) == [
        line for line in lines(result.stderr) if "could not reach Neo4j" in line
    ] and len(lines(result.stderr)) == 1, result.stderr
    assert "after 4 attempts" in result.stderr
    assert took < 60


def test_a_wrong_password_is_refused_without_showing_it(curated_neo4j: Store) -> None:
    sentinel = "Wr0ng-Passw0rd-Sentinel-93"
    env = {**neo4j_env(), "NEO4J_PASSWORD": sentinel}
    result = run("stats", env=env)
    assert result.returncode == 1
    shown = result.stdout + result.stderr
    assert sentinel not in shown
    assert os.environ["NEO4J_PASSWORD"] not in shown
    assert "Traceback" not in shown
    assert len(lines(result.stderr)) == 1, result.stderr
    assert "refused the credentials" in result.stderr


def test_credentials_in_the_uri_are_refused_without_showing_them(curated_neo4j: Store) -> None:
    sentinel = "Uri-Passw0rd-Sentinel-17"
    env = {**neo4j_env(), "STATECRIME_STORE": f"bolt://neo4j:{sentinel}@127.0.0.1:{neo4j_port()}"}
    result = run("stats", env=env)
    assert result.returncode == 1
    assert sentinel not in result.stdout + result.stderr
    assert "NEO4J_PASSWORD" in result.stderr


def test_the_test_neo4j_password_is_in_no_process_arguments(curated_neo4j: Store) -> None:
    """The launcher takes its password on standard input: no command line or environment shows it."""
    password = os.environ["NEO4J_PASSWORD"].encode()
    launchers = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"statecrime.neo4j.Launcher" in cmdline:
            launchers += 1
            assert password not in environ, f"process {proc.name} has the password in its environment"
        assert password not in cmdline, f"process {proc.name} has the password in its arguments"
    if urlparse(os.environ["NEO4J_URI"]).hostname == "127.0.0.1" and launchers == 0:
        pytest.skip("the Neo4j at NEO4J_URI was not started by scripts/neo4j-local.sh")


def test_cypher_write_runs_call_in_transactions(curated_neo4j: Store) -> None:
    """``--write`` is auto-commit, where Neo4j allows ``CALL { ... } IN TRANSACTIONS``."""
    try:
        result = run(
            "-f",
            "json",
            "cypher",
            "--write",
            "UNWIND range(1, 10) AS i CALL (i) { CREATE (:Scratch {i: i}) } IN TRANSACTIONS OF 3 ROWS",
        )
        assert result.returncode == 0, result.stderr
        made = curated_neo4j.read("MATCH (s:Scratch) RETURN count(s) AS n")[0]["n"]
        assert made == 10
    finally:
        with curated_neo4j.session() as session:
            session.run("MATCH (s:Scratch) DETACH DELETE s").consume()


def test_cypher_write_is_never_retried(curated_neo4j: Store) -> None:
    """A write cut off mid-way is reported, not run again on a new connection."""
    port = free_port()
    relay = TcpRelay(neo4j_port(), port).start()
    marker = "range(1, 1999999999)"
    query = (
        "CREATE (:Scratch {run: 'once'}) WITH 1 AS one "
        f"UNWIND {marker} AS x WITH x WHERE x % 7 = 123 RETURN count(x) AS n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "statecrime", "cypher", "--write", query],
        env=through(port, STATECRIME_RETRY_SECONDS="10"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_running(curated_neo4j, marker, process)
        relay.cut()
        _terminate(curated_neo4j, marker)
        relay = TcpRelay(neo4j_port(), port).start()  # a retry would now get through
        out, err = process.communicate(timeout=60)
        assert process.returncode != 0, out
        assert "Traceback" not in err
        assert len(lines(err)) == 1, err
        time.sleep(1)
        assert not _running(curated_neo4j, marker), "the write was sent again"
        assert curated_neo4j.read("MATCH (s:Scratch) RETURN count(s) AS n")[0]["n"] == 0
    finally:
        relay.cut()
        if process.poll() is None:
            process.kill()
        _terminate(curated_neo4j, marker)
        with curated_neo4j.session() as session:
            session.run("MATCH (s:Scratch) DETACH DELETE s").consume()


def test_statecrimes_own_reads_are_retried_after_a_lost_connection(curated_neo4j: Store) -> None:
    """``Store.read`` (a managed transaction) whose connection drops runs again, and answers."""
    from statecrime.graph.connect import open_store

    port = free_port()
    relay = TcpRelay(neo4j_port(), port).start()
    marker = "range(1, 1999999998)"
    # Long while a :Scratch node exists (the test removes it before the retry).
    query = (
        "OPTIONAL MATCH (s:Scratch) WITH count(s) AS slow "
        f"UNWIND CASE WHEN slow > 0 THEN {marker} ELSE range(1, 10) END AS x "
        "RETURN count(x) AS n"
    )
    answers: list[object] = []
    failures: list[BaseException] = []
    with curated_neo4j.session() as session:
        session.run("CREATE (:Scratch {slow: true})").consume()
    try:
        with open_store(f"bolt://127.0.0.1:{port}") as store:

            def read() -> None:
                try:
                    answers.append(store.read(query)[0]["n"])
                except BaseException as exc:
                    failures.append(exc)

            reader = threading.Thread(target=read)
            reader.start()
            deadline = time.monotonic() + 60
            while not _running(curated_neo4j, marker):
                assert time.monotonic() < deadline and reader.is_alive(), (answers, failures)
                time.sleep(0.1)
            relay.cut()
            with curated_neo4j.session() as session:
                session.run("MATCH (s:Scratch) DETACH DELETE s").consume()
            _terminate(curated_neo4j, marker)
            relay = TcpRelay(neo4j_port(), port).start()
            reader.join(60)
    finally:
        relay.cut()
        _terminate(curated_neo4j, marker)
        with curated_neo4j.session() as session:
            session.run("MATCH (s:Scratch) DETACH DELETE s").consume()
    assert not failures, failures
    assert answers == [10]
