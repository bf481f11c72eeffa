"""The graph out again, as STIX 2.1 and as FollowTheMoney: ``statecrime export --to stix|ftm``.

Both work from the record document of :func:`statecrime.views.export.graph_records`
(entities, sources, links), so what a view or a TLP restriction leaves out is
left out here too.

**STIX 2.1** (a bundle the ``stix2`` package parses). Each entity becomes the
STIX object its kind's ``stix_type`` hint in :mod:`graph.domain` names
(intrusion-set, threat-actor, identity, location, malware, tool; an Incident
with a date becomes a campaign dated ``first_seen``), each link a
``relationship`` with the domain's STIX wording (``Relation.stix``; else the
relation's name in STIX's kebab case, e.g. ``launders-for``), each dated Source
a ``report`` (``published`` its date, its publisher and URL as its external
reference) listing what it evidences; an undated Source, which a report cannot
be, is an external reference on what cites it. STIX ids are UUIDv5 of our ids,
so exporting twice gives the same ids. Identifiers are external references
(``source_name`` the scheme, ``external_id`` the value). The custom properties
of :data:`statecrime.loaders.stix.OWN_PROPERTIES` (``x_statecrime_id``,
``x_statecrime_kind``, ``x_statecrime_relation``, ``x_statecrime_grading``,
``x_statecrime_date``: a source's partial date, ``2019-05``)
carry what STIX has no word for, so that ``load --from stix`` of an export gives
back the same ids, kinds, relations and gradings.

**FollowTheMoney** (JSON lines the ``followthemoney`` model accepts). Person ->
Person, Company -> Company, StateAgency and State -> PublicBody (FtM has no
state; a State's topic is ``gov.national``), the groups -> Organization with the
topics that make ``load --from ftm`` read them back as the same kind
(``crime.cyber``, ``crime``), Organisation -> Organization, Location -> Address.
Malware, Tool, Incident have no FtM schema and are left out (counted).
Links: OWNS -> Ownership, ENABLES -> Representation, MEMBER_OF and LEADS ->
Membership (LEADS with role "leader"), SANCTIONED_BY -> Sanction of the state's
country, every other relation -> UnknownLink whose ``role`` is our relation
name; ``startDate``/``endDate`` from since/until, ``sourceUrl`` and
``publisher`` from the link's first source, ``summary`` its grading and note.
FtM ids are our ids.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from statecrime.graph import domain
from statecrime.loaders.ids import stable_id
from statecrime.loaders.stix import OWN_PROPERTIES

NAMESPACE = uuid.UUID("6f6b1a35-37c4-4a4e-9d53-5b1f1b7e0d2a")
"""The UUIDv5 namespace of statecrime's STIX ids (a fixed, arbitrary UUID)."""
STIX_CREATED = "2020-01-01T00:00:00.000Z"
"""STIX requires created/modified; our records are not versioned, so a fixed stamp
(the export is of facts, not of when they were written)."""
STIX_TYPES: Mapping[str, str] = {
    "Person": "identity",
    "Company": "identity",
    "Organisation": "identity",
}
"""Overrides of the domain's ``stix_type`` hints where a STIX type fits better for output
(a person or company is an identity; the hint names the threat-actor reading on input)."""
_ALIASED = frozenset({"threat-actor", "intrusion-set", "malware", "tool", "campaign"})


def stix_id(stix_type: str, our_id: str) -> str:
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, our_id)}"


def _kebab(name: str) -> str:
    return name.lower().replace("_", "-")


