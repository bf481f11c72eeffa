"""Write a view or an export whole, and private (0600) when it holds anything above TLP:GREEN.

A view or an export of AMBER or RED material is for its owner's eyes until
shared on purpose: with the usual umask (022) it would be readable by every
local user. Files holding CLEAR and GREEN material only get the usual umask.
The file is written beside its final name and renamed into place, so an
interrupted command leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import networkx as nx

from statecrime import interrupts
from statecrime.graph.domain import tlp_rank

SHAREABLE_RANK = tlp_rank("GREEN")
"""Markings up to TLP:GREEN may be shared within the community: such files are not made private."""


def _markings(attrs: dict[str, Any]) -> Iterable[object]:
    yield attrs.get("tlp")
    for source in attrs.get("sources") or []:
        if isinstance(source, dict):
            yield source.get("tlp")


def highest_tlp_rank(graph: nx.MultiDiGraph) -> int:
    """The rank of the most restricted marking on any entity, link or source (0: CLEAR)."""
    highest = 0
    items = [attrs for _, attrs in graph.nodes(data=True)]
    items += [attrs for _, _, attrs in graph.edges(data=True)]
    for attrs in items:
        for marking in _markings(attrs):
            if marking:
                highest = max(highest, tlp_rank(str(marking)))
    return highest


def is_private(graph: nx.MultiDiGraph) -> bool:
    """Whether a file of ``graph`` must be 0600: it holds something above TLP:GREEN."""
    return highest_tlp_rank(graph) > SHAREABLE_RANK


@contextlib.contextmanager
def output_file(path: Path, *, private: bool) -> Iterator[IO[bytes]]:
    """A binary file that becomes ``path`` when the block ends without error (0600 if private)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    mode = 0o600 if private else 0o666  # the umask applies to the second
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        if private:
            os.fchmod(fd, 0o600)  # a leftover partial file may have had another mode
        with os.fdopen(fd, "wb") as handle:
            yield handle
        with interrupts.deferred():  # a signal now is told the file was written
            os.replace(temporary, path)
            interrupts.committed(f"{path} was written")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text(path: Path, text: str, graph: nx.MultiDiGraph) -> Path:
    """Write ``text`` (UTF-8) as a file of ``graph``; return the path."""
    with output_file(path, private=is_private(graph)) as handle:
        handle.write(text.encode("utf-8"))
    return Path(path)
