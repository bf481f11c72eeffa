"""Every Cypher text statecrime ships, gathered for the checks that keep us honest.

Importing the packages runs their ``declare()`` calls; the ``.cypher`` files
are declared from the ``queries`` folder. The tests hand the result to Neo4j's
own Cypher front end and run each text on the embedded store.

>>> names = [c.name for c in shipped_cypher()]
>>> "store.merge_links.TASKS" in names and "queries.search" in names
True
"""

from __future__ import annotations

import importlib
import pkgutil

from statecrime.graph.cypher import CypherText, declared

PACKAGES = ("statecrime.graph", "statecrime.loaders", "statecrime.queries", "statecrime.views")


def _import_all(package_name: str) -> None:
    package = importlib.import_module(package_name)
    for module in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
        importlib.import_module(module.name)


def shipped_cypher() -> list[CypherText]:
    """All declared Cypher texts, the ``.cypher`` files included, sorted by name."""
    for package_name in PACKAGES:
        _import_all(package_name)
    from statecrime.queries.files import all_queries

    all_queries()
    return sorted(declared(), key=lambda c: c.name)
