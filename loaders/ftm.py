"""Read FollowTheMoney entities (JSON lines) into statecrime records.

OpenSanctions and OCCRP Aleph export their data as FollowTheMoney (FtM)
entities, one JSON object a line::

    {"id": "NK-...", "schema": "Person", "properties": {"name": ["..."], ...},
     "datasets": ["us_ofac_sdn"], "first_seen": "...", "last_seen": "...", ...}

This reader only *maps* them to our native records (README "Records"); the
common path (:mod:`statecrime.loaders.validate`) then validates fields, checks
that every link's ends exist and that its relation may join their kinds, and
reports problems with file, record and field. Parsing and every question about
schemata (is this a Person? which properties are an edge's ends? is this a
country code?) go to the ``followthemoney`` package's model, so the reader
follows the schema the package ships instead of a copy of it. What only this
reader can see is refused here with a :class:`LoadError` naming the file and
the line: a line that is not JSON or not an object, a missing ``id`` or
``schema``, a schema FtM does not know, an entity without any name, and fragments
of one id whose schemata cannot be merged. A file with no dates at all (Aleph
exports) loads: its Sources take ``load --date``, or stay undated. Every schema
and property not mapped is counted in the load summary (``FtM schema Vessel``,
``FtM property Person:birthDate``).

The mapping, and why
--------------------

**Ids.** An FtM id that matches our id pattern (OpenSanctions ``NK-...``,
``Q7747``, Aleph's hex ids) is kept as is, so the same entity imported twice,
or from two exports, merges. Any other id becomes ``ftm-`` and a hash of it: a
pure function of the FtM id, so an edge can name its ends without seeing them
and re-imports still merge (edges name their ends as written in the file:
FtM's own cleaning would drop a reference to an id it finds invalid). The
FtM id is kept among the identifiers (``opensanctions`` when the line comes
from OpenSanctions, told by its ``referents`` key or an ``NK-`` id; ``ftm``
otherwise). Lines of the same id
(FtM *fragments*) are merged with the package's own ``EntityProxy.merge``.

**Nodes.** A ``Person`` becomes a Person; a ``Company`` a Company; another
legal entity (``Organization``, ``PublicBody``, ``LegalEntity``) becomes, by
its topics: a StateAgency with a ``gov.*`` topic (except ``gov.soe``, a
state-owned enterprise, which is a Company, and ``gov.igo``, an
intergovernmental organisation, which stays an Organisation); else a
CybercrimeGroup with ``crime.cyber``; else an OrganisedCrimeGroup with
``crime`` or another ``crime.*`` topic (but not ``crime.terror`` or
``crime.war``: a terrorist organisation or an army accused of war crimes is not
an organised crime group, so they stay Organisations, topics kept); else an
Organisation. State topics are read before crime topics because an agency does
not stop being one for being accused of crime, and the chain rules reach it
from its state only as an agency. An ``Address`` becomes a Location. Every
other schema (``Vessel``, ``Airplane``, ``BankAccount``, ``CryptoWallet``,
``Security``, ``Position``, ``Passport``, documents, mentions...) has no kind
here and is skipped, with the edges and sanctions that touch it.

A Person's ``roles`` come from its topics only: ``role.oligarch`` →
oligarch; ``crime`` and ``crime.*`` → criminal; ``role.spy`` → officer;
``role.pep``, ``role.pep.*``, ``role.civil`` and ``gov.*`` → official;
``role.pol`` → politician; ``role.journo`` → journalist. No topic, no role:
being a lawyer (``role.lawyer``) does not make one an enabler. ``crimeTypes``
(on the kinds that take them) come from ``crime.traffick.drug`` →
drug-trafficking and ``crime.fraud`` → fraud; the other crime topics name no
type of ours (``crime.cyber`` does not say theft or ransomware) and stay topics.

Fields: ``name`` is the first ``name`` (or, for an Address and the like, the
caption FtM computes from its own caption properties, such as ``full``);
``aliases`` are the other names and ``alias``, ``weakAlias``,
``previousName``; ``country`` the first of ``country``, ``nationality``,
``citizenship``, ``jurisdiction`` that is an ISO 3166-1 alpha-2 code (FtM also
knows ``suhh``, ``gb-sct``, ``eu``, ``zz``..., which are skipped); ``topics``
are FtM's as they are; ``identifiers`` are the properties FtM types as
identifiers (``wikidataId`` as ``wikidata``, the others under their FtM name:
``registrationNumber``, ``innCode``, ``leiCode``...; for a Person only
``wikidataId``, never passport or tax numbers), first value each;
``description`` is the first ``notes``, ``summary`` or ``description``.

**Links.** Edge schemata map to relations through the ``ftm`` hints of
:mod:`statecrime.graph.domain` (``Ownership`` → OWNS, ``Representation`` →
ENABLES, ``UnknownLink`` → LINKED_TO, ``Sanction`` → SANCTIONED_BY). Where a
hint is ambiguous or absent, :data:`DECIDED_EDGES` decides: ``Membership`` →
MEMBER_OF (the domain hints both LEADS and MEMBER_OF: a member is not a
leader); ``Directorship`` → MEMBER_OF (a director is an officer of the
company, which MEMBER_OF covers; a board seat does not establish leadership,
and the FtM ``role``, e.g. "Chairman", goes into the note for an analyst to
upgrade); ``Employment`` → MEMBER_OF; ``Family`` and ``Associate`` →
LINKED_TO. Each link runs from the schema's ``edge_source`` to its
``edge_target`` property (owner → asset, director → organization...), one link
per pair of values. When both ends are in the file and the relation may not
join their kinds (an Ownership of an Organisation: OWNS only reaches
Companies), the link becomes LINKED_TO with a note naming the FtM schema,
rather than refusing the whole file for it. Other edge schemata (``Payment``,
``Control``, ``Succession``, ``Occupancy``...) are skipped: none of our
relations says what they say. A link from an entity to itself is skipped too.

A ``Sanction`` (``entity``, ``country``, ``authority``, ``program``) becomes
SANCTIONED_BY from the sanctioned entity to the sanctioning party named by
each ``country``: a State whose id is the lower-case ISO code (``us``,
``gb``: the convention of ``data/curated/states.yaml``, so imports join the
curated states), named from the country registry FtM ships, with the upper-case
code as ``country``; ``eu`` and ``un`` become Organisations (``eu``, ``un``),
since they are not states. A Sanction with no country we can name (none, or
``zz``) is skipped: the authority's name alone does not identify an entity.

``since`` is the earliest ``startDate``, ``until`` the latest ``endDate`` (date
part; a value that is not a date is left out). Several FtM records that make
the same link (a Directorship and an Employment between the same two; two
sanctions lists of one state) are merged here into one link, sources united,
because the common path refuses a link given twice with different dates or
notes.

**Grading.** FtM says nothing about the reliability of a source or the
credibility of a claim, so every imported link is graded ``F6`` ("cannot be
judged"). F6 passes no ``--min-grading`` threshold: imported links show in the
graph but in no graded chain until an analyst regrades them, which is done by
loading the same link (same source, type, target) with a grading: under the
merge rule the new grading replaces F6.

**Sources.** Every link, and every entity, cites at least one Source. From the
FtM record's own ``sourceUrl``, ``publisher``, ``program`` and ``datasets``
where present: publisher from ``publisher`` (for a Sanction, else its
``authority``), else each dataset name, else the host of ``sourceUrl``; title
from the ``program``, else the dataset name, else the file name; date from
``first_seen``, ``startDate`` or ``modifiedAt`` (date part), else the file's
date; url from ``sourceUrl``; ``sourceType`` sanctions-notice for a Sanction.
A record with none of these cites one Source for the file itself (publisher
"FollowTheMoney file", title the file name, date the latest ``last_seen`` in
the file or failing that the latest ``first_seen``, else ``load --date``, else
none: an undated Source; sourceType research).
Source ids are ``src-`` and a hash of their fields, so re-imports reuse them.

Not read: ``target`` (OpenSanctions' "is a sanctions target", which the
SANCTIONED_BY links already say), ``caption`` (FtM recomputes it), addresses
as properties of an entity (only Address entities are read), and every
property the mapping above does not name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema
from followthemoney.types import registry

from statecrime.graph import domain
from statecrime.graph.dates import DateError, PartialDate
from statecrime.graph.model import ID_PATTERN
from statecrime.loaders import summary
from statecrime.loaders.ids import stable_id
from statecrime.loaders.problems import LoadError, Problem
from statecrime.loaders.readers import RawRecord

GRADING = "F6"
"""FtM grades nothing: reliability and credibility cannot be judged."""

FILE_PUBLISHER = "FollowTheMoney file"

DECIDED_EDGES: dict[str, str] = {
    "Membership": "MEMBER_OF",
    "Directorship": "MEMBER_OF",
    "Employment": "MEMBER_OF",
    "Family": "LINKED_TO",
    "Associate": "LINKED_TO",
}
"""FtM schemata the domain's ``ftm`` hints leave ambiguous or do not name (see the module doc)."""

