"""Path-length bounds for the ``.cypher`` files that search variable-length paths.

Cypher takes no parameter for the bound of a variable-length pattern
(``[*1..$n]`` is a syntax error on Neo4j), and a fixed generous bound filtered by
``length(p) <= $n`` is no answer: both engines enumerate every path up to the
written bound first (measured on the embedded store over the curated dataset:
1..4 takes 0.3 s, 1..6 takes 2.8 s, 1..8 takes 12 s for the same rows).

So each such file is written with its default bound in the pattern (what an
analyst pasting it into Neo4j Browser gets, and edits), and this module derives
one text per allowed bound by rewriting that single literal. Every variant is
declared in the catalogue under ``<name>.hops<N>`` at import time, so the Cypher
checks see exactly what runs; nothing of the user's input reaches the text but
an integer checked against the allowed range.
"""

from __future__ import annotations

from statecrime.graph.cypher import CypherText, declare
from statecrime.queries.files import query


class BoundError(ValueError):
    """A hop count outside what a query allows."""


def variants(name: str, pattern: str, bounds: range) -> dict[int, CypherText]:
    """One declared text per bound, from ``queries/<name>.cypher``.

    ``pattern`` is the literal to rewrite, with ``{n}`` where the bound goes, such
    as ``"[*1..{n}]"``; the file must contain it exactly once with its default
    bound (the first bound in ``bounds`` whose rewrite is found).
    """
    base = query(name)
    found = [n for n in bounds if base.text.count(pattern.format(n=n)) == 1]
    if len(found) != 1:
        raise ValueError(f"queries/{name}.cypher must contain {pattern!r} exactly once")
    written = pattern.format(n=found[0])
    texts: dict[int, CypherText] = {}
    for n in bounds:
        if n == found[0]:
            texts[n] = base
        else:
            text = base.text.replace(written, pattern.format(n=n))
            texts[n] = declare(f"{base.name}.hops{n}", text, **base.params)
    return texts


def pick(texts: dict[int, CypherText], hops: int, what: str = "--max-hops") -> CypherText:
    """The variant for ``hops``, or a :class:`BoundError` naming the allowed range."""
    if hops not in texts:
        raise BoundError(f"{what} must be between {min(texts)} and {max(texts)}, got {hops}")
    return texts[hops]
