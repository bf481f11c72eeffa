"""Read-only Cypher, file access and time limits on the embedded store: tries to break them.

Each refused query must leave the store as it was: the same counts, the same
sample entity, the same indexes and constraints (a schema statement leaves no
trace, not even the property type a failing index would leave). The CLI says
so in one line and exits 3. The same process goes on writing through its own
connection, as the API and ``view --cypher`` do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from statecrime.cli import app
from statecrime.graph.connect import open_store
from statecrime.graph.embedded import FILE_IMPORT_ENV
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths
from statecrime.queries.adhoc import FileImportRefused, QueryTimedOut, WriteRefused, run_cypher
from statecrime.watchdog import EXIT_TIMED_OUT, CommandTimedOut, watchdog
from tests.support.readonly_routes import LONG_QUERY, ROUTES, Route, snapshot
from tests.support.stores import curated_files

TWINS = """
sources:
  - {{id: s-twin, publisher: "A publisher", title: "A title", date: 2024-01-01,
     url: "https://example.org/twin"}}
entities:
  - {{id: {id}, kind: Person, name: Twin Name}}
"""


@pytest.fixture(autouse=True)
def _no_file_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FILE_IMPORT_ENV, raising=False)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_a_read_only_query_cannot_change_the_store(curated_store: Store, route: Route) -> None:
    before = snapshot(curated_store)
    with pytest.raises(WriteRefused):
        run_cypher(curated_store, route.text)
    assert snapshot(curated_store) == before


def test_read_only_queries_still_read(curated_store: Store) -> None:
    result = run_cypher(curated_store, "MATCH (n:Entity) RETURN count(n) AS c")
    assert result.rows == [{"c": sum(curated_store.counts()[0].values())}]
    assert result.rows[0]["c"] > 100


def test_one_process_refuses_reads_that_write_and_still_writes_when_asked(
    empty_store: Store, tmp_path: Path
) -> None:
    records = tmp_path / "one.yaml"
    records.write_text(TWINS.format(id="twin-a"), encoding="utf-8")
    load_paths(empty_store, [records])
    with pytest.raises(WriteRefused):
        run_cypher(empty_store, "MATCH (n:Entity {id: 'twin-a'}) SET n.flag = 1")
    run_cypher(empty_store, "MATCH (n:Entity {id: 'twin-a'}) SET n.flag = 2", write=True)
    with pytest.raises(WriteRefused):
        run_cypher(empty_store, "MATCH (n:Entity {id: 'twin-a'}) SET n.flag = 3")
    rows = run_cypher(empty_store, "MATCH (n:Entity {id: 'twin-a'}) RETURN n.flag AS f").rows
    assert rows == [{"f": 2}]


def test_a_refused_constraint_does_not_exist_and_a_later_load_succeeds(
    empty_store: Store, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(TWINS.format(id="twin-a"), encoding="utf-8")
    second.write_text(TWINS.format(id="twin-b"), encoding="utf-8")
    load_paths(empty_store, [first])
    with pytest.raises(WriteRefused):
        run_cypher(empty_store, "CREATE CONSTRAINT twin FOR (n:Entity) REQUIRE n.name IS UNIQUE")
    names = [c[0] for c in snapshot(empty_store)["constraints"]]
    assert names == ["entity_id"]
    report = load_paths(empty_store, [second])  # a second "Twin Name": fine without the constraint
    assert report.entities.added == 1


def test_a_refused_failing_index_leaves_no_property_type(
    empty_store: Store, tmp_path: Path
) -> None:
    before = snapshot(empty_store)
    with pytest.raises(WriteRefused):
        run_cypher(empty_store, "CREATE INDEX on_aliases FOR (n:Entity) ON (n.aliases)")
    assert snapshot(empty_store) == before
    records = tmp_path / "aliases.yaml"
    records.write_text(
        TWINS.format(id="twin-a").replace("name: Twin Name}", "name: Twin, aliases: [T1, T2]}"),
        encoding="utf-8",
    )
    assert load_paths(empty_store, [records]).entities.added == 1


def test_load_csv_of_a_file_is_refused_without_the_variable(curated_store: Store) -> None:
    for write in (False, True):
        with pytest.raises(FileImportRefused) as refused:
            run_cypher(
                curated_store, "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", write=write
            )
        assert "root:" not in str(refused.value)
        with pytest.raises(FileImportRefused):
            run_cypher(curated_store, "LOAD CSV FROM '/etc/passwd' AS l RETURN l", write=write)
        with pytest.raises(FileImportRefused):
            run_cypher(
                curated_store,
                "LOAD CSV FROM 'https://example.org/x.csv' AS l RETURN l",
                write=write,
            )


def test_load_csv_of_a_file_works_with_the_variable_and_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "table.csv"
    table.write_text("id,name\nx1,First\n", encoding="utf-8")
    monkeypatch.setenv(FILE_IMPORT_ENV, "1")
    with open_store(str(tmp_path / "store")) as store:
        query = f"LOAD CSV WITH HEADERS FROM 'file://{table}' AS row RETURN row.name AS name"
        assert run_cypher(store, query, write=True).rows == [{"name": "First"}]
        with pytest.raises(FileImportRefused):  # still not for a read-only query
            run_cypher(store, query)


def test_a_runaway_query_ends_at_the_time_limit(curated_store: Store) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimedOut) as stopped:
        run_cypher(curated_store, LONG_QUERY, timeout=2)
    elapsed = time.monotonic() - started
    assert elapsed < 2 + 8, f"stopped after {elapsed:.1f} s"
    assert "2 s limit" in str(stopped.value) and "--timeout" in str(stopped.value)
    # the store serves the next query, and the limit was lifted with the query
    assert run_cypher(curated_store, "RETURN 1 AS one").rows == [{"one": 1}]


def test_the_store_read_timeout_bounds_queries_without_their_own(curated_store: Store) -> None:
    curated_store.read_timeout = 2
    try:
        with pytest.raises(QueryTimedOut):
            run_cypher(curated_store, LONG_QUERY)
    finally:
        curated_store.read_timeout = None


def test_the_watchdog_stops_what_the_store_does_not() -> None:
    started = time.monotonic()
    with pytest.raises(CommandTimedOut), watchdog(1, grace=0.5):
        time.sleep(30)
    assert time.monotonic() - started < 5


# --- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("readonly-cli-store")
    result = CliRunner().invoke(app, ["--store", str(folder), "load", *map(str, curated_files())])
    assert result.exit_code == 0, result.output
    return str(folder)


def _stats(store: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["--store", store, "--format", "json", "stats"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


CLI_ROUTES = [
    r for r in ROUTES if r.name in {"delete-in-transactions", "unique-constraint", "merge.node"}
]


@pytest.mark.parametrize("route", CLI_ROUTES, ids=[r.name for r in CLI_ROUTES])
def test_the_cli_refuses_in_one_line_with_status_3(cli_store: str, route: Route) -> None:
    before = _stats(cli_store)
    result = CliRunner().invoke(app, ["--store", cli_store, "cypher", route.text])
    assert result.exit_code == 3, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--write" in lines[0], lines
    assert _stats(cli_store) == before


def test_the_cli_prints_no_local_file(cli_store: str) -> None:
    result = CliRunner().invoke(
        app, ["--store", cli_store, "cypher", "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l"]
    )
    assert result.exit_code == 3, result.output
    assert "root:" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_cli_timeout_ends_a_runaway_query_in_its_own_process(
    cli_store: str, tmp_path: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if k != FILE_IMPORT_ENV}
    command = [sys.executable, "-m", "statecrime", "--store", cli_store, "--timeout", "3"]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "cypher", LONG_QUERY],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == EXIT_TIMED_OUT, (done.stdout, done.stderr)
    assert done.stderr.strip().splitlines() == [
        "error: the query ran past the 3 s limit and was stopped; nothing was written. "
        "Give more time with --timeout SECONDS (0: no limit)."
    ], done.stderr
    assert done.stdout == ""
    assert not list(tmp_path.glob("hs_err_pid*.log"))
    assert elapsed < 240


def test_a_view_of_a_writing_query_is_refused(cli_store: str, tmp_path: Path) -> None:
    before = _stats(cli_store)
    output = tmp_path / "view.html"
    result = CliRunner().invoke(
        app,
        [
            "--store",
            cli_store,
            "view",
            "--cypher",
            "MATCH (n) DETACH DELETE n",
            "--output",
            str(output),
        ],
    )
    assert result.exit_code == 3, result.output
    assert not output.exists()
    assert _stats(cli_store) == before


@pytest.mark.parametrize(
    ("noted", "kept"),
    [
        ("", "nothing was written"),
        (
            "interrupts.committed('the --write query may have committed some of its batches')\n",
            "the --write query may have committed some of its batches, nothing else was written",
        ),
    ],
    ids=["nothing committed", "batches committed"],
)
def test_the_watchdog_ends_the_process_when_nothing_else_can(
    tmp_path: Path, noted: str, kept: str
) -> None:
    """The last resort: its line says what the command noted as committed, its cleanups run."""
    # SIGALRM blocked: the soft stop cannot fire, as when the main thread is stuck in Java
    program = (
        "import pathlib, signal, time\n"
        "from statecrime import interrupts\n"
        "from statecrime.watchdog import watchdog\n"
        "interrupts.at_forced_exit(lambda: pathlib.Path('private').rmdir())\n"
        f"{noted}"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "with watchdog(1, grace=0.5):\n"
        "    time.sleep(60)\n"
    )
    (tmp_path / "private").mkdir()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EXIT_TIMED_OUT, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: the query ran past the 1 s limit and was stopped; {kept}. "
        "Give more time with --timeout SECONDS (0: no limit)."
    ]
    assert time.monotonic() - started < 30
    assert not (tmp_path / "private").exists()


def test_a_failure_while_a_time_out_unwinds_is_still_a_time_out() -> None:
    from statecrime.queries.adhoc import timed_out_in

    try:
        try:
            raise CommandTimedOut(3)
        except CommandTimedOut:
            raise BufferError("Existing exports of data: object cannot be re-sized")  # noqa: B904
    except BufferError as exc:
        assert isinstance(timed_out_in(exc), CommandTimedOut)
    try:
        try:
            raise CommandTimedOut(3)
        except CommandTimedOut:
            raise ValueError("reported already") from None
    except ValueError as exc:
        assert timed_out_in(exc) is None
