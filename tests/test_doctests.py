"""The examples in docstrings run and say what they show (``>>>`` lines are tests too)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

PACKAGES = ("statecrime.graph", "statecrime.loaders", "statecrime.queries", "statecrime.views")
CANDIDATES = {
    module.name
    for name in PACKAGES
    for module in pkgutil.iter_modules(importlib.import_module(name).__path__, f"{name}.")
} | {"statecrime.catalogue", "statecrime.values", "statecrime.output"}
MODULES = sorted(
    name for name in CANDIDATES if ">>>" in inspect.getsource(importlib.import_module(name))
)


SKIPPED_ONLY = {"statecrime.graph.embedded", "statecrime.loaders.load", "statecrime.queries.lookup"}
"""Modules whose examples need a running store, marked ``+SKIP``: shown, not run."""


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 or name in SKIPPED_ONLY, f"{name} has no runnable example"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
