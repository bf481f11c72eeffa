"""Read MISP galaxy clusters (``threat-actor``, ``intelligence-agencies``) into records.

``statecrime load --misp-galaxy threat-actor`` reads the galaxy that the PyPI
package ``pymispgalaxies`` ships (pinned in pyproject, so the data is what that
release holds, and nothing is downloaded); ``load --from misp-galaxy FILE`` reads
a galaxy cluster file as MISP publishes it (``clusters/threat-actor.json`` of
github.com/MISP/misp-galaxy), for a newer one.

The mapping (tables below, not branches):

- each cluster value is an entity with id ``misp-<uuid>``; its ``value`` the
  name, ``meta.synonyms`` the aliases, ``meta.country`` the country (an ISO
  3166-1 alpha-2 code, else counted as unmapped), ``description`` kept;
  identifiers ``misp-galaxy: uuid`` and ``mitre-attack`` for the ATT&CK group id
  its refs name (``attack.mitre.org/groups/G0032``) when they name exactly one:
  an entry whose refs name several (MISP's Lazarus Group names G0032 and G0082)
  conflates groups ATT&CK keeps apart, and those ids would merge them, so they
  are dropped and counted;
- ``threat-actor`` values are HackingGroups, or the kind :data:`MOTIVE_KINDS`
  gives their ``meta.motive``; ``intelligence-agencies`` values are StateAgencies
  PART_OF the state of their ``country`` (:data:`GRADINGS` ``agency``);
- ``meta.refs`` are Sources (url, publisher its host, undated: MISP gives no
  dates); the galaxy itself is a Source (publisher its ``source``, title its
  name and version, url its file on GitHub), dated by ``load --date`` or undated;
- ``cfr-suspected-state-sponsor`` (the Council on Foreign Relations' Cyber
  Operations Tracker, which MISP copies) becomes SPONSORS from the state to the
  actor, and each ``cfr-suspected-victims`` entry that names a state becomes
  TARGETS from the actor to it. Sponsor strings map to ISO codes by
  :data:`SPONSOR_CODES`, victims by :data:`VICTIM_CODES` then by the country
  names of ``rigour.territories`` (countries only: "Hong Kong", "Europe", "NATO",
  "Bangladesh Bank" are not states); the rest is counted as unmapped in the
  load summary. Those links cite the actor's cfr.org refs and the galaxy.

Grading (documented rule, :data:`GRADINGS`): the tracker is a research
compilation of public reporting, so reliability **C** (fairly reliable); the
credibility comes from the entry's ``attribution-confidence`` (0-100) by the
STIX 2.1 Admiralty credibility mapping (80-100 -> 1, 60-79 -> 2, 40-59 -> 3,
20-39 -> 4, 0-19 -> 5; absent -> 6). Most entries say 50: C3, "possibly true",
which ``--min-grading B2`` leaves out while an official attribution (B2 or
better in the curated data) passes: suspicion and designation stay apart.
An agency being part of its state, from the Wikipedia-compiled agencies list,
is C2.

A state named by a sponsor, victim or agency country is written as a State
with id the lower-case ISO code (``ru``, ``kp``: the curated ids) and the
country name of ``rigour.territories`` (the names the curated data uses).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from rigour.territories import lookup_territory

from statecrime.graph import domain
from statecrime.loaders import readers, summary
from statecrime.loaders.ids import stable_id
from statecrime.loaders.problems import LoadError, Problem
from statecrime.loaders.stix import credibility

GALAXIES: Mapping[str, str] = {
    "threat-actor": "threat-actor.json",
    "intelligence-agencies": "intelligence-agencies.json",
}
"""The galaxies ``--misp-galaxy`` reads, and their file in pymispgalaxies' data."""

KIND_BY_GALAXY: Mapping[str, str] = {
    "threat-actor": "HackingGroup",
    "intelligence-agency": "StateAgency",
    "intelligence-agencies": "StateAgency",
}
"""The kind of a cluster's values, by the galaxy file's ``type``."""

MOTIVE_KINDS: Mapping[str, str] = {
    "Cybercrime": "CybercrimeGroup",
    "mainly financially motivated, additional espionage objective.": "CybercrimeGroup",
}
"""``meta.motive`` values that say an actor is a cybercrime group."""

SPONSOR_CODES: Mapping[str, str | None] = {
    "China": "cn",
    "People's Republic of China": "cn",
    "Iran (Islamic Republic of)": "ir",
    "Russian Federation": "ru",
    "Korea (Democratic People's Republic of)": "kp",
    "Korea (Republic of)": "kr",
    "United States": "us",
    "US": "us",
    "Palestine": "ps",
    "Pakistan": "pk",
    "India": "in",
    "Belarus": "by",
    "France": "fr",
    "United Arab Emirates": "ae",
    "Vietnam": "vn",
    "Spain": "es",
    "Israel": "il",
    "Lebanon": "lb",
    "Unknown": None,
}
"""``cfr-suspected-state-sponsor`` strings (as in pymispgalaxies 1.1.1) and their ISO code;
None: names no state. A string not listed is reported as unmapped."""