SANCTION_SCHEMA = "Sanction"
INTERNATIONAL = frozenset({"eu", "un"})
"""FtM country codes that stand for an international organisation, not a state."""
NOT_COUNTRIES = INTERNATIONAL | {"zz"}
"""Two-letter FtM codes that are no country: the EU, the UN, "global"."""

_NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
_COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction")
_DESCRIPTION_PROPS = ("notes", "summary", "description")
_PERSON_IDENTIFIERS = frozenset({"wikidataId"})
_SKIPPED_IDENTIFIERS = frozenset({"programId"})
_IDENTIFIER_SCHEMES = {"wikidataId": "wikidata"}
_ROLE_TOPICS: tuple[tuple[str, str], ...] = (
    ("role.oligarch", "oligarch"),
    ("crime", "criminal"),
    ("role.spy", "officer"),
    ("role.pep", "official"),
    ("role.civil", "official"),
    ("gov", "official"),
    ("role.pol", "politician"),
    ("role.journo", "journalist"),
)
_CRIME_TYPE_TOPICS = {"crime.traffick.drug": "drug-trafficking", "crime.fraud": "fraud"}
_NOT_ORGANISED_CRIME = frozenset({"crime.terror", "crime.war"})
_ID_RE = re.compile(ID_PATTERN)
MAPPED_PROPERTIES = frozenset(
    {
        *_NAME_PROPS,
        *_COUNTRY_PROPS,
        *_DESCRIPTION_PROPS,
        "topics",
        "sourceUrl",
        "publisher",
        "program",
        "startDate",
        "endDate",
        "modifiedAt",
        "role",
        "relationship",
        "authority",
        "entity",
        "full",
    }
)
"""The FtM properties this reader reads (identifier-typed ones too); the others are counted."""


