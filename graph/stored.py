"""The stored records a load compares with, held compactly.

A reload names every stored record. Held as pydantic models, the stored
versions of a 1M-entity, 2.9M-link store took about 4 GB of Python memory on
top of the load's own validated batch, and a reload's peak resident size was
11.7 GB against the first load's 7.3 GB. Two holders replace those dicts of
models, with the same answers:

- :class:`StoredEntities`: each stored entity as the JSON text of its node
  properties (about 200 bytes), made into a model only when asked for (entity
  resolution's few merges, a record the load changes). Whether a stored entity
  is exactly the one a load gives is decided on the properties
  (:meth:`StoredEntities.holds`), without building it.
- :class:`StoredLinks`: the stored links among a load's keys, filled as the
  rows stream from the engine. A stored link whose properties are exactly those
  the load's own link writes is held as that link object (equal in every
  field), so nothing is built or kept for it; only the others are built.

"Exactly": the properties compared are the stored ones and those the load's
record would be written with (:func:`statecrime.graph.properties.entity_properties`,
:func:`~statecrime.graph.properties.link_properties`), and reading properties
back gives the record they were written from (an identifier scheme holding
``:``, which the stored form could not tell apart, is refused when a record is
checked: graph/model.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from sys import intern
from typing import TYPE_CHECKING, Any

import orjson

from statecrime.graph.properties import (
    entity_from_properties,
    entity_properties,
    link_from_properties,
    link_properties,
)

if TYPE_CHECKING:
    from statecrime.graph.model import Entity, Link

LinkKey = tuple[str, str, str]

_SORTED = orjson.OPT_SORT_KEYS


def _text(props: Mapping[str, Any]) -> str:
    """Properties as one JSON text, keys sorted (equal properties, equal texts).

    A ``str``, not orjson's ``bytes``: each ``bytes`` orjson makes keeps its 4 KB
    buffer (malloc'd, then shrunk in place), 400 MB for 100,000 entities; the
    decoded text is allocated at its own size.
    """
    return orjson.dumps(props, option=_SORTED).decode()


class StoredEntities(MutableMapping[str, "Entity"]):
    """Stored entities by id, each held as its properties' JSON until a model is asked for.

    A mapping of models to its users (``get``, ``in``, ``update``, assignment):
    entity resolution puts models in (a split's restored record), and those are
    kept as models. Reading an entry builds the model anew each time.
    """

    def __init__(self) -> None:
        self._held: dict[str, str | Entity] = {}
        self._kinds: dict[str, str] = {}
        self._same: dict[str, Entity] = {}
        """Records :meth:`holds` found exactly stored, by id: asked again, it answers at once."""

    def add(self, props: Mapping[str, Any]) -> None:
        """Hold one stored node's properties (as read from the engine)."""
        entity_id = intern(str(props["id"]))  # the batch's interned id string, when it has it
        self._held[entity_id] = _text(props)
        self._kinds[entity_id] = intern(str(props["kind"]))
        self._same.pop(entity_id, None)

    def add_all(self, rows: Iterable[Mapping[str, Any]]) -> StoredEntities:
        for props in rows:
            self.add(props)
        return self

    def kind(self, entity_id: str) -> str | None:
        """The stored entity's kind, without building it."""
        return self._kinds.get(entity_id)

    def kinds(self) -> dict[str, str]:
        """Every held entity's kind, by id."""
        return dict(self._kinds)

    def holds(self, entity: Entity) -> bool:
        """Whether the stored entity of ``entity.id`` is exactly ``entity`` (every field equal).

        Decided on the properties: ``False`` only means the caller must compare
        the models (:meth:`__getitem__`).
        """
        if self._same.get(entity.id) is entity:
            return True
        held = self._held.get(entity.id)
        if held is None:
            return False
        if not isinstance(held, str):
            return held == entity
        if _text(entity_properties(entity)) != held:
            return False
        self._same[entity.id] = entity
        return True

    def __getitem__(self, entity_id: str) -> Entity:
        held = self._held[entity_id]
        if isinstance(held, str):
            return entity_from_properties(orjson.loads(held))
        return held

    def __setitem__(self, entity_id: str, entity: Entity) -> None:
        self._held[entity_id] = entity
        self._kinds[entity_id] = entity.kind
        self._same.pop(entity_id, None)

    def __delitem__(self, entity_id: str) -> None:
        del self._held[entity_id]
        del self._kinds[entity_id]
        self._same.pop(entity_id, None)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._held

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:  # type: ignore[override]
        """As ``dict.update``; another holder's entries are taken as they are held (no models)."""
        if isinstance(other, StoredEntities):
            for entity_id in other._held.keys() & self._same.keys():
                del self._same[entity_id]
            self._held.update(other._held)
            self._kinds.update(other._kinds)
            self._same.update(other._same)
            return
        super().update(other, **kwargs)


class StoredLinks(Mapping[LinkKey, "Link"]):
    """The stored links among the keys asked for, filled by :meth:`add` as rows stream in.

    ``given`` (the load's own links, by key) lets an unchanged link cost nothing:
    a stored link whose properties are exactly those its given link writes is
    held as the given object (equal in every field), not built. Any other stored
    link is built as a model. Keys never asked for are not stored ones.
    """

    def __init__(self, asked: Iterable[LinkKey], given: Mapping[LinkKey, Link] | None = None):
        # the asked keys' own tuples stay the keys (a row's key finds its slot)
        self._slot: dict[LinkKey, Link | None] = dict.fromkeys(asked)
        self._given = given if given is not None else {}
        self._found = 0
        self.same = 0
        """How many stored links were found exactly as given (held as the given object)."""

    def add(self, key: LinkKey, props: Mapping[str, Any]) -> None:
        """One stored link, as read: held only if its key was asked for."""
        if key not in self._slot:
            return
        if self._slot[key] is None:
            self._found += 1
        new = self._given.get(key)
        if new is not None and link_properties(new) == props:
            self._slot[key] = new
            self.same += 1
        else:
            self._slot[key] = link_from_properties(*key, dict(props))

    def __getitem__(self, key: LinkKey) -> Link:
        held = self._slot[key]
        if held is None:
            raise KeyError(key)
        return held

    def get(self, key: LinkKey, default: Any = None) -> Any:  # type: ignore[override]
        held = self._slot.get(key)
        return default if held is None else held

    def __contains__(self, key: object) -> bool:
        return self._slot.get(key) is not None  # type: ignore[call-overload]

    def __iter__(self) -> Iterator[LinkKey]:
        return (key for key, held in self._slot.items() if held is not None)

    def __len__(self) -> int:
        return self._found