def to_stix(document: Mapping[str, Any]) -> dict[str, Any]:
    """The record document as a STIX 2.1 bundle (a dict ready for ``json.dumps``)."""
    common = {"spec_version": "2.1", "created": STIX_CREATED, "modified": STIX_CREATED}
    objects: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    sources = {str(s["id"]): s for s in document.get("sources", [])}
    listed: dict[str, list[str]] = {}

    def refs_for(cited: list[str], holder: str) -> list[dict[str, Any]]:
        refs = []
        for source_id in cited:
            source = sources.get(source_id)
            if source is None:
                continue
            if source.get("date"):
                listed.setdefault(source_id, []).append(holder)
            else:
                ref: dict[str, Any] = {
                    "source_name": str(source.get("publisher")),
                    "description": str(source.get("title") or source.get("name")),
                }
                if source.get("url"):
                    ref["url"] = str(source["url"])
                refs.append(ref)
        return refs

    for entity in document.get("entities", []):
        kind = str(entity["kind"])
        stix_type = STIX_TYPES.get(kind) or domain.ENTITY_KINDS[kind].stix_type or "identity"
        if kind == "Incident" and entity.get("date"):
            stix_type = "campaign"
        object_id = stix_id(stix_type, str(entity["id"]))
        ids[str(entity["id"])] = object_id
        obj: dict[str, Any] = {
            "type": stix_type,
            "id": object_id,
            "name": str(entity["name"]),
            **common,
            OWN_PROPERTIES["id"]: str(entity["id"]),
            OWN_PROPERTIES["kind"]: kind,
        }
        if entity.get("description"):
            obj["description"] = str(entity["description"])
        if entity.get("aliases") and stix_type in _ALIASED:
            obj["aliases"] = list(entity["aliases"])
        if stix_type == "identity":
            obj["identity_class"] = "individual" if kind == "Person" else "organization"
        if stix_type == "location":
            if entity.get("country"):
                obj["country"] = str(entity["country"])
            else:
                obj["region"] = "unknown"
        if stix_type == "malware":
            obj["is_family"] = True
        if stix_type == "campaign":
            obj["first_seen"] = f"{_first_day(str(entity['date']))}T00:00:00.000Z"
        refs = [
            {"source_name": scheme, "external_id": str(value)}
            for scheme, values in sorted((entity.get("identifiers") or {}).items())
            for value in (values if isinstance(values, list) else [values])
            if scheme != "stix"
        ]
        refs += refs_for(list(entity.get("sources") or []), object_id)
        if refs:
            obj["external_references"] = refs
        objects.append(obj)
    for link in document.get("links", []):
        relation = domain.RELATIONS[str(link["type"])]
        wording = relation.stix or _kebab(relation.name)
        source, target = ids.get(str(link["source"])), ids.get(str(link["target"]))
        if source is None or target is None:
            continue
        if wording.endswith("-by"):  # a passive wording: "B compensated-by A" is "A pays B"
            source, target = target, source
        key = f"{link['source']}|{link['type']}|{link['target']}"
        rel_id = stix_id("relationship", key)
        rel: dict[str, Any] = {
            "type": "relationship",
            "id": rel_id,
            "relationship_type": wording,
            "source_ref": source,
            "target_ref": target,
            **common,
            OWN_PROPERTIES["relation"]: relation.name,
            OWN_PROPERTIES["grading"]: str(link["grading"]),
        }
        if link.get("note"):
            rel["description"] = str(link["note"])
        if link.get("since"):
            rel["start_time"] = f"{_first_day(str(link['since']))}T00:00:00.000Z"
        refs = refs_for(list(link.get("sources") or []), rel_id)
        if refs:
            rel["external_references"] = refs
        objects.append(rel)
    for source_id, holders in listed.items():
        source = sources[source_id]
        ref: dict[str, Any] = {"source_name": str(source.get("publisher"))}
        if source.get("url"):
            ref["url"] = str(source["url"])
        objects.append(
            {
                "type": "report",
                "id": stix_id("report", source_id),
                "name": str(source.get("title") or source.get("name")),
                "published": f"{_first_day(str(source['date']))}T00:00:00.000Z",
                "report_types": ["threat-report"],
                "object_refs": sorted(set(holders)),
                "external_references": [ref],
                **common,
                OWN_PROPERTIES["id"]: source_id,
                OWN_PROPERTIES["date"]: str(source["date"]),  # a partial date, as we hold it
            }
        )
    return {"type": "bundle", "id": stix_id("bundle", "statecrime-export"), "objects": objects}


def _first_day(partial: str) -> str:
    """``2019`` -> ``2019-01-01``; ``2019-05`` -> ``2019-05-01``."""
    parts = partial.split("-")
    return "-".join([parts[0], *[*parts[1:], "01", "01"][:2]])


# --- FollowTheMoney ------------------------------------------------------------------