def _edge_relations() -> dict[str, str]:
    """FtM schema name → relation, from the domain's ``ftm`` hints and :data:`DECIDED_EDGES`.

    A hint named by two relations must be decided here, so a new hint in the
    domain makes this module fail at import rather than guess.
    """
    hinted: dict[str, list[str]] = {}
    for relation in domain.RELATIONS.values():
        if relation.ftm:
            hinted.setdefault(relation.ftm, []).append(relation.name)
    table = {ftm: names[0] for ftm, names in hinted.items() if len(names) == 1}
    undecided = sorted(ftm for ftm, names in hinted.items() if len(names) > 1)
    missing = [ftm for ftm in undecided if ftm not in DECIDED_EDGES]
    if missing:
        raise RuntimeError(f"FtM schemata {missing} are hinted by several relations: decide")
    table.update(DECIDED_EDGES)
    for ftm, relation in table.items():
        schema = model.get(ftm)
        if schema is None or (ftm != SANCTION_SCHEMA and not schema.edge):
            raise RuntimeError(f"{ftm!r} (for {relation}) is not an FtM edge schema")
    return table


EDGE_RELATIONS: dict[str, str] = _edge_relations()
"""Every FtM schema that becomes a link, and the relation it becomes."""


def _has(topics: Iterable[str], prefix: str) -> bool:
    """Whether a topic is ``prefix`` or below it (``crime.cyber`` is below ``crime``)."""
    return any(t == prefix or t.startswith(prefix + ".") for t in topics)


def entity_kind(schema: Schema, topics: list[str]) -> str | None:
    """Our kind for an FtM node schema and its topics, or None when we have none."""
    if schema.is_a("Person"):
        return "Person"
    if schema.is_a("Company"):
        return "Company"
    if schema.is_a("LegalEntity"):
        if "gov.soe" in topics:
            return "Company"
        if any(_has([t], "gov") for t in topics if t not in ("gov.soe", "gov.igo")):
            return "StateAgency"
        if _has(topics, "crime.cyber"):
            return "CybercrimeGroup"
        if _has([t for t in topics if t not in _NOT_ORGANISED_CRIME], "crime"):
            return "OrganisedCrimeGroup"
        return "Organisation"
    if schema.is_a("Address"):
        return "Location"
    return None