VICTIM_CODES: Mapping[str, str | None] = {
    "Lebonon": "lb",
    "Palestine": "ps",
    "Gaza": None,
    "Hong Kong": None,
    "Macao": None,
    "Kurdistan": None,
}
"""``cfr-suspected-victims`` strings that rigour's country names do not settle."""

GRADINGS: Mapping[str, str] = {
    "tracker": "C",
    "agency": "C2",
}
"""Reliability of the CFR tracker's compilation (credibility from attribution-confidence),
and the grading of an agency's PART_OF its state."""

ATTACK_GROUP = re.compile(r"attack\.mitre\.org/groups/(G\d{4})")
ATTACK_ID = re.compile(r"^[GS]\d{4}$")
CFR_HOST = "www.cfr.org"
GALAXY_URL = "https://github.com/MISP/misp-galaxy/blob/main/clusters/{file}"


def galaxy_path(name: str) -> Path:
    """The file of a galaxy shipped by pymispgalaxies (``threat-actor``...)."""
    if name not in GALAXIES:
        raise LoadError(
            [
                Problem(
                    name,
                    "galaxy",
                    None,
                    f"unknown MISP galaxy {name!r}; expected one of: {', '.join(GALAXIES)}",
                )
            ]
        )
    import pymispgalaxies

    base = Path(pymispgalaxies.__file__).parent / "data" / "misp-galaxy" / "clusters"
    return base / GALAXIES[name]


def state_code(text: str, table: Mapping[str, str | None]) -> tuple[bool, str | None]:
    """(known, ISO code) for a sponsor or victim string: the table, then rigour's countries."""
    if text in table:
        return True, table[text]
    territory = lookup_territory(text)
    if territory is not None and territory.is_country and re.fullmatch(r"[a-z]{2}", territory.code):
        return True, territory.code
    return False, None


def state_name(code: str) -> str:
    territory = lookup_territory(code)
    return territory.name if territory is not None else code.upper()


