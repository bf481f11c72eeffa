"""Stable ids for records that come without one (inline sources, imported records).

The same parts always give the same id, so loading a file again merges with
what the first load wrote instead of duplicating it.

>>> stable_id("src-", ["https://example.org/notice", "HM Treasury"])
'src-96417d694aa8'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def stable_id(prefix: str, parts: Iterable[object], length: int = 12) -> str:
    """``prefix`` and the first ``length`` hex digits of a SHA-256 of the parts joined by |."""
    basis = "|".join("" if part is None else str(part) for part in parts)
    return prefix + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:length]