FTM_SCHEMAS: Mapping[str, str] = {
    "Person": "Person",
    "Company": "Company",
    "StateAgency": "PublicBody",
    "State": "PublicBody",
    "Organisation": "Organization",
    "CybercrimeGroup": "Organization",
    "OrganisedCrimeGroup": "Organization",
    "HackingGroup": "Organization",
    "Location": "Address",
}
"""Our kinds and the FtM schema each becomes; the others have none and are left out."""
FTM_TOPICS: Mapping[str, str] = {
    "State": "gov.national",
    "StateAgency": "gov.security",
    "CybercrimeGroup": "crime.cyber",
    "OrganisedCrimeGroup": "crime",
}
"""The topic that makes ``load --from ftm`` read an exported entity as the same kind."""
FTM_EDGES: Mapping[str, str] = {
    "OWNS": "Ownership",
    "ENABLES": "Representation",
    "MEMBER_OF": "Membership",
    "LEADS": "Membership",
}
"""Relations with an FtM edge schema; every other relation is an UnknownLink."""


def to_ftm(document: Mapping[str, Any]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """FtM entities for the document (dicts of ``EntityProxy.to_dict``), and what was left out."""
    from followthemoney import model

    left_out: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    countries: dict[str, str | None] = {}
    sources = {str(s["id"]): s for s in document.get("sources", [])}
    for entity in document.get("entities", []):
        kind = str(entity["kind"])
        countries[str(entity["id"])] = entity.get("country")
        schema = FTM_SCHEMAS.get(kind)
        if schema is None:
            left_out[f"entity {kind}"] += 1
            continue
        kinds[str(entity["id"])] = kind
        proxy = model.make_entity(schema)
        proxy.id = str(entity["id"])
        name_prop = "full" if schema == "Address" else "name"
        proxy.add(name_prop, str(entity["name"]))
        if schema != "Address":
            proxy.add("alias", list(entity.get("aliases") or []))
            proxy.add("topics", [t for t in [FTM_TOPICS.get(kind), *entity.get("topics", [])] if t])
            proxy.add("notes", entity.get("description"))
            wikidata = (entity.get("identifiers") or {}).get("wikidata")
            if wikidata:
                proxy.add("wikidataId", wikidata)
        if entity.get("country"):
            proxy.add("country", str(entity["country"]).lower())
        out.append(proxy.to_dict())
    for link in document.get("links", []):
        source_id, target_id = str(link["source"]), str(link["target"])
        relation = str(link["type"])
        if source_id not in kinds or (target_id not in kinds and relation != "SANCTIONED_BY"):
            left_out[f"link {relation} to an entity left out"] += 1
            continue
        cited = [sources[s] for s in link.get("sources") or [] if s in sources]
        if relation == "SANCTIONED_BY":
            code = countries.get(target_id) or (target_id if len(target_id) == 2 else None)
            if not code:
                left_out["link SANCTIONED_BY by no state"] += 1
                continue
            proxy = model.make_entity("Sanction")
            proxy.add("entity", source_id)
            proxy.add("country", str(code).lower())
            proxy.add("authority", cited[0].get("publisher") if cited else None)
        else:
            schema_name = FTM_EDGES.get(relation, "UnknownLink")
            schema = model.get(schema_name)
            assert schema is not None and schema.edge_source and schema.edge_target
            proxy = model.make_entity(schema_name)
            proxy.add(schema.edge_source, source_id)
            proxy.add(schema.edge_target, target_id)
            if schema_name == "UnknownLink":
                proxy.add("role", relation)
            elif relation == "LEADS":
                proxy.add("role", "leader")
        proxy.id = stable_id("ftm-link-", [source_id, relation, target_id], length=16)
        proxy.add("startDate", link.get("since"))
        proxy.add("endDate", link.get("until"))
        if cited:
            proxy.add("sourceUrl", cited[0].get("url"))
            proxy.add("publisher", cited[0].get("publisher"))
        summary = f"grading {link['grading']}" + (f"; {link['note']}" if link.get("note") else "")
        proxy.add("summary", summary)
        out.append(proxy.to_dict())
    return out, left_out


def ftm_lines(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from to_ftm(document)[0]
