"""Synthetic records (NOT REAL DATA) for tests that need a graph of some size.

The benchmarks own the generator; this takes whichever the checkout has
(``benchmarks/generate.py`` when it exists, else ``benchmarks/synthetic.py``), so
tests and measurements load the same shape of graph.
"""

from __future__ import annotations

from typing import Any


def synthetic_records(entities: int, seed: int = 7) -> dict[str, Any]:
    """A records document (sources, entities, links) of about ``entities`` entities."""
    try:
        from benchmarks import generate  # type: ignore[attr-defined]

        make = getattr(generate, "synthetic_document", None)
        if make is not None:
            return make(entities, seed=seed)
    except ImportError:
        pass
    from benchmarks.synthetic import synthetic_document

    return synthetic_document(entities, seed=seed)
