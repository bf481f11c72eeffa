"""Merge a batch with what the store already holds.

A load adds and never deletes: a field the new record gives replaces the stored
one, a field it leaves out keeps the stored value, and lists (aliases, topics,
roles, crime types, sources) and identifiers are united. So loading a link
again with one more source adds that source, and loading the same files twice
changes nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

LIST_FIELDS = ("aliases", "topics", "sources", "roles", "crimeTypes", "merges")
Record = TypeVar("Record", bound=BaseModel)


def merge_records(stored: Record, new: Record) -> Record:
    """``stored`` updated by ``new`` under the add-never-delete rule."""
    merged: dict[str, Any] = stored.model_dump()
    given = new.model_dump(exclude_unset=True)
    for name, value in given.items():
        if value is None:
            continue
        if name in LIST_FIELDS and merged.get(name):
            merged[name] = list(dict.fromkeys([*merged[name], *value]))
        elif name == "identifiers":
            held = {k: list(v) for k, v in (merged.get(name) or {}).items()}
            for scheme, values in value.items():
                held[scheme] = list(dict.fromkeys([*held.get(scheme, []), *values]))
            merged[name] = held
        else:
            merged[name] = value
    return type(stored).model_validate(merged)
