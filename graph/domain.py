"""The domain of statecrime, declared once.

Everything else is derived from the tables in this module: record validation
(which fields an entity kind takes, which kinds a relation may join), the Neo4j
labels and relationship types, how a proxy chain crosses each relation, and the
colours and shapes of the HTML view. Adding a kind or a relation is one entry
here; no other module lists them.

The model follows the vocabulary of ``../shared/domain.md``: a *state* and its
agencies task, pay, direct, sponsor, tolerate or use as proxy a *criminal group*
or an *intermediary*; groups target people and places and perpetrate incidents;
oligarchs are linked to states and served by *enablers*.

>>> ENTITY_KINDS["CybercrimeGroup"].label
'CybercrimeGroup'
>>> RELATIONS["PART_OF"].chain
<Crossing.BACKWARD: 'backward'>
>>> RELATIONS["TASKS"].allows("StateAgency", "CybercrimeGroup")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ENTITY_LABEL = "Entity"
"""The label every node carries, beside the label of its kind; ids are unique on it."""


class Crossing(StrEnum):
    """How a proxy chain, read from the state outwards, may cross a relation.

    ``FORWARD`` follows the arrow (state -TASKS-> group), ``BACKWARD`` goes
    against it (state <-PART_OF- agency: from a state to its agency), ``NONE``
    keeps the relation out of chains (ownership, sanctions, enablers).
    """

    FORWARD = "forward"
    BACKWARD = "backward"
    NONE = "none"


class Stage(StrEnum):
    """Where in a proxy chain a relation sits.

    A chain runs through *control* hops (the state reaching its agencies and
    the actors it tasks), then *membership* hops (from a group to its leaders
    and members), then *act* hops (what the actor does: its targets and
    incidents). Once a chain has crossed an act hop it may only go on along act
    hops: an incident's target is where a chain ends, not a new beginning.
    """

    CONTROL = "control"
    MEMBERSHIP = "membership"
    ACT = "act"
    OTHER = "other"


@dataclass(frozen=True)
class Style:
    """How the HTML view draws a kind: a fill colour, a vis-network shape, a legend group.

    Shapes are ones vis-network labels *below* the node (dot, diamond, star,
    triangle, square...): shapes that hold their label inside (box, ellipse)
    become blank bars when a large graph is zoomed out.
    """

    color: str
    shape: str
    group: str


@dataclass(frozen=True)
class EntityKind:
    """One kind of entity: its Neo4j label, the fields it takes, and how it is drawn.

    ``fields`` lists the kind-specific fields, beyond the ones every entity has
    (``id``, ``kind``, ``name``, ``aliases``, ``country``, ``topics``,
    ``identifiers``, ``isClass``, ``description``, ``sources``, ``tlp``).
    ``required`` lists the kind-specific fields a record must give.
    ``actor`` says whether entities of the kind can act in a chain.
    """

    name: str
    description: str
    style: Style
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    actor: bool = False
    stix_type: str | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Relation:
    """One relationship type: its direction, the kinds it may join, how chains cross it.

    ``sources`` and ``targets`` are kind names; ``ANY`` allows every kind
    except Source. ``taskings`` marks the relations that say a state or its
    people stand behind an actor (tasks, pays, directs...). ``context`` marks
    the relations that situate an entity rather than connect it to another
    actor (where it is based, who sanctions it): one sanctioning state or one
    country meets thousands of unrelated entities, so neighbourhoods, views and
    network analyses do not cross them unless asked to.
    """

    name: str
    description: str
    sources: frozenset[str]
    targets: frozenset[str]
    chain: Crossing = Crossing.NONE
    stage: Stage = Stage.OTHER
    tasking: bool = False
    context: bool = False
    stix: str | None = None
    ftm: str | None = None

    def allows(self, source_kind: str, target_kind: str) -> bool:
        """Whether a link of this type may run from ``source_kind`` to ``target_kind``."""
        return source_kind in self.sources and target_kind in self.targets


def _style(color: str, shape: str, group: str) -> Style:
    return Style(color=color, shape=shape, group=group)


_KINDS: tuple[EntityKind, ...] = (
    EntityKind(
        "State",
        "A sovereign state, as an actor (Russia, North Korea...).",
        _style("#b71c1c", "star", "State"),
        stix_type="location",
    ),
    EntityKind(
        "StateAgency",
        "An agency, ministry, service or unit of a state (FSB, RGB, MOIS, IRGC...).",
        _style("#e65100", "diamond", "State agency"),
        actor=True,
        stix_type="threat-actor",
    ),
    EntityKind(
        "Organisation",
        "An international or non-state organisation that is not a company "
        "(the EU, the UN, a broadcaster...).",
        _style("#546e7a", "square", "Organisation"),
        actor=True,
        stix_type="identity",
    ),
    EntityKind(
        "OrganisedCrimeGroup",
        "An organised crime group, gang or criminal network.",
        _style("#6a1b9a", "dot", "Organised crime"),
        fields=("crimeTypes",),
        actor=True,
        stix_type="threat-actor",
    ),
    EntityKind(
        "CybercrimeGroup",
        "A financially motivated cybercrime group (ransomware, banking malware, theft).",
        _style("#1565c0", "dot", "Cybercrime"),
        fields=("crimeTypes",),
        actor=True,
        stix_type="threat-actor",
    ),
    EntityKind(
        "HackingGroup",
        "An intrusion group whose status as state unit, contractor or criminal "
        "is not established (an APT as the sources name it).",
        _style("#00838f", "triangle", "Hacking group"),
        fields=("crimeTypes",),
        actor=True,
        stix_type="intrusion-set",
    ),
    EntityKind(
        "Person",
        "A natural person; ``roles`` says in what capacity the sources name them.",
        _style("#2e7d32", "dot", "Person"),
        fields=("roles", "crimeTypes"),
        actor=True,
        stix_type="threat-actor",
    ),
    EntityKind(
        "Company",
        "A company or other registered business.",
        _style("#8d6e63", "triangleDown", "Company"),
        fields=("crimeTypes",),
        actor=True,
        stix_type="identity",
    ),
    EntityKind(
        "Location",
        "A place: a city, a building, a district.",
        _style("#9e9d24", "square", "Location"),
        stix_type="location",
    ),
    EntityKind(
        "Incident",
        "A dated event: an attack, a theft, a plot, an arson.",
        _style("#ad1457", "hexagon", "Incident"),
        fields=("date", "crimeTypes"),
        stix_type="incident",
    ),
    EntityKind(
        "Source",
        "A public document that evidences links: a sanctions notice, a judgment, an advisory.",
        _style("#757575", "text", "Source"),
        fields=("publisher", "title", "date", "url", "sourceType"),
        required=("publisher", "title"),
        stix_type="report",
    ),
    EntityKind(
        "Malware",
        "Malicious software a group uses or writes (ransomware, a backdoor, a wiper).",
        _style("#37474f", "dot", "Malware"),
        stix_type="malware",
    ),
    EntityKind(
        "Tool",
        "Legitimate or dual-use software a group uses (Mimikatz, Cobalt Strike, PsExec).",
        _style("#78909c", "dot", "Tool"),
        stix_type="tool",
    ),
)

ENTITY_KINDS: dict[str, EntityKind] = {kind.name: kind for kind in _KINDS}
"""Every entity kind by name, in the order they are declared."""

SOURCE_KIND = "Source"

ANY: frozenset[str] = frozenset(name for name in ENTITY_KINDS if name != SOURCE_KIND)
SOFTWARE: frozenset[str] = frozenset({"Malware", "Tool"})
ACTORS: frozenset[str] = frozenset(k.name for k in _KINDS if k.actor)
GROUPS: frozenset[str] = frozenset({"OrganisedCrimeGroup", "CybercrimeGroup", "HackingGroup"})
STATE_SIDE: frozenset[str] = frozenset({"State", "StateAgency", "Person"})
INTERMEDIARIES: frozenset[str] = ACTORS | frozenset({"State", "Organisation"})
"""Who may task, pay or direct another actor: a state, its agencies and officials,
and the intermediaries between them and the actor that acts (a company, a group,
a private military organisation)."""
CONTROLLED: frozenset[str] = GROUPS | frozenset(
    {"Person", "Company", "StateAgency", "Organisation"}
)
TARGETABLE: frozenset[str] = frozenset(
    {"Person", "Company", "Location", "State", "StateAgency", "Organisation"}
)

_RELATIONS: tuple[Relation, ...] = (
    Relation(
        "TASKS",
        "Gives the actor a task: a specific operation it is asked to carry out.",
        INTERMEDIARIES,
        CONTROLLED,
        Crossing.FORWARD,
        Stage.CONTROL,
        tasking=True,
        stix="directs",
    ),
    Relation(
        "DIRECTS",
        "Directs or controls the actor's activity over time.",
        INTERMEDIARIES,
        CONTROLLED,
        Crossing.FORWARD,
        Stage.CONTROL,
        tasking=True,
        stix="directs",
    ),
    Relation(
        "PAYS",
        "Pays the actor, for a task or as a retainer.",
        INTERMEDIARIES,
        CONTROLLED,
        Crossing.FORWARD,
        Stage.CONTROL,
        tasking=True,
        stix="compensated-by",
    ),
    Relation(
        "USES_AS_PROXY",
        "Uses the actor as a proxy: deniable action on the state's behalf.",
        STATE_SIDE,
        CONTROLLED,
        Crossing.FORWARD,
        Stage.CONTROL,
        tasking=True,
        stix="directs",
    ),
    Relation(
        "SPONSORS",
        "Sponsors the actor: protection, resources or licence beyond a single task.",
        STATE_SIDE,
        CONTROLLED,
        Crossing.FORWARD,
        Stage.CONTROL,
        tasking=True,
        stix="sponsors",
    ),
    Relation(
        "TOLERATES",
        "Knowingly lets the actor operate from its territory. Tolerance is not "
        "tasking: it is listed with taskings but does not carry a proxy chain.",
        STATE_SIDE,
        CONTROLLED,
        Crossing.NONE,
        Stage.CONTROL,
        tasking=True,
    ),
    Relation(
        "PART_OF",
        "Is part of: an agency of its state, a unit of its agency.",
        frozenset({"StateAgency", "HackingGroup", "Organisation"}),
        frozenset({"State", "StateAgency", "Organisation"}),
        Crossing.BACKWARD,
        Stage.CONTROL,
        stix="part-of",
    ),
    Relation(
        "LEADS",
        "Leads the group or organisation.",
        frozenset({"Person"}),
        GROUPS | frozenset({"Company", "StateAgency", "Organisation"}),
        Crossing.FORWARD,
        Stage.MEMBERSHIP,
        stix="attributed-to",
        ftm="Membership",
    ),
    Relation(
        "MEMBER_OF",
        "Is a member, employee or officer of the group, agency or company.",
        frozenset({"Person"}),
        GROUPS | frozenset({"Company", "StateAgency", "Organisation"}),
        Crossing.BACKWARD,
        Stage.MEMBERSHIP,
        stix="attributed-to",
        ftm="Membership",
    ),
    Relation(
        "OWNS",
        "Owns, wholly or in part.",
        frozenset({"Person", "Company", "State", "StateAgency"}),
        frozenset({"Company"}),
        ftm="Ownership",
    ),
    Relation(
        "ENABLES",
        "Serves the person or group as an enabler: lawyer, accountant, "
        "company formation agent, fixer.",
        frozenset({"Person", "Company"}),
        frozenset({"Person", "Company"}) | GROUPS,
        ftm="Representation",
    ),
    Relation(
        "LINKED_TO",
        "Has a documented link of a kind the sources do not specify further.",
        ANY,
        ANY,
        ftm="UnknownLink",
    ),
    Relation(
        "LAUNDERS_FOR",
        "Launders money for the beneficiary.",
        frozenset({"Person", "Company"}) | GROUPS,
        frozenset({"Person", "Company", "State", "StateAgency"}) | GROUPS,
    ),
    Relation(
        "TARGETS",
        "Targets the person, company, place or state (surveillance, threats, attack).",
        ACTORS | frozenset({"Incident"}),
        TARGETABLE,
        Crossing.FORWARD,
        Stage.ACT,
        stix="targets",
    ),
    Relation(
        "PERPETRATED",
        "Carried out the incident.",
        ACTORS,
        frozenset({"Incident"}),
        Crossing.FORWARD,
        Stage.ACT,
    ),
    Relation(
        "ATTRIBUTED_TO",
        "The incident or group is attributed to the actor or state by the source.",
        frozenset({"Incident"}) | GROUPS,
        ACTORS | frozenset({"State"}),
        Crossing.BACKWARD,
        Stage.ACT,
        stix="attributed-to",
    ),
    Relation(
        "BASED_IN",
        "Is based in the state or place.",
        ANY,
        frozenset({"State", "Location"}),
        context=True,
        stix="located-at",
    ),
    Relation(
        "SANCTIONED_BY",
        "Is designated under sanctions by the state or organisation.",
        ANY,
        frozenset({"State", "Organisation"}),
        context=True,
        ftm="Sanction",
    ),
    Relation(
        "USES",
        "Uses the malware or tool (ATT&CK's group-uses-software, and a campaign's "
        "campaign-uses-software). Outside chains, and context: one common tool meets "
        "hundreds of groups.",
        ACTORS | frozenset({"Incident"}),
        SOFTWARE,
        context=True,
        stix="uses",
    ),
)

RELATIONS: dict[str, Relation] = {relation.name: relation for relation in _RELATIONS}
"""Every relation type by name, in the order they are declared."""

TASKING_TYPES: tuple[str, ...] = tuple(r.name for r in _RELATIONS if r.tasking)
FORWARD_TYPES: tuple[str, ...] = tuple(r.name for r in _RELATIONS if r.chain is Crossing.FORWARD)
BACKWARD_TYPES: tuple[str, ...] = tuple(r.name for r in _RELATIONS if r.chain is Crossing.BACKWARD)
CONTEXT_TYPES: tuple[str, ...] = tuple(r.name for r in _RELATIONS if r.context)
"""Relations that give context rather than connection; not crossed by default."""
ACT_TYPES: tuple[str, ...] = tuple(
    r.name for r in _RELATIONS if r.stage is Stage.ACT and r.chain is not Crossing.NONE
)

PERSON_ROLES: tuple[str, ...] = (
    "oligarch",
    "enabler",
    "criminal",
    "official",
    "officer",
    "hacker",
    "target",
    "journalist",
    "dissident",
    "politician",
)
"""The capacities in which a Person is named; a person may have several."""

SOURCE_TYPES: tuple[str, ...] = (
    "conviction",
    "sentencing",
    "indictment",
    "sanctions-notice",
    "official-attribution",
    "official-statement",
    "advisory",
    "speech",
    "parliamentary-report",
    "research",
    "press-report",
)
"""What kind of document a Source is; it bears on the grading of the links it evidences."""

CRIME_TYPES: tuple[str, ...] = (
    "cyber-theft",
    "ransomware",
    "cyber-intrusion",
    "cyber-espionage",
    "espionage",
    "drug-trafficking",
    "people-smuggling",
    "fraud",
    "money-laundering",
    "sanctions-evasion",
    "violence",
    "murder-for-hire",
    "arson",
    "sabotage",
    "surveillance",
    "intimidation",
    "kidnapping",
)
"""Crime types, for groups, persons and incidents, and the ``--crime`` filter of chains."""

IDENTIFIER_SCHEMES: dict[str, str] = {
    "statecrime": "statecrime's own id (kept here when a merge retires an id)",
    "stix": "a STIX 2.x object id (threat-actor--uuid, intrusion-set--uuid...)",
    "mitre-attack": "a MITRE ATT&CK id: groups G0032, software S0154, campaigns C0010",
    "misp-galaxy": "the uuid of a MISP galaxy cluster (threat-actor, intelligence-agencies)",
    "wikidata": "a Wikidata item id (Q...)",
    "opensanctions": "an OpenSanctions / FollowTheMoney entity id",
    "ofac-sdn": "the entry number of the US Treasury OFAC SDN list",
    "uk-sanctions": "the UK sanctions list unique id (RUS0001, CYB0001...)",
    "eu-fsd": "the EU financial sanctions file's logical id",
    "company-number": "a company registry number; the value names the registry "
    "('gb:01234567')",
    "lei": "a Legal Entity Identifier",
    "iso-3166": "an ISO 3166-1 alpha-2 country code (for states)",
}
"""The identifier schemes entities carry under ``identifiers``, declared once.

