"""`view` and `around` on a real store: hubs tamed, time cut, layouts read, notebooks served.

Why: an analyst asking for the neighbourhood of a gang must not get every
group the same state sanctioned (context relations are not crossed unless
asked), a hub's hundred members must not bury the picture (a cap, with what
was cut said in the JSON and expandable in the page), and ``--as-of`` must cut
every mode, not only ``--chains``. These run the real CLI in-process on a
store folder of their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statecrime import api
from statecrime.graph import domain
from statecrime.graph.connect import open_store
from tests.support.cli_stores import run, store_loaded_with

MEMBERS = 60

RECORDS = """
sources:
  - {id: s1, publisher: "A Publisher", title: "A report", date: 2024-10-01, url: "https://example.org/r"}
entities:
  - {id: us, kind: State, name: United States, country: US}
  - {id: kp, kind: State, name: North Korea, country: KP}
  - {id: kp-rgb, kind: StateAgency, name: Reconnaissance General Bureau, country: KP}
  - {id: lazarus, kind: HackingGroup, name: Lazarus Group, country: KP}
  - {id: gang, kind: CybercrimeGroup, name: "A <b>gang</b>", country: RU}
  - {id: boss, kind: Person, name: The Boss, roles: [criminal]}
""" + "".join(
    f"  - {{id: m{i:02d}, kind: Person, name: Member {i:02d}, roles: [criminal]}}\n"
    for i in range(MEMBERS)
) + """links:
  - {source: gang, type: SANCTIONED_BY, target: us, grading: A1, sources: [s1]}
  - {source: lazarus, type: SANCTIONED_BY, target: us, grading: A1, sources: [s1]}
  - {source: kp-rgb, type: PART_OF, target: kp, grading: A1, sources: [s1]}
  - {source: kp-rgb, type: DIRECTS, target: lazarus, grading: B2, sources: [s1], since: 2014}
  - {source: boss, type: LEADS, target: gang, grading: A1, sources: [s1], since: 2015, until: 2019-06}
""" + "".join(
    f"  - {{source: m{i:02d}, type: MEMBER_OF, target: gang, grading: {'B2' if i < 30 else 'C3'}, sources: [s1]}}\n"
    for i in range(MEMBERS)
)


@pytest.fixture(scope="module")
def hub_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return store_loaded_with(tmp_path_factory, "views-store", RECORDS)


def test_around_does_not_cross_context_unless_asked(hub_store: str) -> None:
    code, out = run(hub_store, "--format", "json", "around", "gang", "--hops", "2")
    assert code == 0, out
    found = json.loads(out)
    ids = {e["id"] for e in found["entities"]}
    assert "us" not in ids and "lazarus" not in ids
    assert {"SANCTIONED_BY", "BASED_IN"} <= set(found["skipped"]) == set(domain.CONTEXT_TYPES)
    code, out = run(
        hub_store, "--format", "json", "around", "gang", "--hops", "2", "--through-context"
    )
    ids = {e["id"] for e in json.loads(out)["entities"]}
    assert {"us", "lazarus"} <= ids


def test_around_says_what_the_cap_cut(hub_store: str) -> None:
    code, out = run(hub_store, "--format", "json", "around", "gang", "--hops", "1")
    assert code == 0, out
    found = json.loads(out)
    assert found["cap"] == 50
    [cut] = found["cut"]
    assert (cut["id"], cut["neighbours"], cut["shown"], cut["more"]) == ("gang", 61, 50, 11)
    assert len(cut["heldBack"]) == 11
    shown = {e["id"] for e in found["entities"]}
    assert len(shown) == 51 and not shown & set(cut["heldBack"])
    # the best-graded are kept: the leader (A1) and the B2 members before any C3 one
    assert "boss" in shown and {f"m{i:02d}" for i in range(30)} <= shown
    assert all(int(m[1:]) >= 30 for m in cut["heldBack"])
    code, out = run(hub_store, "--format", "json", "around", "gang", "--hops", "1", "--cap", "100")
    assert json.loads(out)["cut"] == []


def test_view_holds_the_cut_behind_more(hub_store: str, tmp_path: Path) -> None:
    output = tmp_path / "gang.html"
    code, out = run(hub_store, "--format", "json", "view", "--around", "gang", "--hops", "1", "-o", str(output))
    assert code == 0, out
    written = json.loads(out)
    assert written["nodes"] == 1 + 1 + MEMBERS and written["cut"][0]["more"] == 11
    data = json.loads(
        output.read_text("utf-8").split('id="statecrime-data">', 1)[1].split("</script>", 1)[0]
    )
    assert data["more"] == {"gang": 11}
    assert sum(1 for n in data["nodes"] if n.get("heldBy") == "gang") == 11


def test_as_of_cuts_every_mode(hub_store: str, tmp_path: Path) -> None:
    output = tmp_path / "then.html"
    code, out = run(hub_store, "--format", "json", "view", "--as-of", "2013-01-01", "-o", str(output))
    assert code == 0, out
    whole = json.loads(run(hub_store, "--format", "json", "view", "-o", str(output))[1])
    then = json.loads(out)
    assert whole["links"] - then["links"] == 2  # DIRECTS since 2014, LEADS since 2015: not yet
    code, out = run(
        hub_store, "--format", "json", "view", "--around", "gang", "--hops", "1", "--cap", "100",
        "--as-of", "2020-01-01", "-o", str(output),
    )
    assert code == 0, out
    around = json.loads(out)
    assert around["links"] == MEMBERS  # LEADS until 2019-06 is over
    code, out = run(hub_store, "view", "--as-of", "last tuesday", "-o", str(output))
    assert code == 1 and "YYYY-MM-DD" in out


def test_renderer_and_positions_options(hub_store: str, tmp_path: Path) -> None:
    output = tmp_path / "gl.html"
    code, out = run(hub_store, "--format", "json", "view", "--renderer", "webgl", "-o", str(output))
    assert code == 0, out
    assert json.loads(out)["renderer"] == "webgl"
    assert 'data-renderer="webgl"' in output.read_text("utf-8")
    layout = tmp_path / "layout.json"
    layout.write_text(json.dumps({"positions": {"gang": [10, 20], "kp": [30, 40]}}), "utf-8")
    code, out = run(hub_store, "view", "--positions", str(layout), "-o", str(output))
    assert code == 0, out
    data = output.read_text("utf-8")
    assert '"id":"gang"' in data and '"x":10.0,"y":20.0' in data
    layout.write_text('{"positions": {"gang": "here"}}', "utf-8")
    code, out = run(hub_store, "view", "--positions", str(layout), "-o", str(output))
    assert code == 1 and "layout.json" in out and "'gang'" in out
    code, out = run(hub_store, "view", "--renderer", "opengl", "-o", str(output))
    assert code == 1 and "canvas" in out


def test_api_view_of_a_store(hub_store: str, tmp_path: Path) -> None:
    with open_store(hub_store) as store:
        shown = api.view(store, around="gang", hops=1)
        chains = api.view(store, chains=True, chain_filters={"state": "kp"})
    assert isinstance(shown, api.View) and shown.cut and shown.cut[0]["id"] == "gang"
    assert "<iframe" in shown._repr_html_()
    assert chains.chains >= 1
    path = chains.save(tmp_path / "kp.html")
    assert "Lazarus Group" in path.read_text("utf-8")
