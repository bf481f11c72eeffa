"""Each ArcadeDB build keeps the embedded store's promises, tried in a process of its own.

The rest of the suite runs on the default build (native). Here each installed
build (``STATECRIME_ARCADEDB_BUILD=native`` and ``=jvm``) opens a store in a
fresh process whose cwd, HOME and TMPDIR are empty folders, and checks what an
administrator would: which build runs, that nothing but the Bolt and HTTP
listeners is open and both only on 127.0.0.1, that the MCP endpoint the engine
ships is off, that an analyst's query cannot write, read a local file or run
past its limit, and that the process leaves nothing behind but the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from statecrime.graph import embedded_builds
from tests.support.stores import ROOT

PROBE = r"""
import base64, json, os, sys, urllib.error, urllib.request
from pathlib import Path

from statecrime.graph import embedded_builds
from statecrime.graph.connect import open_store
from statecrime.graph.embedded import EmbeddedServer, end_process
from statecrime.queries.adhoc import FileImportRefused, QueryTimedOut, WriteRefused, run_cypher


def listeners():
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN, one of ours
                address, port = fields[1].split(":")
                host = "127.0.0.1" if address.endswith("0100007F") else address
                found.append([host, int(port, 16)])
    return sorted(found)


def mcp(server):
    token = base64.b64encode(":".join(server.auth).encode()).decode()
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.http_port}/api/v1/mcp",
        data=body,
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return [answer.status, answer.read().decode()]
    except urllib.error.HTTPError as refused:
        return [refused.code, refused.read().decode()]


out = {}
folder = Path(sys.argv[1])
with EmbeddedServer(folder) as server:
    out["build"] = server.build
    out["listeners"] = listeners()
    out["ports"] = sorted([server.bolt_port, server.http_port])
    out["mcp"] = mcp(server)
with open_store(str(folder)) as store:
    run_cypher(store, "CREATE (:Entity {id: 'kept'})", write=True)
    refused = []
    for text in ("CREATE (:Entity {id: 'x'})", "MATCH (n) DETACH DELETE n"):
        try:
            run_cypher(store, text)
        except WriteRefused:
            refused.append(text)
    for text in ("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",):
        for write in (False, True):
            try:
                run_cypher(store, text, write=write)
            except FileImportRefused:
                refused.append(f"{text} write={write}")
    out["refused"] = refused
    run_cypher(store, "UNWIND range(1, 300) AS i CREATE (:Noise {n: i})", write=True)
    for step in (7, 13):
        run_cypher(
            store,
            "UNWIND range(1, 300) AS i MATCH (a:Noise {n: i}), (b:Noise {n: (i * $step) % 300 + 1}) "
            "CREATE (a)-[:NOISE]->(b)",
            {"step": step},
            write=True,
        )
    try:
        run_cypher(store, "MATCH p = (a:Noise)-[*1..12]-(b) RETURN count(p)", timeout=1)
        out["timed_out"] = False
    except QueryTimedOut:
        out["timed_out"] = True
    out["count"] = run_cypher(store, "MATCH (n:Entity) RETURN count(n) AS c").rows[0]["c"]
    out["running"] = embedded_builds.running()
print(json.dumps(out))
end_process(0)
"""


def _builds() -> list[object]:
    return [
        pytest.param(
            build,
            marks=pytest.mark.skipif(
                not embedded_builds.installed(build),
                reason=f"{embedded_builds.DISTRIBUTIONS[build]} is not installed",
            ),
        )
        for build in (embedded_builds.NATIVE, embedded_builds.JVM)
    ]


@pytest.mark.parametrize("build", _builds())
def test_each_build_keeps_the_promises_and_leaves_nothing_behind(
    tmp_path: Path, build: str
) -> None:
    cwd, home, tmp = tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp"
    for folder in (cwd, home, tmp):
        folder.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ARCADEDB_", "XDG_", "STATECRIME_"))
    }
    env.update(
        {
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "PYTHONPATH": str(ROOT),
            embedded_builds.BUILD_ENV: build,
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "store")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    out = json.loads(done.stdout)
    assert out["build"] == build and out["running"] == build
    assert out["listeners"] == [["127.0.0.1", port] for port in out["ports"]]
    status, body = out["mcp"]
    assert status != 200 and "disabled" in body, out["mcp"]
    assert len(out["refused"]) == 4, out["refused"]
    assert out["timed_out"] is True
    assert out["count"] == 1
    assert list(cwd.iterdir()) == [], "written into the current folder"
    assert list(home.rglob("*")) == [], f"written under HOME: {list(home.rglob('*'))}"
    assert list(tmp.iterdir()) == [], f"left in TMPDIR: {list(tmp.rglob('*'))}"


def test_the_default_is_the_native_build_and_a_wrong_choice_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(embedded_builds.BUILD_ENV, raising=False)
    assert embedded_builds.chosen() == embedded_builds.NATIVE
    monkeypatch.setenv(embedded_builds.BUILD_ENV, "graal")
    with pytest.raises(embedded_builds.BuildError, match="'native' or 'jvm'"):
        embedded_builds.chosen()
    monkeypatch.setenv(embedded_builds.BUILD_ENV, "JVM")
    if embedded_builds.installed(embedded_builds.JVM):
        assert embedded_builds.chosen() == embedded_builds.JVM
    else:
        with pytest.raises(embedded_builds.BuildError, match=r"statecrime\[jvm\]"):
            embedded_builds.chosen()
