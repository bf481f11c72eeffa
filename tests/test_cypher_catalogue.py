"""Every Cypher text we ship passes Neo4j's own front end and runs on the embedded store.

No Neo4j server runs on our machines, so Neo4j's parser and semantic analysis
(``lintCypherQuery``) stand in for it; the embedded store then runs each text for
real with its sample parameters, in a transaction that is rolled back.
"""

from __future__ import annotations

import pytest

from statecrime.catalogue import shipped_cypher
from statecrime.graph import domain
from statecrime.graph.store import Store, transaction_rolled_back
from tests.support import cypher_lint


@pytest.fixture(scope="module")
def catalogue():
    texts = shipped_cypher()
    merges = len(domain.ENTITY_KINDS) + len(domain.RELATIONS)
    assert len(texts) > merges + 8, "the catalogue lost texts"
    return texts


def test_catalogue_has_no_cypher_errors(catalogue) -> None:
    results = cypher_lint.lint(catalogue)
    assert set(results) == {c.name for c in catalogue}
    failures = {
        name: [f"{d.line}:{d.column} {d.message}" for d in diags if d.severity == "error"]
        for name, diags in results.items()
    }
    failures = {name: errs for name, errs in failures.items() if errs}
    assert not failures, f"Cypher errors found by Neo4j's front end: {failures}"


def test_every_parameter_is_declared(catalogue) -> None:
    """A text's sample parameters are exactly the ``$names`` it uses (none missing, none stale)."""
    import re

    for text in catalogue:
        used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", re.sub(r"//[^\n]*", "", text.text)))
        assert used == set(text.params), (
            f"{text.name}: uses {sorted(used)}, declares {sorted(text.params)}"
        )


def test_every_text_runs_on_the_embedded_store(catalogue, empty_store: Store) -> None:
    for text in catalogue:
        if text.name.startswith("schema."):
            continue  # schema statements run every time a store opens
        with transaction_rolled_back(empty_store) as tx:
            tx.run(text.text, text.params).consume()