@dataclass
class _Reader:
    name: str
    document: dict[str, Any]
    out: list[readers.RawRecord] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def emit(self, where: str, section: readers.Section, data: dict[str, Any]) -> None:
        self.out.append(readers.RawRecord(self.name, where, section, data))

    def galaxy_source(self) -> str:
        doc = self.document
        source_id = f"misp-galaxy-{doc.get('type', 'cluster')}-v{doc.get('version', 0)}"
        data: dict[str, Any] = {
            "id": source_id,
            "kind": domain.SOURCE_KIND,
            "publisher": str(doc.get("source") or "MISP Project"),
            "title": f"MISP galaxy {doc.get('name', doc.get('type'))} "
            f"(version {doc.get('version', '?')})",
            "url": GALAXY_URL.format(file=Path(self.name).name),
            "sourceType": "research",
        }
        date = summary.options().date
        if date:
            data["date"] = date
        self.sources.setdefault(source_id, data)
        return source_id

    def ref_source(self, url: str) -> str:
        source_id = stable_id("src-", [url])
        host = urlsplit(url).hostname or url
        publisher = "Council on Foreign Relations" if host == CFR_HOST else host
        self.sources.setdefault(
            source_id,
            {
                "id": source_id,
                "kind": domain.SOURCE_KIND,
                "publisher": publisher,
                "title": url,
                "url": url,
            },
        )
        return source_id

    def state(self, code: str) -> str:
        if code not in self.states:
            self.states.add(code)
            self.emit(
                f"state {code}",
                "entity",
                {
                    "id": code,
                    "kind": "State",
                    "name": state_name(code),
                    "country": code.upper(),
                    "identifiers": {"iso-3166": [code.upper()]},
                },
            )
        return code

    def link(self, where: str, data: dict[str, Any]) -> None:
        key = (data["source"], data["type"], data["target"])
        held = self.links.get(key)
        if held is None:
            self.links[key] = {"where": where, **data}
        else:
            held["sources"] = list(dict.fromkeys([*held["sources"], *data["sources"]]))

    def value(self, index: int, item: Any, galaxy: str, kind: str) -> None:
        where = f"values[{index}]"
        if not isinstance(item, dict) or not item.get("value") or not item.get("uuid"):
            raise LoadError([Problem(self.name, where, None, "expected a value with a uuid")])
        meta = item.get("meta") or {}
        if not isinstance(meta, dict):
            raise LoadError([Problem(self.name, where, "meta", "expected a mapping")])
        for key in ("refs", "synonyms", "cfr-suspected-victims"):
            if not isinstance(meta.get(key) or [], list):
                raise LoadError([Problem(self.name, where, f"meta.{key}", "expected a list")])
        uuid = str(item["uuid"])
        entity_id = f"misp-{uuid}"
        where = f"{where} ({item['value']})"
        refs = [str(r) for r in meta.get("refs") or [] if str(r).startswith("http")]
        groups = sorted({m.group(1) for r in refs for m in [ATTACK_GROUP.search(r)] if m})
        identifiers: dict[str, list[str]] = {"misp-galaxy": [uuid]}
        if len(groups) == 1:
            identifiers["mitre-attack"] = groups
        elif groups:
            summary.skipped(self.name, "ATT&CK ids of entries naming several groups", len(groups))
        synonyms = [str(s) for s in meta.get("synonyms") or [] if not ATTACK_ID.match(str(s))]
        name = str(item["value"])
        kind = MOTIVE_KINDS.get(str(meta.get("motive")), kind)
        galaxy_source = self.galaxy_source()
        data: dict[str, Any] = {
            "id": entity_id,
            "kind": kind,
            "name": name,
            "identifiers": identifiers,
            "sources": [galaxy_source, *(self.ref_source(r) for r in refs)],
        }
        aliases = [s for s in dict.fromkeys(synonyms) if s != name]
        if aliases:
            data["aliases"] = aliases
        if item.get("description"):
            data["description"] = str(item["description"])
        country = str(meta.get("country") or "")
        if re.fullmatch(r"[A-Za-z]{2}", country):
            data["country"] = country.upper()
        elif country:
            summary.unmapped(self.name, f"country {country!r}")
        self.emit(where, "entity", data)
        cfr = [self.ref_source(r) for r in refs if urlsplit(r).hostname == CFR_HOST]
        confidence = meta.get("attribution-confidence")
        try:
            level = int(confidence) if confidence is not None else None
        except (TypeError, ValueError):
            level = None
        grading = GRADINGS["tracker"] + credibility(level)
        cited = [*cfr, galaxy_source]
        sponsor = meta.get("cfr-suspected-state-sponsor")
        if sponsor:
            known, code = state_code(str(sponsor), SPONSOR_CODES)
            if code:
                self.link(
                    where,
                    {
                        "source": self.state(code),
                        "type": "SPONSORS",
                        "target": entity_id,
                        "grading": grading,
                        "sources": cited,
                        "note": "CFR Cyber Operations Tracker: suspected state sponsor",
                    },
                )
            elif not known:
                summary.unmapped(self.name, f"state sponsor {sponsor!r}")
        for victim in meta.get("cfr-suspected-victims") or []:
            known, code = state_code(str(victim), VICTIM_CODES)
            if code:
                self.link(
                    where,
                    {
                        "source": entity_id,
                        "type": "TARGETS",
                        "target": self.state(code),
                        "grading": grading,
                        "sources": cited,
                        "note": "CFR Cyber Operations Tracker: suspected victim",
                    },
                )
            else:
                summary.unmapped(self.name, f"victim {victim!r}")
        if kind == "StateAgency" and "country" in data:
            self.link(
                where,
                {
                    "source": entity_id,
                    "type": "PART_OF",
                    "target": self.state(data["country"].lower()),
                    "grading": GRADINGS["agency"],
                    "sources": data["sources"][:2],
                },
            )

    def run(self) -> list[readers.RawRecord]:
        galaxy = str(self.document.get("type") or "")
        kind = KIND_BY_GALAXY.get(galaxy)
        if kind is None:
            raise LoadError(
                [
                    Problem(
                        self.name,
                        "file",
                        "type",
                        f"MISP galaxy type {galaxy!r} is not read; expected one of: "
                        f"{', '.join(KIND_BY_GALAXY)}",
                    )
                ]
            )
        values = self.document.get("values")
        if not isinstance(values, list):
            raise LoadError([Problem(self.name, "file", "values", "expected a list")])
        for index, item in enumerate(values):
            self.value(index, item, galaxy, kind)
        for data in self.sources.values():
            self.emit(f"source {data['id']}", "entity", data)
        for data in self.links.values():
            where = data.pop("where")
            self.emit(where, "link", data)
        return self.out


def read_misp(name: str, text: str) -> Iterator[readers.RawRecord]:
    """The records of one MISP galaxy cluster file."""
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise LoadError(
            [Problem(name, f"line {exc.lineno}", None, f"not valid JSON: {exc.msg}")]
        ) from exc
    if not isinstance(document, dict) or "values" not in document:
        raise LoadError(
            [Problem(name, "file", None, "not a MISP galaxy cluster file (no 'values')")]
        )
    yield from _Reader(name, document).run()
