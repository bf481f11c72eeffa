"""Read a STIX 2.1 bundle into statecrime's native records (``load --from stix``).

STIX is what threat-intelligence producers publish; this reader only *maps* it.
The records it yields are checked by the common path (:mod:`validate`) like any
other file: fields, kind pairs, sources. It raises :class:`LoadError` itself only
for what the common path cannot see: the file is not a STIX 2.1 bundle, an object
fails the ``stix2`` package's own checks, a relationship points at an object the
bundle lacks or at a custom object type we cannot map, a ``confidence`` is not
0-100, or an object the spec requires to carry ``created``/``modified`` lacks them
(``stix2`` would silently stamp "now", which would invent a date). All such
problems are reported at once, each naming the file and the object
(``objects[12] (relationship--...)``).

Parsing: the bundle is read as JSON once (orjson), then every object of a type
that is mapped is parsed with ``stix2.parse(obj, allow_custom=True,
version=...)`` on its own, so that a faulty object is named instead of the whole
bundle failing at its first error; types never imported are counted unparsed,
and plain external references are checked against stix2's declaration of them
without being built as objects (:func:`_plain_references`). STIX 2.0 bundles (as
``mitre/cti`` publishes ATT&CK) are read with 2.0's classes and the same
mapping. When a bundle holds several versions of one object (same id), the
latest ``modified`` wins.
Revoked objects are skipped, and so are relationships to them.

Ids: STIX ids (``threat-actor--<uuid>``) already fit our id pattern and are kept,
so importing a bundle again, or a later version of it, merges with what the
store holds (a load adds and never deletes).

Objects to entities (the kind hints ``stix_type`` in :mod:`graph.domain` say
which STIX object each kind comes from):

- ``threat-actor``: the first rule that matches, read from ``resource_level``,
  ``threat_actor_types``, ``roles``, ``primary_motivation``:

  1. ``resource_level: individual`` -> Person (``roles``: the actor types that are
     also our person roles, i.e. ``criminal``, ``hacker``);
  2. ``nation-state`` together with ``criminal`` or ``crime-syndicate``, unless
     its roles include ``sponsor`` or ``director`` -> HackingGroup: a state-linked
     criminal actor whose status (state unit, contractor, criminal) the bundle
     does not establish;
  3. ``nation-state`` -> StateAgency (STIX: "work for the government or military
     of a nation state or at their direction": a state unit, not the state);
  4. ``crime-syndicate`` -> CybercrimeGroup when the bundle shows it is cyber (the
     ``hacker`` type, a ``malware-author``/``infrastructure-*`` role, a label
     naming cyber, ransomware, malware or hacking, or a ``uses`` relationship to
     malware, a tool, an attack pattern or infrastructure), else
     OrganisedCrimeGroup;
  5. ``criminal`` -> CybercrimeGroup (STIX defines it as one who commits
     *computer* crimes, alone or in a small group);
  6. ``primary_motivation`` ``personal-gain`` (or the non-standard
     ``financial-gain``) -> CybercrimeGroup;
  7. anything else -> HackingGroup. ``resource_level: government`` or
     ``sophistication: strategic`` alone do not make a StateAgency: that a group
     has a state's means is not that it is a state unit.

- ``intrusion-set`` -> HackingGroup.
- ``identity`` by ``identity_class``: ``individual`` -> Person (``roles``: its
  roles that are our person roles); ``class`` -> Organisation with
  ``isClass: true``; ``organization``, ``group``, ``unknown`` or none ->
  Organisation; ``system`` is skipped. An identity the bundle uses only as a
  ``created_by_ref`` (no relationship or report names it) is the producer of the
  intelligence, not a subject: it is not imported, its name becomes publishers.
- ``location``: with a ``country`` and nothing finer (no city, administrative
  area, street, postal code or coordinates) -> State (``country`` from it);
  else Location (``country`` when given). Named by ``name``, else its finest
  place field. Two bundles naming one country by two location ids make two
  States: an analyst merges them.
- ``incident`` -> Incident (STIX 2.1 gives it no date); ``campaign`` -> Incident
  dated by ``first_seen`` (an operation over time is our nearest kind).
- ``aliases`` and ``description`` are kept; each ``external_references`` entry
  with an ``external_id`` becomes an identifier ``{source_name: external_id}``.
  Threat actors and identities have no country field: their country comes only
  as BASED_IN links (``located-at``, ``originates-from``). No crime types are set:
  STIX does not state them.

Sources (every link needs one; Sources need a publisher, a title and a date):

- a ``report`` -> Source with the report's id: title its name, date
  ``published``, url its first external reference's url, publisher the name of
  its ``created_by_ref`` identity, else its first external reference's
  ``source_name``, else the bundle publisher (below). No ``sourceType``: STIX
  does not say whether a report is an advisory or research.
- each ``external_references`` entry of a mapped object -> Source with id
  ``src-`` + a hash of (source_name, external_id, url, description), so the same
  reference is one Source wherever it is cited: publisher ``source_name``; title
  ``external_id``, else ``description``, else ``url``, else ``source_name``; date
  the ``created`` date of the earliest object citing it (when it was cited, not
  when it was published, which STIX does not give).
- the bundle itself -> Source with the bundle's id, made only if some link needs
  it: publisher the names of the identities that created the bundle's objects,
  else "STIX bundle"; title the file name; date the latest ``modified`` in the
  bundle; ``sourceType: research``.

An entity's ``sources`` are its external references and the reports that list
it in ``object_refs``. A link's ``sources`` are the relationship's external
references and the reports that list it; when there are none, the bundle.

Relationships to links: the relation is derived from :mod:`graph.domain`'s
``Relation.stix`` hints, never listed here. Among the relations whose hint is the
relationship type (``originates-from`` reads as ``located-at``), keep those that
may join the two ends' kinds; the one whose name is the STIX wording
(``directs`` -> DIRECTS) wins, else the only one left. A hint in the passive
voice (``...-by``, e.g. ``compensated-by``) swaps the ends: "A compensated-by B"
is "B pays A". When the wording fits several of our relations for that pair
(``attributed-to`` from a Person to a group: LEADS or MEMBER_OF?), or none, or
has no hint at all (``related-to``, ``owns``...), the link is LINKED_TO, the
link of unspecified kind, and its ``note`` keeps the STIX wording: a weaker
claim, never an invented one. ``uses`` is LINKED_TO when it joins two actors
(kinds with ``actor`` in the domain), else skipped (a group using malware is
not a link between entities). Skipped: ``impersonates``, ``duplicate-of`` and
``derived-from`` (statements about objects, not links in the world);
``sighting`` objects; relationships with an end skipped above, or of a STIX type
we do not import (attack-pattern, malware, tool, indicator, infrastructure,
vulnerability, course-of-action, grouping, note, opinion, observed-data,
malware-analysis, cyber observables, reports: reports become Sources, which
links cannot join). A custom object type is skipped unless a relationship needs
it, which is an error. ``start_time``/``stop_time`` become ``since``/``until``;
``description`` becomes ``note``.

Grading: STIX says nothing of a source's reliability, so reliability is F
("cannot be judged"); credibility comes from the relationship's ``confidence``
by the STIX 2.1 specification's normative Admiralty Credibility mapping (Part 1,
appendix "Confidence Scales", as implemented by
``stix2.confidence.scales.value_to_admiralty_credibility``):

    confidence  80-100 -> 1 confirmed by other sources
                60-79  -> 2 probably true
                40-59  -> 3 possibly true
                20-39  -> 4 doubtful
                 0-19  -> 5 improbable
                absent -> 6 truth cannot be judged

So an imported link never passes a ``--min-grading`` threshold (F passes none)
until an analyst regrades it, by loading the same link (same source, type,
target) with a grading: the merge rule replaces the grading and adds sources.

TLP: ``object_marking_refs`` naming the TLP 1.0 markings (``stix2.TLP_WHITE``...
``TLP_RED``), the TLP 2.0 markings (OASIS's fixed ids: CLEAR, GREEN, AMBER,
AMBER+STRICT, RED) or a marking definition in the bundle of ``definition_type``
``tlp`` or with the TLP 2.0 extension set the ``tlp`` of entities, links and
report Sources; the most restrictive wins. WHITE reads CLEAR, as
:func:`graph.domain.tlp_rank` does; AMBER+STRICT is a level of its own. A Source made from external
references or for the bundle takes the most restrictive TLP of what cites it.
Granular markings and non-TLP markings are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import orjson
import stix2
from rigour.territories import lookup_territory
from stix2.confidence.scales import value_to_admiralty_credibility
from stix2.exceptions import STIXError
from stix2.registry import STIX2_OBJ_MAPS

from statecrime.graph import domain

# Imported as a module, not ``from ... import RawRecord``: readers.py imports this
# module to route ``--from stix``, and a module import survives that cycle.
from statecrime.loaders import readers, summary
from statecrime.loaders.ids import stable_id
from statecrime.loaders.problems import LoadError, Problem

SPEC_VERSION = "2.1"
SPEC_VERSIONS = ("2.0", "2.1")
"""The STIX versions read: 2.1, and 2.0 as ``mitre/cti`` still publishes ATT&CK."""
GENERIC_RELATION = "LINKED_TO"
"""The link of unspecified kind: where STIX wording maps to no single relation."""
UNJUDGED_RELIABILITY = "F"
UNJUDGED_CREDIBILITY = "6"
BUNDLE_PUBLISHER = "STIX bundle"
BUNDLE_SOURCE_TYPE = "research"

_STIX_SYNONYMS: Mapping[str, str] = {"originates-from": "located-at"}
"""STIX wordings that mean, for our graph, what another STIX wording means."""
_SKIPPED_RELATIONSHIPS = frozenset({"impersonates", "duplicate-of", "derived-from"})
_ACTORS_ONLY = "uses"
_CYBER_TARGETS = frozenset({"malware", "tool", "attack-pattern", "infrastructure"})
_CYBER_WORDS = ("cyber", "ransomware", "malware", "hack")
_CYBER_ROLES = frozenset({"malware-author", "infrastructure-architect", "infrastructure-operator"})
_STEERING_ROLES = frozenset({"sponsor", "director"})
_FINANCIAL_MOTIVATIONS = frozenset({"personal-gain", "financial-gain"})
_FINER_THAN_COUNTRY = (
    "administrative_area",
    "city",
    "street_address",
    "postal_code",
    "latitude",
    "longitude",
)
_MAPPED_TYPES = frozenset(
    {
        "threat-actor",
        "intrusion-set",
        "identity",
        "location",
        "incident",
        "campaign",
        "malware",
        "tool",
    }
)
SOFTWARE_KINDS: Mapping[str, str] = {"malware": "Malware", "tool": "Tool"}
"""STIX software objects and the kind each becomes (``uses`` from an actor becomes USES)."""
PARSED_TYPES = _MAPPED_TYPES | {"report", "relationship", "marking-definition"}
"""The types parsed by stix2: the others are skipped and counted without being parsed
(an ATT&CK bundle is mostly attack patterns and relationships between them)."""
REFERENCE_SCHEMES: Mapping[str, str] = {
    "mitre-attack": "mitre-attack",
    "mitre-mobile-attack": "mitre-attack",
    "mitre-ics-attack": "mitre-attack",
    "wikidata": "wikidata",
    "misp-galaxy": "misp-galaxy",
}
"""``external_references[].source_name`` values whose ``external_id`` is an identifier of
a scheme of ours; any other source_name with an ``external_id`` is kept under its own name,
a ``:`` in it written ``-`` (the store separates a scheme from its value with ``:``)."""
OWN_PROPERTIES: Mapping[str, str] = {
    "id": "x_statecrime_id",
    "kind": "x_statecrime_kind",
    "relation": "x_statecrime_relation",
    "grading": "x_statecrime_grading",
    "date": "x_statecrime_date",
}
"""The custom properties ``statecrime export --to stix`` writes so that a round trip
keeps our ids, kinds, relations and gradings; honoured here when present."""
REFERENCE_PUBLISHERS: Mapping[str, str] = {"mitre-attack": "MITRE ATT&CK"}
"""Who publishes the pages an identifier reference links to (the Source of that page)."""
DEPRECATED_FLAGS = ("x_mitre_deprecated", "x_deprecated")
"""Custom properties that mark an object as deprecated (kept, marked ``deprecated``)."""
_KNOWN_TYPES = frozenset(
    t
    for version in SPEC_VERSIONS
    for group in ("objects", "observables", "markings")
    for t in STIX2_OBJ_MAPS[version][group]
)
"""Every type stix2 knows: what is not mapped here is skipped and counted, not an error."""
_TIMESTAMPED = frozenset(STIX2_OBJ_MAPS["2.1"]["objects"]) - {
    "bundle",
    "marking-definition",
    "extension-definition",
    "language-content",
}

_TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP_BY_ID: Mapping[str, str] = {
    **{m.id: m.definition.tlp for m in (stix2.TLP_WHITE, stix2.TLP_GREEN)},
    **{m.id: m.definition.tlp for m in (stix2.TLP_AMBER, stix2.TLP_RED)},
    # TLP 2.0, as published by OASIS (cti-stix-common-objects); stix2 3.0 lacks them.
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}


# --- the relation table, derived from the domain -------------------------------------


def _relations_by_stix() -> dict[str, tuple[domain.Relation, ...]]:
    """Our relations by their STIX hint, in declaration order."""
    table: dict[str, list[domain.Relation]] = {}
    for relation in domain.RELATIONS.values():
        if relation.stix:
            table.setdefault(relation.stix, []).append(relation)
    return {wording: tuple(relations) for wording, relations in table.items()}


_BY_STIX = _relations_by_stix()
_KINDS_USED = (
    "State",
    "StateAgency",
    "Organisation",
    "OrganisedCrimeGroup",
    "CybercrimeGroup",
    "HackingGroup",
    "Person",
    "Location",
    "Incident",
    domain.SOURCE_KIND,
)
"""The kinds the rules above produce: the domain's ``stix_type`` hints name the STIX
object each comes from, but which of several kinds a threat actor is takes the rules."""
_MISSING = [k for k in _KINDS_USED if k not in domain.ENTITY_KINDS]
if GENERIC_RELATION not in domain.RELATIONS or _MISSING:  # pragma: no cover - domain changed
    raise RuntimeError(f"graph.domain no longer declares {GENERIC_RELATION} or {_MISSING}")


@dataclass(frozen=True)
class Mapped:
    """What one STIX relationship becomes: our relation, whether its ends swap, a note."""

    relation: str
    swapped: bool = False
    note: str | None = None


def map_relationship(wording: str, source_kind: str, target_kind: str) -> Mapped | None:
    """Our relation for a STIX ``relationship_type`` between two kinds; None to skip.

    ``source_kind`` and ``target_kind`` are the kinds of the STIX source and
    target; for a passive hint the result says to swap them.

    >>> map_relationship("attributed-to", "HackingGroup", "StateAgency").relation
    'ATTRIBUTED_TO'
    >>> map_relationship("compensated-by", "CybercrimeGroup", "StateAgency")
    Mapped(relation='PAYS', swapped=True, note=None)
    >>> map_relationship("uses", "HackingGroup", "Location") is None
    True
    """
    if wording in _SKIPPED_RELATIONSHIPS:
        return None
    if wording == _ACTORS_ONLY:
        uses = [r for r in _BY_STIX.get(wording, ()) if r.allows(source_kind, target_kind)]
        if uses:
            return Mapped(uses[0].name)
        if source_kind in domain.ACTORS and target_kind in domain.ACTORS:
            return Mapped(GENERIC_RELATION, note=f"STIX relationship '{wording}'")
        return None
    hint = _STIX_SYNONYMS.get(wording, wording)
    candidates = _BY_STIX.get(hint, ())
    swapped = hint.endswith("-by")
    ends = (target_kind, source_kind) if swapped else (source_kind, target_kind)
    allowed = [r for r in candidates if r.allows(*ends)]
    named = [r for r in allowed if r.name == hint.upper().replace("-", "_")]
    if named:
        return Mapped(named[0].name, swapped)
    if len(allowed) == 1:
        return Mapped(allowed[0].name, swapped)
    if wording == "related-to":
        return Mapped(GENERIC_RELATION)
    if allowed:
        names = " or ".join(r.name for r in allowed)
        why = f"could be {names}"
    elif candidates:
        why = f"no statecrime relation it hints at joins a {source_kind} to a {target_kind}"
    else:
        why = "no statecrime relation is declared for it"
    return Mapped(GENERIC_RELATION, note=f"STIX relationship '{wording}' ({why})")


def credibility(confidence: int | None) -> str:
    """The Admiralty credibility digit for a STIX ``confidence``, by the spec's mapping.

    >>> credibility(85), credibility(60), credibility(0), credibility(None)
    ('1', '2', '5', '6')
    """
    if confidence is None:
        return UNJUDGED_CREDIBILITY
    return value_to_admiralty_credibility(confidence)[0]


def grading(confidence: int | None) -> str:
    """The grading of an imported link: reliability F, credibility from ``confidence``."""
    return UNJUDGED_RELIABILITY + credibility(confidence)


# --- reading the bundle ---------------------------------------------------------------


@dataclass
class _Object:
    """One parsed STIX object, with its place in the file."""

    index: int
    raw: dict[str, Any]
    parsed: Any

    @property
    def id(self) -> str:
        return str(self.raw.get("id"))

    @property
    def type(self) -> str:
        return str(self.raw.get("type"))

    @property
    def where(self) -> str:
        return f"objects[{self.index}] ({self.id})"

    def get(self, name: str, default: Any = None) -> Any:
        value = self.parsed.get(name) if hasattr(self.parsed, "get") else None
        if value is None and name == _REFERENCES:
            value = self.raw.get(name)  # checked by _plain_references, not parsed by stix2
        return default if value is None else value


@dataclass
class _Cited:
    """A Source being gathered: its fields, where it first appeared, what cites it."""

    data: dict[str, Any]
    where: str
    dates: list[str] = field(default_factory=list)
    tlps: list[str | None] = field(default_factory=list)


def _fail(name: str, where: str, message: str, field_name: str | None = None) -> LoadError:
    return LoadError([Problem(name, where, field_name, message)])


_NOT_PARSED: Any = object()


def _envelope(name: str, text: str, document: Any = _NOT_PARSED) -> tuple[str, str, list[Any]]:
    """The bundle's id and its objects, or a LoadError saying why this is not a bundle.

    ``document`` is the file already parsed (the load path's reader checks its
    limits and duplicate keys as it parses): not parsed a second time.
    """
    if document is _NOT_PARSED:
        try:
            document = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise _fail(name, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from exc
    if not isinstance(document, dict) or document.get("type") != "bundle":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise _fail(
            name,
            "file",
            f'not a STIX bundle: expected a JSON object with "type": "bundle" (found {found!r})',
        )
    version = str(document.get("spec_version") or SPEC_VERSION)
    if version not in SPEC_VERSIONS:
        raise _fail(
            name,
            "bundle",
            f"STIX {version} bundle: only STIX {' and '.join(SPEC_VERSIONS)} are read",
            "spec_version",
        )
    if not isinstance(document.get("id"), str):
        raise _fail(name, "bundle", "a STIX bundle needs an id (a string)", "id")
    envelope = {"type": "bundle", "id": document.get("id")}
    if version == "2.0":
        envelope["spec_version"] = "2.0"
    try:
        stix2.parse(envelope, version=version)
    except STIXError as exc:
        raise _fail(name, "bundle", f"not a valid STIX bundle: {exc}", "id") from exc
    objects = document.get("objects", [])
    if not isinstance(objects, list):
        raise _fail(name, "bundle", "expected a list of STIX objects", "objects")
    return str(document["id"]), version, objects


def _parse_objects(
    name: str, items: list[Any], problems: list[Problem], failed: set[str], version: str
) -> list[_Object]:
    """Every object parsed by stix2, one at a time so that each fault is named.

    The ids of objects that fail go into ``failed``, so that a relationship to
    one is not reported a second time as pointing at nothing.
    """
    parsed: list[_Object] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Problem(name, f"objects[{index}]", None, "expected a STIX object"))
            continue
        where = f"objects[{index}] ({item.get('id', item.get('type', '?'))})"
        wrong = [key for key in ("type", "id") if not isinstance(item.get(key), str)]
        if wrong:  # stix2 itself fails with a TypeError on these
            for key in wrong:
                problems.append(Problem(name, where, key, "required, and must be a string"))
            failed.add(str(item.get("id")))
            continue
        item_version = str(item.get("spec_version") or version)
        if item_version not in SPEC_VERSIONS:
            problems.append(
                Problem(
                    name,
                    where,
                    "spec_version",
                    f"STIX {item_version} object: only {' and '.join(SPEC_VERSIONS)} are read",
                )
            )
            failed.add(str(item.get("id")))
            continue
        if item.get("type") not in PARSED_TYPES or _between_unmapped(item):
            parsed.append(_Object(index, item, item))
            continue
        try:
            # plain references are checked here, not built as stix2 objects (half the cost)
            checked = _plain_references(item)
            given = {k: v for k, v in item.items() if k != _REFERENCES} if checked else item
            obj = stix2.parse(given, allow_custom=True, version=item_version)
        except STIXError as exc:
            properties = getattr(exc, "properties", None)
            field_name = getattr(exc, "prop_name", None) or (
                ", ".join(properties) if properties else None
            )
            problems.append(Problem(name, where, field_name, str(exc)))
            failed.add(str(item.get("id")))
            continue
        if item.get("type") in _TIMESTAMPED:
            for stamp in ("created", "modified"):
                if stamp not in item:
                    problems.append(Problem(name, where, stamp, "required by STIX and missing"))
        confidence = item.get("confidence")
        if confidence is not None and not (isinstance(confidence, int) and 0 <= confidence <= 100):
            problems.append(
                Problem(name, where, "confidence", f"{confidence!r} is not an integer 0-100")
            )
        parsed.append(_Object(index, item, obj))
    return parsed


_REFERENCES = "external_references"
_PLAIN_REFERENCE_FIELDS = ("source_name", "description", "url", "external_id")
_IDENTIFYING_FIELDS = ("description", "external_id", "url")


def _plain_references(item: Mapping[str, Any]) -> bool:
    """Whether every external reference of ``item`` is a plain one that stix2 accepts.

    stix2's ``ExternalReference`` (2.0 and 2.1 alike) declares ``source_name``
    (required), ``description``, ``url``, ``external_id`` as strings, ``hashes``, and
    requires one of ``description``, ``external_id``, ``url``. A reference of only
    those strings, with ``source_name`` and one of the three set, passes those very
    checks, so it is checked here; anything else (hashes, custom properties, a value
    that is not a string) is left in the object for stix2 to judge and name. ATT&CK
    cites about 6,000 references: building each as a stix2 object was half the parse.
    """
    refs = item.get(_REFERENCES)
    if not isinstance(refs, list) or not refs:
        return False
    for ref in refs:
        if type(ref) is not dict or not isinstance(ref.get("source_name"), str):
            return False
        if any(k not in _PLAIN_REFERENCE_FIELDS or type(v) is not str for k, v in ref.items()):
            return False
        if not any(ref.get(k) for k in _IDENTIFYING_FIELDS):
            return False
    return True


def _ref_type(ref: Any) -> str:
    """The object type a STIX id names (``intrusion-set--...`` is an intrusion set)."""
    return str(ref).split("--", 1)[0]


def _between_unmapped(item: Mapping[str, Any]) -> bool:
    """Whether a relationship has an end of a type never imported (so it is not parsed)."""
    if item.get("type") != "relationship":
        return False
    ends = (_ref_type(item.get("source_ref")), _ref_type(item.get("target_ref")))
    return not all(end in _MAPPED_TYPES for end in ends)


def _is_custom(stix_type: str) -> bool:
    """A custom STIX type: ``x-``-prefixed or unknown to stix2 (``x-mitre-tactic``)."""
    return stix_type.startswith("x-") or stix_type not in _KNOWN_TYPES


def _latest_versions(objects: Iterable[_Object]) -> dict[str, _Object]:
    """One object per id: the latest ``modified`` (the first, on a tie)."""
    latest: dict[str, _Object] = {}
    for obj in objects:
        held = latest.get(obj.id)
        if held is None or str(obj.raw.get("modified", "")) > str(held.raw.get("modified", "")):
            latest[obj.id] = obj
    return latest


_CITATION = re.compile(r"\s*\(Citation:[^)]*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)\s]*\)")
_MONTHS = {
    month: number
    for number, month in enumerate(
        (
            "January February March April May June July August September October November "
            "December"
        ).split(),
        start=1,
    )
}
_CITED_DATE = re.compile(
    r"\((\d{4})(?:,\s*([A-Z][a-z]+)(?:\s+(\d{1,2}))?)?\)"
)


def clean_text(text: Any) -> str | None:
    """Text without ATT&CK's ``(Citation: ...)`` markup, markdown links kept as their words.

    >>> clean_text("[APT28](https://attack.mitre.org/groups/G0007) is a group.(Citation: X)")
    'APT28 is a group.'
    """
    if text is None:
        return None
    cleaned = _MARKDOWN_LINK.sub(r"\1", _CITATION.sub("", str(text))).strip()
    return cleaned or None


def cited_date(description: Any) -> str | None:
    """The date a citation carries, as ATT&CK writes it: ``Author. (2016, February 24). Title``.

    ``2016-02-24``, ``2016-02`` or ``2016``; None when the text carries none. The
    "Retrieved ..." date is when MITRE read it, not when it was published: not used.

    >>> cited_date("Novetta. (2016, February 24). Operation Blockbuster. Retrieved May 1, 2016.")
    '2016-02-24'
    >>> cited_date("Microsoft. (2023). Naming.") , cited_date("no date") is None
    ('2023', True)
    """
    if not description:
        return None
    found = _CITED_DATE.search(str(description))
    if not found:
        return None
    year, month, day = found.groups()
    if month not in _MONTHS:
        return year
    text = f"{year}-{_MONTHS[month]:02d}"
    return f"{text}-{int(day):02d}" if day else text


def _citation_parts(description: str) -> tuple[str | None, str | None]:
    """(publisher, title) of an ATT&CK citation ``Publisher. (date). Title. Retrieved ...``."""
    found = _CITED_DATE.search(description)
    if not found:
        return None, None
    publisher = description[: found.start()].strip().rstrip(".").strip() or None
    rest = description[found.end() :].lstrip(". ").split(" Retrieved ")[0].strip()
    return publisher, rest.rstrip(".").strip() or None


def _day(value: Any) -> str | None:
    """``YYYY-MM-DD`` of a STIX timestamp (a stix2 datetime or its text)."""
    if value is None:
        return None
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)[:10]


def _tlp_levels(objects: Mapping[str, _Object]) -> dict[str, str]:
    """TLP level (lower case, as STIX writes it) by marking-definition id."""
    levels = dict(_TLP_BY_ID)
    for obj in objects.values():
        if obj.type != "marking-definition":
            continue
        definition = obj.raw.get("definition")
        if obj.raw.get("definition_type") == "tlp" and isinstance(definition, dict):
            levels.setdefault(obj.id, str(definition.get("tlp", "")).lower())
        extension = (obj.raw.get("extensions") or {}).get(_TLP2_EXTENSION)
        if isinstance(extension, dict) and extension.get("tlp_2_0"):
            levels.setdefault(obj.id, str(extension["tlp_2_0"]).lower())
    return levels


def _strictest(levels: Iterable[str | None]) -> str | None:
    """The most restrictive of some TLP levels, in our vocabulary (None if none)."""
    ranks = [domain.tlp_rank(level) for level in levels if level]
    return domain.TLP_LEVELS[max(ranks)] if ranks else None


class _Reader:
    """One bundle's mapping; ``records()`` returns every record or raises every problem."""

    def __init__(self, name: str, text: str, document: Any = _NOT_PARSED) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.bundle_id, self.version, items = _envelope(name, text, document)
        self.failed: set[str] = set()
        self.strict = summary.options().strict
        self.left_out: dict[str, int] = {}
        parsed = _parse_objects(name, items, self.problems, self.failed, self.version)
        self.objects = _latest_versions(parsed)
        self.tlp_of_marking = _tlp_levels(self.objects)
        self.live = {i: o for i, o in self.objects.items() if not o.get("revoked", False)}
        revoked = len(self.objects) - len(self.live)
        if revoked:
            self.leave_out("revoked objects", revoked)
        self.ids: dict[str, str] = {}
        """Our id for a STIX id, where they differ (a country location is the state ``ru``)."""
        self.relationships = [o for o in self.live.values() if o.type == "relationship"]
        self.reports = [o for o in self.live.values() if o.type == "report"]
        self.listed_in: dict[str, list[str]] = {}
        for report in sorted(self.reports, key=lambda o: o.index):
            for ref in report.get("object_refs", []):
                self.listed_in.setdefault(str(ref), []).append(report.id)
        self.cited: dict[str, _Cited] = {}
        self.creators = self._creator_names()
        self.latest_day = max(
            (_day(o.get("modified") or o.get("created")) or "" for o in self.live.values()),
            default="",
        )

    # -- helpers -------------------------------------------------------------------

    def tlp(self, obj: _Object) -> str | None:
        refs = obj.get("object_marking_refs", [])
        return _strictest(self.tlp_of_marking.get(str(ref)) for ref in refs)

    def _creator_names(self) -> list[str]:
        names: list[str] = []
        for obj in self.live.values():
            creator = self.live.get(str(obj.get("created_by_ref", "")))
            if creator is not None and creator.type == "identity":
                names.append(str(creator.get("name")))
        return sorted(set(names))

    def reports_listing(self, object_id: str) -> list[str]:
        return [self.ids.get(i, i) for i in self.listed_in.get(object_id, [])]

    def leave_out(self, what: str, count: int = 1) -> None:
        """Count something not imported (or, with ``--strict``, note it to refuse the file)."""
        self.left_out[what] = self.left_out.get(what, 0) + count

    def cite_references(self, obj: _Object) -> list[str]:
        """Sources for ``obj``'s external references with a URL, gathered; their ids.

        A reference with a URL is a document: a Source dated by the date its
        citation carries (ATT&CK: ``Publisher. (2016, February 24). Title.``),
        else undated; never by the citing object's date, which is when the
        producer wrote the object. A reference without a URL is an identifier
        (it has an ``external_id``) or an alias (ATT&CK's alias references),
        never a Source: see :meth:`entity`.
        """
        ids: list[str] = []
        for position, ref in enumerate(obj.get("external_references", [])):
            if not ref.get("url"):
                continue
            source_name = str(ref.get("source_name"))
            source_id = stable_id(
                "src-", (ref.get(k) for k in ("source_name", "external_id", "url", "description"))
            )
            description = str(ref.get("description") or "")
            publisher, title = _citation_parts(description) if description else (None, None)
            scheme = REFERENCE_SCHEMES.get(source_name)
            if scheme in REFERENCE_PUBLISHERS and ref.get("external_id"):
                # the knowledge base's own page on the object: ATT&CK's G0032 page
                publisher = REFERENCE_PUBLISHERS[scheme]
                title = f"{ref['external_id']}: {obj.get('name') or obj.id}"
            data: dict[str, Any] = {
                "id": source_id,
                "kind": domain.SOURCE_KIND,
                "publisher": publisher or source_name,
                "title": title or ref.get("external_id") or description or str(ref["url"]),
                "url": str(ref["url"]),
            }
            date = cited_date(description)
            if date:
                data["date"] = date
            cited = self.cited.setdefault(
                source_id, _Cited(data, f"{obj.where} external_references[{position}]")
            )
            cited.tlps.append(self.tlp(obj))
            ids.append(source_id)
        return list(dict.fromkeys(ids))

    def identifiers(self, obj: _Object) -> dict[str, list[str]]:
        """The object's STIX id and the ``external_id`` of each reference, by scheme."""
        own = obj.raw.get(OWN_PROPERTIES["id"])
        found: dict[str, list[str]] = {} if own else {"stix": [obj.id]}
        for ref in obj.get("external_references", []):
            if ref.get("external_id"):
                name = str(ref.get("source_name"))
                # ':' separates a scheme from its value in the store (graph/model.py)
                scheme = REFERENCE_SCHEMES.get(name, name).replace(":", "-")
                found.setdefault(scheme, []).append(str(ref["external_id"]))
        return {k: list(dict.fromkeys(v)) for k, v in found.items()}

    @staticmethod
    def reference_aliases(obj: _Object) -> list[str]:
        """ATT&CK writes each alias as a reference with a ``source_name`` and no URL or id."""
        return [
            str(ref["source_name"])
            for ref in obj.get("external_references", [])
            if ref.get("source_name") and not ref.get("url") and not ref.get("external_id")
        ]

    def cite_bundle(self, obj: _Object) -> str:
        data = {
            "id": self.bundle_id,
            "kind": domain.SOURCE_KIND,
            "publisher": "; ".join(self.creators) or BUNDLE_PUBLISHER,
            "title": PurePath(self.name).name,
            "sourceType": BUNDLE_SOURCE_TYPE,
        }
        cited = self.cited.setdefault(self.bundle_id, _Cited(data, f"bundle ({self.bundle_id})"))
        cited.dates.append(self.latest_day)
        cited.tlps.append(self.tlp(obj))
        return self.bundle_id

    # -- objects to entities ---------------------------------------------------------

    def kind_of(self, obj: _Object) -> str | None:
        """Our entity kind for a STIX object, or None when it is not an entity of ours."""
        own = obj.raw.get(OWN_PROPERTIES["kind"])
        if own in domain.ENTITY_KINDS and own != domain.SOURCE_KIND:
            return str(own)  # statecrime's own export says which kind it was
        if obj.type == "threat-actor":
            return self.threat_actor_kind(obj)
        if obj.type == "intrusion-set":
            return "HackingGroup"
        if obj.type == "identity":
            return self.identity_kind(obj)
        if obj.type == "location":
            country_only = obj.get("country") and not any(
                obj.get(f) is not None for f in _FINER_THAN_COUNTRY
            )
            return "State" if country_only else "Location"
        if obj.type in ("incident", "campaign"):
            return "Incident"
        return SOFTWARE_KINDS.get(obj.type)

    def threat_actor_kind(self, obj: _Object) -> str:
        types = set(obj.get("threat_actor_types", []))
        roles = set(obj.get("roles", []))
        if obj.get("resource_level") == "individual":
            return "Person"
        criminal = bool(types & {"criminal", "crime-syndicate"})
        if "nation-state" in types:
            return "HackingGroup" if criminal and not roles & _STEERING_ROLES else "StateAgency"
        if "crime-syndicate" in types:
            return "CybercrimeGroup" if self.is_cyber(obj) else "OrganisedCrimeGroup"
        if "criminal" in types:
            return "CybercrimeGroup"
        if obj.get("primary_motivation") in _FINANCIAL_MOTIVATIONS:
            return "CybercrimeGroup"
        return "HackingGroup"

    def is_cyber(self, obj: _Object) -> bool:
        """Whether the bundle shows the actor acts in cyberspace (see rule 4 above)."""
        if "hacker" in obj.get("threat_actor_types", []):
            return True
        if set(obj.get("roles", [])) & _CYBER_ROLES:
            return True
        if any(w in str(label).lower() for label in obj.get("labels", []) for w in _CYBER_WORDS):
            return True
        for rel in self.relationships:
            if rel.get("source_ref") == obj.id and rel.get("relationship_type") == "uses":
                if str(rel.get("target_ref")).split("--")[0] in _CYBER_TARGETS:
                    return True
        return False

    def identity_kind(self, obj: _Object) -> str | None:
        identity_class = obj.get("identity_class")
        if identity_class == "system" or self.is_producer_only(obj):
            return None
        return "Person" if identity_class == "individual" else "Organisation"

    def is_producer_only(self, obj: _Object) -> bool:
        creates = any(o.get("created_by_ref") == obj.id for o in self.live.values())
        named = any(
            obj.id in (r.get("source_ref"), r.get("target_ref")) for r in self.relationships
        )
        listed = bool(self.reports_listing(obj.id))
        return creates and not named and not listed

    def entity(self, obj: _Object, kind: str) -> dict[str, Any]:
        our_id = self.ids.get(obj.id, obj.id)
        data: dict[str, Any] = {"id": our_id, "kind": kind, "name": self.entity_name(obj)}
        names = [*obj.get("aliases", []), *obj.get("x_mitre_aliases", [])]
        names += self.reference_aliases(obj)
        aliases = [a for a in dict.fromkeys(str(n) for n in names) if a != data["name"]]
        if aliases:
            data["aliases"] = aliases
        description = clean_text(obj.get("description"))
        if description:
            data["description"] = description
        if obj.type == "location" and obj.get("country"):
            data["country"] = str(obj.get("country"))
        if any(obj.get(flag) is True for flag in DEPRECATED_FLAGS):
            data["deprecated"] = True
        if kind == "Person":
            wanted = obj.get("threat_actor_types", []) + obj.get("roles", [])
            roles = [r for r in domain.PERSON_ROLES if r in {str(w).lower() for w in wanted}]
            if roles:
                data["roles"] = roles
        if obj.type == "identity" and obj.get("identity_class") == "class":
            data["isClass"] = True
        if obj.type == "campaign" and obj.get("first_seen"):
            data["date"] = _day(obj.get("first_seen"))
        data["identifiers"] = self.identifiers(obj)
        if kind == "State" and obj.get("country"):
            # the state of the ISO code, named as rigour names countries (as the curated
            # data does); the location's own name is kept as an alias
            code = str(obj.get("country")).upper()
            data["identifiers"]["iso-3166"] = [code]
            territory = lookup_territory(code.lower())
            if territory is not None and territory.name != data["name"]:
                data["aliases"] = [data["name"], *data.get("aliases", [])]
                data["name"] = territory.name
        sources = self.cite_references(obj) + self.reports_listing(obj.id)
        if sources:
            data["sources"] = sources
        tlp = self.tlp(obj)
        if tlp:
            data["tlp"] = tlp
        return data

    @staticmethod
    def entity_name(obj: _Object) -> str:
        for name_field in ("name", "city", "administrative_area", "region", "country"):
            if obj.get(name_field):
                return str(obj.get(name_field))
        if obj.get("latitude") is not None:
            return f"{obj.get('latitude')}, {obj.get('longitude')}"
        return obj.id

    def report_source(self, obj: _Object) -> dict[str, Any]:
        refs = obj.get("external_references", [])
        creator = self.live.get(str(obj.get("created_by_ref", "")))
        if creator is not None and creator.type == "identity":
            publisher = str(creator.get("name"))
        elif refs:
            publisher = str(refs[0].get("source_name"))
        else:
            publisher = "; ".join(self.creators) or BUNDLE_PUBLISHER
        data: dict[str, Any] = {
            "id": self.ids.get(obj.id, obj.id),
            "kind": domain.SOURCE_KIND,
            "publisher": publisher,
            "title": str(obj.get("name")),
            "date": obj.raw.get(OWN_PROPERTIES["date"]) or _day(obj.get("published")),
        }
        url = next((str(r["url"]) for r in refs if r.get("url")), None)
        if url:
            data["url"] = url
        if obj.get("description"):
            data["description"] = str(obj.get("description"))
        tlp = self.tlp(obj)
        if tlp:
            data["tlp"] = tlp
        return data

    # -- relationships to links ------------------------------------------------------

    def end(self, rel: _Object, end_field: str, kinds: Mapping[str, str]) -> str | None:
        """The kind of one end of ``rel``; None when it is not imported (or is missing)."""
        ref = str(rel.get(end_field))
        if ref in kinds:
            return kinds[ref]
        target = self.objects.get(ref)
        if target is None and ref not in self.failed:
            self.problems.append(
                Problem(self.name, rel.where, end_field, f"no object {ref!r} in the bundle")
            )
        return None

    def link(self, rel: _Object, kinds: Mapping[str, str]) -> dict[str, Any] | None:
        wording = str(rel.get("relationship_type"))
        types = [_ref_type(rel.get(f)) for f in ("source_ref", "target_ref")]
        what = f"relationship {wording} ({types[0]} -> {types[1]})"
        source_kind = self.end(rel, "source_ref", kinds)
        target_kind = self.end(rel, "target_ref", kinds)
        if source_kind is None or target_kind is None:
            if any(_is_custom(t) for t in types):
                what = f"relationship {wording} to a custom object ({types[0]} -> {types[1]})"
            self.leave_out(what)
            return None
        mapped = map_relationship(wording, source_kind, target_kind)
        own = rel.raw.get(OWN_PROPERTIES["relation"])
        if own in domain.RELATIONS:
            # statecrime's own export: the relation it was (a passive wording swaps the ends)
            mapped = Mapped(str(own), swapped=_STIX_SYNONYMS.get(wording, wording).endswith("-by"))
        if mapped is None:
            self.leave_out(what)
            return None
        source, target = str(rel.get("source_ref")), str(rel.get("target_ref"))
        source, target = self.ids.get(source, source), self.ids.get(target, target)
        if mapped.swapped:
            source, target = target, source
        confidence = rel.get("confidence")
        data: dict[str, Any] = {
            "source": source,
            "type": mapped.relation,
            "target": target,
            "grading": rel.raw.get(OWN_PROPERTIES["grading"])
            or grading(confidence if isinstance(confidence, int) else None),
        }
        sources = self.cite_references(rel) + self.reports_listing(rel.id)
        data["sources"] = sources or [self.cite_bundle(rel)]
        if rel.get("start_time"):
            data["since"] = _day(rel.get("start_time"))
        if rel.get("stop_time"):
            data["until"] = _day(rel.get("stop_time"))
        note = " ".join(str(n) for n in (clean_text(rel.get("description")), mapped.note) if n)
        if note:
            data["note"] = note
        tlp = self.tlp(rel)
        if tlp:
            data["tlp"] = tlp
        return data

    # -- all together ----------------------------------------------------------------

    def records(self) -> list[readers.RawRecord]:
        out: list[readers.RawRecord] = []
        kinds: dict[str, str] = {}
        ordered = sorted(self.live.values(), key=lambda o: o.index)
        for obj in ordered:
            own_id = obj.raw.get(OWN_PROPERTIES["id"])
            if isinstance(own_id, str) and own_id:
                self.ids[obj.id] = own_id  # statecrime's own export keeps our ids
        for obj in ordered:
            kind = self.kind_of(obj) if obj.type in _MAPPED_TYPES else None
            if kind is not None:
                kinds[obj.id] = kind
                if kind == "State" and obj.get("country") and obj.id not in self.ids:
                    # a country is the state of its ISO code: ``ru``, as the curated data names it
                    self.ids[obj.id] = str(obj.get("country")).lower()
        for obj in ordered:
            if obj.id in kinds:
                out.append(self.record(obj.where, "entity", self.entity(obj, kinds[obj.id])))
            elif obj.type == "report":
                out.append(self.record(obj.where, "entity", self.report_source(obj)))
            elif obj.type not in ("relationship", "bundle"):
                custom = " (custom)" if _is_custom(obj.type) else ""
                self.leave_out(f"object {obj.type}{custom}")
        for rel in sorted(self.relationships, key=lambda o: o.index):
            data = self.link(rel, kinds)
            if data is not None:
                out.append(self.record(rel.where, "link", data))
        for cited in self.cited.values():
            dates = [d for d in cited.dates if d]
            data = dict(cited.data)
            if dates:
                data["date"] = min(dates) if data["id"] != self.bundle_id else max(dates)
            tlp = _strictest(cited.tlps)
            if tlp:
                data["tlp"] = tlp
            out.append(self.record(cited.where, "entity", data))
        if self.strict and self.left_out:
            self.problems.extend(
                Problem(self.name, "bundle", None, f"--strict: {count} {what} not imported")
                for what, count in sorted(self.left_out.items())
            )
        if self.problems:
            raise LoadError(self.problems)
        for what, count in sorted(self.left_out.items()):
            summary.skipped(self.name, what, count)
        return out

    def record(
        self, where: str, section: readers.Section, data: dict[str, Any]
    ) -> readers.RawRecord:
        return readers.RawRecord(file=self.name, where=where, section=section, data=data)


def read_stix(name: str, text: str, document: Any = _NOT_PARSED) -> Iterator[readers.RawRecord]:
    """The native records of one STIX 2.1 bundle (see the module docstring for the mapping).

    ``document`` is ``text`` already parsed as JSON, when the caller has it.
    Raises :class:`LoadError` with every problem only this reader can see; the
    records themselves are validated by the common load path.
    """
    yield from _Reader(name, text, document).records()
