"""The limits a record file must keep, checked before a parser can blow up on it.

A hostile or broken file must end in problems naming the file, the record and
the field, never in a traceback or an exhausted machine. The parsers are safe
only within bounds (PyYAML's composer and Python's ``json`` recurse once per
nesting level; the csv module refuses cells over its own limit with a bare
error; a file read whole is held whole), so the readers check these bounds
first and report a crossing as a problem.

The limits are generous for real data: a 1M-record JSON-lines file (it is read
a line at a time, so its size has no limit), a 35 MB STIX bundle, an
OpenSanctions export. The field limits (how long a name or a description may
be) are declared with the record model, in :mod:`statecrime.graph.model`.
"""

from __future__ import annotations

MIB = 1024 * 1024

MAX_DEPTH = 64
"""Nesting of lists and mappings in one YAML or JSON document, or one JSON line.

statecrime's own records nest four deep; a STIX bundle about ten.
"""

MAX_DOCUMENT_BYTES = 512 * MIB
"""A file read whole (JSON, a STIX bundle, FtM, MISP): it is parsed in memory."""

MAX_YAML_BYTES = 64 * MIB
"""A YAML file: PyYAML builds a node for every value, so YAML is kept smaller."""

MAX_YAML_ALIAS_NODES = 100_000
"""Values a YAML file may reach through aliases (``*name``), counted as expanded.

Aliases let a few lines stand for billions of values (the "billion laughs");
counting what each alias stands for stops that at the first alias too many.
"""

MAX_LINE_BYTES = 16 * MIB
"""One line of a JSON-lines file or of a CSV file (a CSV record may span lines)."""

MAX_CSV_CELL_CHARS = MIB
"""One CSV cell (the csv module's own default, 131,072, is raised to this)."""
