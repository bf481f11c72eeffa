"""The records statecrime holds: entities (sources among them) and links.

pydantic models check each record on its own: field types, vocabularies, the
fields a kind may take (all read from :mod:`statecrime.graph.domain`). What needs
more than one record (does the target exist? may this relation join these two
kinds?) is checked by :mod:`statecrime.loaders.validate`, which sees the batch and
the store.

Field names are the camelCase property names stored in Neo4j, so a record, its
node and its JSON export all read the same.

>>> Entity(id="ru", kind="State", name="Russia", country="ru").country
'RU'
>>> Link(source="ru-fsb", type="PART_OF", target="ru", grading="a1", sources=["s"]).grading
'A1'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from statecrime.graph import domain
from statecrime.graph.dates import PartialDate
from statecrime.graph.grading import Grading

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"


def _one_of(values: tuple[str, ...] | frozenset[str] | dict[str, Any], what: str):
    allowed = tuple(values)
    members = frozenset(allowed)  # looked up per record; the tuple keeps the message's order

    def check(value: str) -> str:
        if value not in members:
            raise ValueError(f"unknown {what} {value!r}; expected one of: {', '.join(allowed)}")
        return value

    return check


# The checks below are pure functions of a string, and loads repeat the same few gradings,
# dates and countries millions of times: each distinct string is checked once (a bad one
# raises every time: lru_cache keeps no exceptions). Other types go to the check uncached.
_SEEN = 65_536


@lru_cache(maxsize=_SEEN)
def _grading_text(value: str) -> str:
    return str(Grading.parse(value))


def _grading(value: object) -> str:
    return _grading_text(str(value))


@lru_cache(maxsize=_SEEN)
def _date_text(value: str) -> str:
    return PartialDate.parse(value).text


def _partial_date(value: object) -> str:
    if type(value) is str:
        return _date_text(value)
    return PartialDate.parse(value).text


_COUNTRY = re.compile(r"[A-Z]{2}")


@lru_cache(maxsize=_SEEN)
def _country_text(value: str) -> str:
    text = value.strip().upper()
    if not _COUNTRY.fullmatch(text):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code such as GB")
    return text


def _country(value: object) -> str:
    if type(value) is str:
        return _country_text(value)
    text = str(value).strip().upper()
    if not _COUNTRY.fullmatch(text):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code such as GB")
    return text


def _identifier_lists(value: object) -> object:
    """Identifiers as ``{scheme: [values]}``: a lone string per scheme is one value.

    Several values per scheme: one group has several ATT&CK or STIX ids once two
    records of it are merged, a company several registry numbers.

    A scheme holds no ``:``: the store keeps each identifier as ``scheme:value``
    (graph/properties.py) and reads the scheme back up to the first ``:``, so
    ``urn:lei`` would come back as the scheme ``urn``. Such a record is refused.
    """
    if not isinstance(value, dict):
        return value
    for scheme in value:
        if isinstance(scheme, str) and ":" in scheme:
            raise ValueError(
                f"identifier scheme {scheme!r} holds ':', which separates a scheme from its "
                "value in the store; name the scheme without it (e.g. 'lei', not 'urn:lei')"
            )
    return {
        scheme: [values] if isinstance(values, str) else values for scheme, values in value.items()
    }


def _listify(value: object) -> object:
    """A lone string where a list is expected becomes a one-item list (CSV, hand-written YAML)."""
    return [value] if isinstance(value, str) else value


# Field-size limits, checked with every record: far above real records, far below what
# breaks a store (a 10 MB name failed the embedded store's commit). Documented in the README.
ID_CHARS = 200
"""An id, a link's ``source`` or ``target``."""
NAME_CHARS = 1_000
"""A name, alias, topic, title, publisher, identifier scheme or value."""
URL_CHARS = 4_096
"""A source's ``url``."""
LONG_TEXT_CHARS = 100_000
"""A ``description`` or a link's ``note``."""
LIST_ITEMS = 10_000
"""Items in one list field (aliases, topics, sources, roles, crime types) or identifiers."""

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_CHARS)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_CHARS)]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LONG_TEXT_CHARS)
]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=URL_CHARS)]
KindName = Annotated[str, AfterValidator(_one_of(domain.ENTITY_KINDS, "entity kind"))]
RelationName = Annotated[str, AfterValidator(_one_of(domain.RELATIONS, "relation type"))]
GradingCode = Annotated[str, BeforeValidator(_grading)]
DateText = Annotated[str, BeforeValidator(_partial_date)]
Tlp = Annotated[str, BeforeValidator(domain.tlp_level)]
Country = Annotated[str, BeforeValidator(_country)]
TextList = Annotated[list[Text], BeforeValidator(_listify), Field(max_length=LIST_ITEMS)]
IdList = Annotated[list[Id], BeforeValidator(_listify), Field(max_length=LIST_ITEMS)]
Role = Annotated[str, AfterValidator(_one_of(domain.PERSON_ROLES, "person role"))]
CrimeType = Annotated[str, AfterValidator(_one_of(domain.CRIME_TYPES, "crime type"))]
SourceType = Annotated[str, AfterValidator(_one_of(domain.SOURCE_TYPES, "source type"))]
RoleList = Annotated[list[Role], BeforeValidator(_listify), Field(max_length=LIST_ITEMS)]
CrimeTypeList = Annotated[list[CrimeType], BeforeValidator(_listify), Field(max_length=LIST_ITEMS)]