def person_roles(topics: list[str]) -> list[str]:
    """The roles the topics state, in the domain's order; none when no topic says."""
    found = {role for prefix, role in _ROLE_TOPICS if _has(topics, prefix)}
    return [role for role in domain.PERSON_ROLES if role in found]


def map_id(ftm_id: str) -> str:
    """Our id for an FtM id: the same when it fits our pattern, else a stable ``ftm-`` hash."""
    if len(ftm_id) <= 200 and _ID_RE.fullmatch(ftm_id):
        return ftm_id
    return stable_id("ftm-", [ftm_id], length=20)


def iso_country(code: str) -> str | None:
    """The upper-case ISO 3166-1 alpha-2 code for an FtM country code, or None."""
    code = code.strip().lower()
    if len(code) == 2 and code.isalpha() and code in registry.country.names:
        return None if code in NOT_COUNTRIES else code.upper()
    return None


def _date(value: str | None) -> str | None:
    """The date part of an FtM date or timestamp (``2019``, ``2019-12``, ``2019-12-05``)."""
    if not value:
        return None
    for length in (10, 7, 4):
        try:
            return PartialDate.parse(value[:length]).text
        except DateError:
            continue
    return None


@dataclass
class _Line:
    """One FtM entity (merged over its fragments) and where it was first read."""

    number: int
    proxy: EntityProxy
    top: dict[str, Any]
    opensanctions: bool = False

    def refs(self, prop: str) -> list[str]:
        """The entity ids a property names, as written in the file (over all fragments).

        FtM's cleaning drops a reference to an id it finds invalid (a space, a
        slash); the reader reads references as written, so an entity with such
        an id (which gets a derived id of ours) still joins its edges.
        """
        values = self.top.get("properties", {}).get(prop) or []
        values = [values] if isinstance(values, str) else values
        return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))

    @property
    def where(self) -> str:
        return f"line {self.number} ({self.proxy.id})"


