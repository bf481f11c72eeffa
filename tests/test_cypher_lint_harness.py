"""Tests of the Cypher lint harness itself, on literal queries (no project code).

Why: the catalogue test trusts this harness to say "no errors".  A harness that
silently passes everything (wrong parameter wiring, a swallowed crash in the
linter, an unsupported Node version) would make that test worthless, so each
test here pins down one behaviour that must hold, both ways where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

try:
    from tests.support import cypher_lint
except ModuleNotFoundError:  # pytest run with tests/ (not the repo root) on sys.path
    from support import cypher_lint  # type: ignore[no-redef]


@dataclass
class _CatalogueLike:
    """Stand-in for statecrime.catalogue entries: duck-typed name/text/params."""

    name: str
    text: str
    params: dict[str, object] = field(default_factory=dict)


PARAM_TEXT = "MATCH (n:Person {id: $id}) RETURN n.name AS name"
LABEL_TEXT = "MATCH (n:Persn)-[:KNOWS]->(m:Person) RETURN n"

# Every case goes through ONE lint() call (one Node process): starting the
# linter costs ~2 s, so per-test runs would make this file slow for no gain.
# Dicts and catalogue-like objects are mixed on purpose.
CASES: list[object] = [
    _CatalogueLike(
        "valid",
        "MATCH (s:State {id: $state_id})-[:TASKS]->(g:Group)\n"
        "WHERE g.grade >= $min_grade\n"
        "RETURN g.name AS name ORDER BY name LIMIT $limit",
        {"state_id": "ru", "min_grade": 2, "limit": 10},
    ),
    {"name": "syntax", "text": "MATCH (n:Person)\nRETRN n.name"},
    {"name": "undefined_var", "query": "MATCH (n:Person) RETURN m.name AS name"},
    {"name": "param_undeclared", "text": PARAM_TEXT},
    # Only the name matters, so even a None sample value declares it.
    {"name": "param_declared_none", "text": PARAM_TEXT, "params": {"id": None}},
    {"name": "param_other_name", "text": PARAM_TEXT, "params": {"ID": 1}},
    _CatalogueLike(
        "cypher5",
        "UNWIND $rows AS row\n"
        "MERGE (n:Entity {id: row.id})\n"
        "SET n:$(row.kind)\n"
        "WITH n\n"
        "CALL (n) {\n"
        "  MATCH (n)-[:LINKED_TO]->(m)\n"
        "  RETURN count(m) AS degree\n"
        "}\n"
        "WITH n, degree\n"
        "WHERE COUNT { (n)--() } > 0 AND EXISTS { MATCH (n)-[:FUNDS]->() }\n"
        "MATCH p = (n)((a)-[:LINKED_TO]->(b)){1,3}(x:Entity)\n"
        "RETURN n.id AS id, degree, length(p) AS hops",
        {"rows": [{"id": "x", "kind": "Person"}]},
    ),
    {"name": "dynamic_label_type", "text": "MATCH (n) SET n:$(1) RETURN n"},
    {"name": "deprecated", "text": "MATCH (n) RETURN id(n) AS i"},
    {"name": "labels_unchecked", "text": LABEL_TEXT},
    {
        "name": "labels_checked",
        "text": LABEL_TEXT,
        "labels": ["Person"],
        "relationship_types": ["KNOWS"],
    },
    {
        "name": "multi_statement",
        "text": "CREATE CONSTRAINT a IF NOT EXISTS FOR (p:P) REQUIRE p.id IS UNIQUE;\n"
        "MATCH (n) RETURN x;",
    },
    {"name": "empty", "text": "   "},
]


@pytest.fixture(scope="module")
def results() -> dict[str, list[cypher_lint.Diagnostic]]:
    # Fails (does not skip) without node/npm: a missing linter must be visible.
    return cypher_lint.lint(CASES)


def _errors(results: dict[str, list[cypher_lint.Diagnostic]], name: str):
    return cypher_lint.errors(results[name])


def test_every_case_has_a_result(results) -> None:
    assert sorted(results) == sorted(cypher_lint.as_cypher_text(c).name for c in CASES)


def test_valid_query_with_declared_params_has_no_errors(results) -> None:
    assert results["valid"] == [], cypher_lint.format_report(results)


def test_syntax_error_is_an_error_with_its_line(results) -> None:
    errs = _errors(results, "syntax")
    assert errs, "a misspelt RETURN must be an error"
    assert (errs[0].line, errs[0].column) == (2, 1), str(errs[0])
    assert "RETRN" in errs[0].message


def test_undefined_variable_is_an_error(results) -> None:
    errs = _errors(results, "undefined_var")
    assert [e.message for e in errs] == ["Variable `m` not defined"]
    assert (errs[0].line, errs[0].column) == (1, 25)


def test_undeclared_parameter_is_an_error_and_declaring_it_clears_it(results) -> None:
    errs = _errors(results, "param_undeclared")
    assert [e.message for e in errs] == ["Parameter $id is not defined."]
    assert (errs[0].line, errs[0].column) == (1, 22)
    assert results["param_declared_none"] == []
    assert [e.message for e in _errors(results, "param_other_name")] == [
        "Parameter $id is not defined."
    ]


def test_cypher5_constructs_pass(results) -> None:
    assert _errors(results, "cypher5") == [], cypher_lint.format_report(results)


def test_dynamic_label_type_is_checked(results) -> None:
    # Shows the semantic analysis runs inside Cypher 5 constructs, not just the parser.
    errs = _errors(results, "dynamic_label_type")
    assert any("Type mismatch" in e.message for e in errs), errs


def test_deprecation_is_a_warning_not_an_error(results) -> None:
    diags = results["deprecated"]
    assert cypher_lint.errors(diags) == []
    warns = cypher_lint.warnings(diags)
    assert [w.severity for w in warns] == ["warning"]
    assert "deprecated" in warns[0].message


def test_unknown_labels_warn_only_when_schema_lists_given(results) -> None:
    assert results["labels_unchecked"] == []
    diags = results["labels_checked"]
    assert [(d.severity, d.column) for d in diags] == [("warning", 10)]
    assert "Persn" in diags[0].message


def test_multi_statement_text_reports_line_in_whole_text(results) -> None:
    errs = _errors(results, "multi_statement")
    assert [(e.line, e.column) for e in errs] == [(2, 18)]


def test_empty_text_is_an_error(results) -> None:
    assert _errors(results, "empty"), "an empty shipped text must be an error"


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        cypher_lint.lint([{"name": "a", "text": "RETURN 1"}, {"name": "a", "text": "RETURN 2"}])


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(cypher_lint.shutil, "which", lambda _tool: None)
    monkeypatch.setattr(cypher_lint.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(cypher_lint.CypherLintError, match=r"Node\.js"):
        cypher_lint.ensure_installed()