Entity resolution merges on these first; the curated dataset, the STIX, FtM and
MISP readers and the exports all name schemes from this table. A scheme may
hold several values for one entity.
"""

TLP_LEVELS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
"""Traffic Light Protocol markings, least restricted first (TLP 2.0; WHITE reads as CLEAR)."""

ALL_KIND_FIELDS: frozenset[str] = frozenset(f for k in _KINDS for f in k.fields)


def tlp_level(marking: object) -> str:
    """A TLP marking in our words: ``tlp:amber`` is AMBER, TLP 1.0's WHITE is CLEAR.

    Raises ValueError naming the levels when the marking is none of them.

    >>> tlp_level("tlp:white")
    'CLEAR'
    """
    norm = str(marking).strip().upper().removeprefix("TLP:")
    if norm == "WHITE":
        norm = "CLEAR"
    if norm not in TLP_LEVELS:
        raise ValueError(
            f"unknown TLP marking {marking!r}; expected one of: {', '.join(TLP_LEVELS)}"
        )
    return norm


def tlp_rank(level: str) -> int:
    """The position of a TLP marking, 0 for CLEAR.

    >>> tlp_rank("AMBER") > tlp_rank("GREEN")
    True
    """
    return TLP_LEVELS.index(tlp_level(level))


_MERGE_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"StateAgency", "CybercrimeGroup", "OrganisedCrimeGroup", "HackingGroup"}),
    frozenset({"Company", "Organisation"}),
)
"""Kinds that one real actor may arrive as, from different sources: an ATT&CK intrusion
set (HackingGroup) is the same actor as a curated CybercrimeGroup or StateAgency.
Every kind may also merge with itself; no other pair ever merges (a Person is never
a group, a Malware never a Tool, a Source never merges)."""

MERGEABLE: dict[str, frozenset[str]] = {
    kind: frozenset({kind}).union(*(f for f in _MERGE_FAMILIES if kind in f))
    for kind in ENTITY_KINDS
    if kind != SOURCE_KIND
}
"""For each kind, the kinds an entity of it may be merged with by entity resolution."""

MERGE_PRECEDENCE: tuple[str, ...] = (
    "StateAgency",
    "CybercrimeGroup",
    "OrganisedCrimeGroup",
    "HackingGroup",
    "Company",
    "Organisation",
)
"""When two merged records differ in kind, the kind listed first wins: what a source
establishes (a state unit, a cybercrime group) over ATT&CK's neutral intrusion set."""

NAME_MATCH_KINDS: frozenset[str] = frozenset(MERGEABLE) - {"Person", "Incident", "Location"}
"""Kinds that may merge on a matching name or alias; the others merge only on an
identifier (two people, two incidents, two streets may share a name)."""