@dataclass
class _LinkDraft:
    """A link being gathered from one or more FtM records."""

    where: str
    data: dict[str, Any]
    sinces: list[str] = field(default_factory=list)
    untils: list[str | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        data = {**self.data, "grading": GRADING, "sources": list(dict.fromkeys(self.sources))}
        if self.sinces:
            data["since"] = min(self.sinces, key=lambda d: PartialDate(d).first)
        if self.untils and all(self.untils):
            data["until"] = max((u for u in self.untils if u), key=lambda d: PartialDate(d).last)
        notes = list(dict.fromkeys(self.notes))
        if notes:
            data["note"] = " | ".join(notes)
        return data


def _parse(name: str, text: str) -> dict[str, _Line]:
    """Every line as an FtM proxy, fragments of one id merged; or every problem at once."""
    problems: list[Problem] = []
    lines: dict[str, _Line] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"line {number}"
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            problems.append(Problem(name, where, None, f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(name, where, None, "expected an FtM entity (a JSON object)"))
            continue
        ftm_id = item.get("id")
        if not isinstance(ftm_id, str) or not ftm_id.strip():
            problems.append(Problem(name, where, "id", "an FtM entity needs an id"))
            continue
        where = f"{where} ({ftm_id})"
        schema_name = item.get("schema")
        if not isinstance(schema_name, str) or not schema_name:
            problems.append(Problem(name, where, "schema", "an FtM entity needs a schema"))
            continue
        if model.get(schema_name) is None:
            problems.append(
                Problem(name, where, "schema", f"unknown FollowTheMoney schema {schema_name!r}")
            )
            continue
        if not isinstance(item.get("properties", {}), dict):
            problems.append(Problem(name, where, "properties", "expected a mapping of lists"))
            continue
        try:
            proxy = model.get_proxy(item, cleaned=False)
        except FollowTheMoneyException as exc:
            problems.append(Problem(name, where, None, f"not a valid FtM entity: {exc}"))
            continue
        if proxy.id is None:  # FtM cleans control characters away, and may leave nothing
            problems.append(Problem(name, where, "id", "the id holds no usable text"))
            continue
        ftm_id = str(proxy.id)  # as FtM cleaned it: what the rest of the reader looks up
        opensanctions = "referents" in item or ftm_id.startswith("NK-")
        held = lines.get(ftm_id)
        if held is None:
            lines[ftm_id] = _Line(number, proxy, item, opensanctions)
            continue
        try:
            held.proxy.merge(proxy)
        except FollowTheMoneyException as exc:
            problems.append(
                Problem(name, where, "schema", f"cannot merge with line {held.number}: {exc}")
            )
            continue
        held.opensanctions = held.opensanctions or opensanctions
        held.top = _merge_top(held.top, item)
    if problems:
        raise LoadError(problems)
    return lines


def _merge_top(first: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Two fragments' top-level keys: datasets united, first_seen earliest, last_seen latest."""
    merged = dict(first)
    datasets = [*(first.get("datasets") or []), *(other.get("datasets") or [])]
    merged["datasets"] = list(dict.fromkeys(datasets))
    properties = {k: list(v) for k, v in (first.get("properties") or {}).items()}
    for prop, values in (other.get("properties") or {}).items():
        values = [values] if isinstance(values, str) else values
        properties[prop] = [*properties.get(prop, []), *values]
    merged["properties"] = properties
    seen_first = [v for v in (first.get("first_seen"), other.get("first_seen")) if v]
    seen_last = [v for v in (first.get("last_seen"), other.get("last_seen")) if v]
    if seen_first:
        merged["first_seen"] = min(seen_first)
    if seen_last:
        merged["last_seen"] = max(seen_last)
    return merged


def _file_date(lines: Iterable[_Line]) -> str | None:
    """The file's date: its latest ``last_seen``, failing that its latest ``first_seen``."""
    for key in ("last_seen", "first_seen"):
        dates = [d for line in lines if (d := _date(str(line.top.get(key) or "")))]
        if dates:
            return max(dates, key=lambda d: PartialDate(d).last)
    return None


class _Reader:
    """One file's mapping: gathers sources, states, entities and links, then yields them."""

    def __init__(self, name: str, lines: dict[str, _Line]) -> None:
        self.name = name
        self.lines = lines
        self.file_date = _file_date(lines.values())
        self.problems: list[Problem] = []
        self.sources: dict[str, tuple[str, dict[str, Any]]] = {}
        self.authorities: dict[str, tuple[str, dict[str, Any]]] = {}
        self.entities: list[RawRecord] = []
        self.links: dict[tuple[str, str, str], _LinkDraft] = {}
        self.kinds: dict[str, str | None] = {
            ftm_id: entity_kind(line.proxy.schema, line.proxy.get("topics", quiet=True))
            for ftm_id, line in lines.items()
        }

    # -- sources -------------------------------------------------------------

    def _add_source(self, where: str, data: dict[str, Any]) -> str:
        """The id of the Source ``data`` describes, recording it once (first place kept)."""
        keys = ("url", "publisher", "title", "date", "sourceType")
        source_id = stable_id("src-", (data.get(k, "") for k in keys))
        self.sources.setdefault(source_id, (where, {"id": source_id, "kind": "Source", **data}))
        return source_id

    def _sources_for(self, line: _Line) -> list[str]:
        """The Sources an FtM record cites (see the module doc), or the file's Source."""
        proxy = line.proxy
        sanction = proxy.schema.name == SANCTION_SCHEMA
        urls = proxy.get("sourceUrl", quiet=True)
        publishers = proxy.get("publisher", quiet=True)
        if not publishers and sanction:
            publishers = proxy.get("authority", quiet=True)
        programs = proxy.get("program", quiet=True)
        datasets = [str(d) for d in line.top.get("datasets") or [] if d]
        if not (urls or publishers or programs or datasets):
            return [self._file_source(line.where)]
        date = (
            _date(str(line.top.get("first_seen") or ""))
            or _first_date(proxy.get("startDate", quiet=True))
            or _first_date(proxy.get("modifiedAt", quiet=True))
            or self._file_date_or_none()
        )
        url = urls[0] if urls else None
        if publishers:
            pairs = [(publishers[0], programs[0] if programs else None)]
        elif datasets:
            pairs = [(d, programs[0] if programs else d) for d in datasets]
        elif url and urlsplit(url).hostname:
            pairs = [(str(urlsplit(url).hostname), programs[0] if programs else None)]
        else:
            pairs = [(FILE_PUBLISHER, programs[0] if programs else None)]
        ids = []
        for publisher, title in pairs:
            data: dict[str, Any] = {
                "publisher": publisher,
                "title": title or (datasets[0] if datasets else self.name),
            }
            if date:
                data["date"] = date
            if url:
                data["url"] = url
            if sanction:
                data["sourceType"] = "sanctions-notice"
            ids.append(self._add_source(line.where, data))
        return ids

    def _file_source(self, where: str) -> str:
        data = {"publisher": FILE_PUBLISHER, "title": self.name, "sourceType": "research"}
        date = self._file_date_or_none()
        if date:
            data["date"] = date
        return self._add_source("file", data)

    def _file_date_or_none(self) -> str | None:
        """The file's date, else the load's ``--date``, else none: an undated Source.

        An Aleph export carries no dates at all; refusing it would leave the analyst
        nothing to load, and inventing one would be worse. The Source says it is undated.
        """
        return self.file_date or summary.options().date

    # -- entities ------------------------------------------------------------

    def entity(self, line: _Line, kind: str) -> None:
        proxy = line.proxy
        names = _unique(v for prop in _NAME_PROPS for v in proxy.get(prop, quiet=True))
        own = proxy.get("name", quiet=True)
        name = own[0] if own else proxy.caption
        if not own and (not name or name == proxy.schema.label):
            self.problems.append(Problem(self.name, line.where, "name", "the entity has no name"))
            return
        topics = proxy.get("topics", quiet=True)
        data: dict[str, Any] = {"id": map_id(str(proxy.id)), "kind": kind, "name": name}
        aliases = [n for n in names if n != name]
        if aliases:
            data["aliases"] = aliases
        country = next(
            (c for p in _COUNTRY_PROPS for v in proxy.get(p, quiet=True) if (c := iso_country(v))),
            None,
        )
        if country:
            data["country"] = country
        if topics:
            data["topics"] = topics
        data["identifiers"] = self._identifiers(line, kind)
        description = next(
            (v for p in _DESCRIPTION_PROPS for v in proxy.get(p, quiet=True) if v.strip()), None
        )
        if description:
            data["description"] = description
        if kind == "Person":
            roles = person_roles(topics)
            if roles:
                data["roles"] = roles
        if "crimeTypes" in domain.ENTITY_KINDS[kind].fields:
            crimes = [c for t, c in _CRIME_TYPE_TOPICS.items() if _has(topics, t)]
            if crimes:
                data["crimeTypes"] = crimes
        data["sources"] = self._sources_for(line)
        self.entities.append(RawRecord(self.name, line.where, "entity", data))

    def _identifiers(self, line: _Line, kind: str) -> dict[str, str]:
        proxy = line.proxy
        found = {"opensanctions" if line.opensanctions else "ftm": str(proxy.id)}
        for prop in proxy.schema.properties.values():
            if prop.type != registry.identifier or prop.name in _SKIPPED_IDENTIFIERS:
                continue
            if kind == "Person" and prop.name not in _PERSON_IDENTIFIERS:
                continue
            values = proxy.get(prop)
            if values:
                found[_IDENTIFIER_SCHEMES.get(prop.name, prop.name)] = values[0]
        return found

    # -- links ---------------------------------------------------------------

    def edge(self, line: _Line, relation: str) -> None:
        schema = line.proxy.schema
        source_prop, target_prop = schema.edge_source, schema.edge_target
        assert source_prop and target_prop  # every schema in EDGE_RELATIONS is an edge
        for source in line.refs(source_prop):
            for target in line.refs(target_prop):
                kinds = (self.kinds.get(source, "?"), self.kinds.get(target, "?"))
                if None in kinds:
                    continue  # an end is in the file but of a schema we skip (a Vessel...)
                self._link(line, relation, (map_id(source), kinds[0]), (map_id(target), kinds[1]))

    def sanction(self, line: _Line) -> None:
        proxy = line.proxy
        for code in proxy.get("country"):
            authority = self._authority(line, code)
            if authority is None:
                continue
            for entity in line.refs("entity"):
                kind = self.kinds.get(entity, "?")
                if kind is None:
                    continue  # the sanctioned thing is of a schema we skip (a Vessel...)
                self._link(line, EDGE_RELATIONS[SANCTION_SCHEMA], (map_id(entity), kind), authority)

    def _authority(self, line: _Line, code: str) -> tuple[str, str] | None:
        """The id of the State (or the EU, the UN) a sanctioning ``country`` names."""
        code = code.lower()
        if code in INTERNATIONAL:
            data: dict[str, Any] = {"kind": "Organisation"}
        elif iso := iso_country(code):
            data = {"kind": "State", "country": iso}
        else:
            return None
        data = {"id": code, **data, "name": registry.country.names[code]}
        self.authorities.setdefault(code, (line.where, data))
        return code, data["kind"]

    def _link(
        self, line: _Line, relation: str, source: tuple[str, str], target: tuple[str, str]
    ) -> None:
        """Add one link (``(id, kind)`` ends; kind ``?`` when not in the file) to its draft."""
        (source_id, source_kind), (target_id, target_kind) = source, target
        if source_id == target_id:
            return
        proxy = line.proxy
        note = f"FollowTheMoney {proxy.schema.name}"
        details = [
            *(f"role: {r}" for r in proxy.get("role", quiet=True)[:1]),
            *(f"relationship: {r}" for r in proxy.get("relationship", quiet=True)[:1]),
            *(f"authority: {a}" for a in proxy.get("authority", quiet=True)[:1]),
            *(f"program: {p}" for p in proxy.get("program", quiet=True)[:1]),
        ]
        if details:
            note += " (" + "; ".join(details) + ")"
        known = "?" not in (source_kind, target_kind)
        if known and not domain.RELATIONS[relation].allows(source_kind, target_kind):
            note += (
                f"; recorded as LINKED_TO because {relation} cannot join "
                f"a {source_kind} to a {target_kind}"
            )
            relation = "LINKED_TO"
        source, target = source_id, target_id
        key = (source, relation, target)
        draft = self.links.get(key)
        if draft is None:
            draft = self.links[key] = _LinkDraft(
                line.where, {"source": source, "type": relation, "target": target}
            )
        since = _first_date(sorted(proxy.get("startDate", quiet=True)))
        if since:
            draft.sinces.append(since)
        ends_on = proxy.get("endDate", quiet=True)
        draft.untils.append(_date(max(ends_on)) if ends_on else None)
        draft.notes.append(note)
        draft.sources.extend(self._sources_for(line))

    # -- all -----------------------------------------------------------------

    def count_unmapped(self, line: _Line, mapped: bool) -> None:
        """Tell the load summary of a schema or a property this reader does not map."""
        schema = line.proxy.schema
        if not mapped:
            summary.skipped(self.name, f"FtM schema {schema.name}")
            return
        used = set(MAPPED_PROPERTIES)
        if schema.edge_source and schema.edge_target:
            used |= {schema.edge_source, schema.edge_target}
        for prop in line.proxy.properties:
            if prop in used:
                continue
            ftm_prop = schema.get(prop)
            if ftm_prop is not None and ftm_prop.type == registry.identifier:
                continue
            summary.skipped(self.name, f"FtM property {schema.name}:{prop}")

    def run(self) -> list[RawRecord]:
        for line in self.lines.values():
            if line.proxy.schema.name == SANCTION_SCHEMA:
                self.count_unmapped(line, True)
                continue
            kind = self.kinds[str(line.proxy.id)]
            relation = EDGE_RELATIONS.get(line.proxy.schema.name)
            self.count_unmapped(line, kind is not None or relation is not None)
            if kind is not None:
                self.entity(line, kind)
            elif relation is not None:
                self.edge(line, relation)
        for line in self.lines.values():
            if line.proxy.schema.name == SANCTION_SCHEMA:
                self.sanction(line)
        if self.problems:
            raise LoadError(self.problems)
        records = [RawRecord(self.name, w, "entity", d) for w, d in self.sources.values()]
        records += [RawRecord(self.name, w, "entity", d) for w, d in self.authorities.values()]
        records += self.entities
        records += [
            RawRecord(self.name, _describe(d), "link", d.record()) for d in self.links.values()
        ]
        return records


def _describe(draft: _LinkDraft) -> str:
    data = draft.data
    return f"{draft.where} {data['source']} -{data['type']}-> {data['target']}"


def _first_date(values: Iterable[str]) -> str | None:
    return next((d for v in values if (d := _date(v))), None)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def read_ftm(name: str, text: str) -> Iterator[RawRecord]:
    """The native records an FtM JSON-lines file maps to (see the module doc for the mapping).

    The whole file is read before anything is yielded: an edge may come before
    the entities it joins, fragments of one entity may be far apart, and the
    file's Source is dated by its latest ``last_seen``.
    """
    lines = _parse(name, text)
    yield from _Reader(name, lines).run()