_FOREIGN_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(sorted(domain.ALL_KIND_FIELDS - set(kind.fields)))
    for name, kind in domain.ENTITY_KINDS.items()
}
"""For each kind, the kind-specific fields of other kinds it may not take (in name order)."""


class Entity(BaseModel):
    """A node of the graph: a state, an agency, a group, a person, a source...

    Kind-specific fields (``roles``, ``crimeTypes``, ``date``, and a Source's
    ``publisher``, ``title``, ``url``, ``sourceType``) are accepted only on the
    kinds that declare them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    kind: KindName
    name: Text
    aliases: TextList = Field(default_factory=list)
    country: Country | None = None
    topics: TextList = Field(default_factory=list)
    identifiers: Annotated[
        dict[Text, Annotated[list[Text], Field(min_length=1, max_length=LIST_ITEMS)]],
        BeforeValidator(_identifier_lists),
    ] = Field(default_factory=dict, max_length=LIST_ITEMS)
    isClass: bool = False
    description: LongText | None = None
    sources: IdList = Field(default_factory=list)
    tlp: Tlp | None = None
    # kind-specific fields, see domain.EntityKind.fields
    roles: RoleList | None = None
    crimeTypes: CrimeTypeList | None = None
    date: DateText | None = None
    publisher: Text | None = None
    title: Text | None = None
    url: Url | None = None
    sourceType: SourceType | None = None
    deprecated: bool = False
    merges: TextList = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _source_name(cls, data: Any) -> Any:
        """A Source is named by its title unless it says otherwise."""
        if isinstance(data, dict) and data.get("kind") == domain.SOURCE_KIND:
            if not data.get("name") and data.get("title"):
                data = {**data, "name": data["title"]}
        return data

    @model_validator(mode="after")
    def _kind_fields(self) -> Entity:
        kind = domain.ENTITY_KINDS[self.kind]
        for field_name in _FOREIGN_FIELDS[self.kind]:
            if getattr(self, field_name) is not None:
                allowed = ", ".join(kind.fields) or "none"
                raise ValueError(
                    f"field {field_name!r} does not apply to kind {self.kind} "
                    f"(its own fields: {allowed})"
                )
        for field_name in kind.required:
            if getattr(self, field_name) is None:
                raise ValueError(f"kind {self.kind} requires field {field_name!r}")
        return self

    def record(self) -> dict[str, Any]:
        """The record as written in a file: no empty or default fields."""
        return self.model_dump(exclude_defaults=True, exclude_none=True) | {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
        }


class Link(BaseModel):
    """A directed, graded, sourced claim that one entity stands in a relation to another.

    A link is identified by ``(source, type, target)``: loading it again merges
    its sources with those already held.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Id
    type: RelationName
    target: Id
    grading: GradingCode
    sources: Annotated[IdList, Field(min_length=1)]
    since: DateText | None = None
    until: DateText | None = None
    note: LongText | None = None
    tlp: Tlp | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Link:
        if self.since and self.until:
            if PartialDate(self.until).last < PartialDate(self.since).first:
                raise ValueError(f"until {self.until} is before since {self.since}")
        if self.source == self.target:
            raise ValueError(f"a link cannot join {self.source!r} to itself")
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the link: (source, type, target)."""
        return (self.source, self.type, self.target)

    @property
    def graded(self) -> Grading:
        return Grading.parse(self.grading)

    def record(self) -> dict[str, Any]:
        """The record as written in a file: no empty fields."""
        return self.model_dump(exclude_none=True)
