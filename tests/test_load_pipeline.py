"""The pieces that let a large load use both cores and less of each: rows made in a thread
ahead of the engine (graph/ahead.py), the garbage collector held off during a load
(graph/collector.py), the quick pass over a batch's links and the strings a batch shares
(loaders/validate.py)."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import pytest

from statecrime.graph import domain
from statecrime.graph.ahead import made_ahead
from statecrime.graph.model import Link
from statecrime.graph.store import Store
from statecrime.loaders.load import load_paths, read_paths
from statecrime.loaders.problems import LoadError
from statecrime.loaders.readers import RawRecord
from statecrime.loaders.validate import Place, _AllowedEnds, _link_problems, build_batch


def _threads() -> int:
    return sum(t.name == "statecrime-made-ahead" for t in threading.enumerate())


def test_items_are_made_in_order_in_another_thread() -> None:
    made_in: set[int] = set()

    def make(item: int) -> int:
        made_in.add(threading.get_ident())
        time.sleep(0.001)
        return item * item

    assert list(made_ahead(range(50), make)) == [i * i for i in range(50)]
    assert made_in and threading.get_ident() not in made_in
    assert _threads() == 0


def test_a_failure_in_the_thread_is_raised_in_the_caller_after_the_items_before_it() -> None:
    def make(item: int) -> int:
        if item == 7:
            raise KeyError("no rid for an end")
        return item

    seen: list[int] = []
    with pytest.raises(KeyError, match="no rid"):
        for value in made_ahead(range(20), make):
            seen.append(value)
    assert seen == list(range(7))
    assert _threads() == 0


def test_a_caller_that_stops_early_stops_the_thread() -> None:
    made: list[int] = []

    def make(item: int) -> int:
        made.append(item)
        return item

    with pytest.raises(RuntimeError, match="the engine refused"):
        for value in made_ahead(range(10_000), make, depth=2):
            if value == 3:
                raise RuntimeError("the engine refused the chunk")
    assert _threads() == 0
    assert len(made) < 10, "the thread went on making items nobody would take"


def test_the_collector_is_off_during_a_load_and_back_on_after_it(
    empty_store: Store, tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(
        '{"id": "pipeline-state", "kind": "State", "name": "Pipeline State", "country": "AA"}\n',
        encoding="utf-8",
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "pipeline-x", "kind": "Nope", "name": "X"}\n', encoding="utf-8")
    seen: list[bool] = []
    assert gc.isenabled()
    load_paths(empty_store, [good], on_progress=lambda *_: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises(LoadError):
        load_paths(empty_store, [bad])
    assert gc.isenabled()
    gc.disable()
    try:
        load_paths(empty_store, [good])
        assert not gc.isenabled(), "a load must leave the collector as it found it"
    finally:
        gc.enable()


def _link(where: str, **fields: object) -> RawRecord:
    data = {"type": "MEMBER_OF", "grading": "B2", "sources": ["src"], **fields}
    return RawRecord("f.jsonl", where, "link", data)


def test_the_quick_pass_lets_no_bad_link_through() -> None:
    """Each link below fails one check the quick pass makes; each is named as before."""
    records = [
        RawRecord(
            "f.jsonl",
            "line 1",
            "entity",
            {
                "id": "src",
                "kind": "Source",
                "publisher": "statecrime tests (not real data)",
                "title": "T",
                "date": "2026-01-01",
                "sourceType": "research",
            },
        ),
        RawRecord("f.jsonl", "line 2", "entity", {"id": "p", "kind": "Person", "name": "P"}),
        RawRecord("f.jsonl", "line 3", "entity", {"id": "g", "kind": "HackingGroup", "name": "G"}),
        RawRecord("f.jsonl", "line 4", "entity", {"id": "s", "kind": "State", "name": "S"}),
        _link("line 5", source="p", target="g"),  # good
        _link("line 6", source="p", target="nowhere"),
        _link("line 7", source="s", target="p"),  # a State is no member of a Person
        _link("line 8", source="p", target="g", sources=["g"]),  # a Group cited as a source
        _link("line 9", source="p", target="g", sources=["stored-person"]),
        _link("line 10", source="stored-person", target="g"),  # a stored end: good
    ]
    batch, problems = build_batch(records, lambda ids: {"stored-person": "Person"} if ids else {})
    by_record = {p.record: (p.field, p.message) for p in problems}
    assert by_record["line 6"] == ("target", "no entity with id 'nowhere'")
    assert by_record["line 7"][0] == "type"
    assert by_record["line 7"][1].startswith("MEMBER_OF cannot join a State to a Person")
    assert by_record["line 8"] == ("sources", "'g' is a HackingGroup, not a Source")
    assert by_record["line 9"] == ("sources", "'stored-person' is a Person, not a Source")
    assert len(problems) == 4
    assert set(batch.links) == {("p", "MEMBER_OF", "g"), ("stored-person", "MEMBER_OF", "g")}


def test_the_quick_pass_agrees_with_the_full_check_on_every_relation_and_pair_of_kinds() -> None:
    kinds = {f"e-{kind}": kind for kind in domain.ENTITY_KINDS}
    kinds["src"] = domain.SOURCE_KIND
    quick = _AllowedEnds()
    place = Place("f.jsonl", "line 1")
    checked = 0
    for relation in domain.RELATIONS:
        for source in [*kinds, "missing"]:
            for target in [*kinds, "missing"]:
                if source == target:
                    continue
                for cited in (["src"], ["src", "e-Person"], ["missing"]):
                    link = Link(
                        source=source, type=relation, target=target, grading="B2", sources=cited
                    )
                    full = _link_problems(place, link, kinds.get)
                    assert quick(link, kinds) == (not full), (relation, source, target, cited)
                    checked += 1
    assert checked > 1000


def test_a_checked_batch_holds_each_id_relation_and_kind_string_once(tmp_path: Path) -> None:
    """Every line is parsed into strings of its own; the batch keeps one string per distinct
    id, relation type and kind (0.2 GB of a 1M load's peak was relation and kind copies)."""
    lines = [
        '{"id": "s", "kind": "Source", "publisher": "statecrime tests", "title": "Synthetic '
        '(not real data)", "date": "2026-01-01", "sourceType": "research"}',
        '{"id": "g", "kind": "CybercrimeGroup", "name": "Synthetic Group"}',
        *(f'{{"id": "p{i}", "kind": "Person", "name": "Synthetic {i}"}}' for i in range(30)),
        *(
            f'{{"source": "p{i}", "type": "MEMBER_OF", "target": "g", '
            f'"grading": "B2", "sources": ["s"]}}'
            for i in range(29)
        ),
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch, problems = build_batch(read_paths([path]), lambda ids: {})
    assert not problems
    links = list(batch.links.values())
    people = [e for e in batch.entities.values() if e.kind == "Person"]
    assert len(links) == 29 and len(people) == 30
    assert len({id(link.type) for link in links}) == 1
    assert len({id(person.kind) for person in people}) == 1
    # a link's ends and sources are the very strings of the entities' ids
    ids = {entity.id: entity.id for entity in batch.entities.values()}
    assert all(link.source is ids[link.source] and link.target is ids["g"] for link in links)
    assert all(link.sources[0] is ids["s"] for link in links)
