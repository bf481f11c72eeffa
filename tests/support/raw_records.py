"""What a reader produced, keyed the way tests look it up."""

from __future__ import annotations

from typing import Any

from statecrime.loaders.readers import RawRecord


def entities_by_id(records: list[RawRecord]) -> dict[str, dict[str, Any]]:
    """The entity records, by their id."""
    return {r.data["id"]: r.data for r in records if r.section == "entity"}


def links_by_key(records: list[RawRecord]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The link records, by (source, type, target)."""
    return {
        (r.data["source"], r.data["type"], r.data["target"]): r.data
        for r in records
        if r.section == "link"
    }
