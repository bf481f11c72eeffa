"""One self-contained HTML page that shows a statecrime graph, drawn on canvas or with WebGL.

Analysts open the view on machines that may have no network (a case file, an
air-gapped desk), so the page loads nothing from outside. Two renderers share
one page script (``assets/view.js``: chain list, filters, date slider, search,
details, saved layouts, exports) and one test surface, ``window.statecrime``:

- ``canvas``: vis-network, read from the copy pyvis ships in its package, with
  its physics laying the graph out in the browser (small graphs);
- ``webgl``: sigma.js and graphology, read from ipysigma's package (see
  :mod:`statecrime.views.webgl`), with the layout computed here ahead of time
  (:mod:`statecrime.views.layout`), for graphs of tens of thousands of nodes.

Every colour, shape and legend entry is derived from
:mod:`statecrime.graph.domain`. Data from the graph never reaches the page as
markup: it travels as JSON (with ``<``, ``>`` and ``&`` escaped, so a name such
as ``</script>`` cannot close the script element) and the page script builds
every panel with ``textContent``, so a hostile name shows as text and runs nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jinja2
import networkx as nx
from markupsafe import Markup

from statecrime.graph import domain
from statecrime.graph.dates import DateError, PartialDate
from statecrime.graph.grading import CREDIBILITY, RELIABILITY, Grading, GradingError, worst
from statecrime.views import layout, webgl
from statecrime.views.files import write_text

if TYPE_CHECKING:
    pass

SizeBy = Literal["degree", "betweenness"]
Renderer = Literal["auto", "canvas", "webgl"]
RENDERERS: tuple[str, ...] = ("auto", "canvas", "webgl")

VIS_VERSION = "vis-9.1.2"
"""The vis-network build inside pyvis's package that the page inlines."""

HIGHLIGHT_COLOR = "#ff9100"
"""The halo round a focused chain's nodes; an amber that no entity kind uses."""

UNKNOWN_STYLE = domain.Style(color="#9e9e9e", shape="dot", group="Other")
"""How to draw a node whose kind is not in the domain (a newer store, a hand-made graph)."""

ROLE_PALETTE: tuple[str, ...] = (
    "#fdd835",
    "#00b8d4",
    "#212121",
    "#2962ff",
    "#6d4c41",
    "#aa00ff",
    "#ff1744",
    "#00c853",
    "#ff6d00",
    "#f06292",
)
"""Border colours for person roles, assigned in the order of ``domain.PERSON_ROLES``."""

STAGE_COLORS: dict[domain.Stage, str] = {
    domain.Stage.CONTROL: "#ef6c00",
    domain.Stage.MEMBERSHIP: "#5e35b1",
    domain.Stage.ACT: "#ad1457",
    domain.Stage.OTHER: "#78909c",
}
"""Edge colour by the relation's place in a proxy chain; taskings get TASKING_COLOR."""

TASKING_COLOR = "#c62828"

LABEL_INSIDE_SHAPES = frozenset({"box", "ellipse", "circle", "database"})
"""vis-network shapes that draw the label inside the fill: their text must be light."""

LARGE_GRAPH = 150
"""Above this many nodes the canvas layout trades finesse for speed (see :func:`vis_options`)."""

WEBGL_NODES = 2_500
WEBGL_LINKS = 7_500
"""With ``renderer="auto"``, WebGL from this many nodes or links on: vis-network's
canvas and physics slow down past a few thousand (see benchmarks/README.md)."""

PAGE_NODES = 200_000
PAGE_LINKS = 600_000
"""What one page can hold: past this the JSON alone is hundreds of megabytes."""


class ViewTooLarge(ValueError):
    """The graph is more than one page can hold; the message says how to cut it down."""


def role_colors() -> dict[str, str]:
    """The border colour of each person role, derived from the domain's list of roles."""
    return {role: ROLE_PALETTE[i % len(ROLE_PALETTE)] for i, role in enumerate(domain.PERSON_ROLES)}


def relation_color(rel_type: str) -> str:
    """An edge colour that says what the relation does: taskings red, then by chain stage."""
    relation = domain.RELATIONS.get(rel_type)
    if relation is None:
        return STAGE_COLORS[domain.Stage.OTHER]
    if relation.tasking:
        return TASKING_COLOR
    return STAGE_COLORS[relation.stage]


def kind_style(kind: str | None) -> domain.Style:
    """The domain's style for a kind, or a neutral one for an unknown kind."""
    entity_kind = domain.ENTITY_KINDS.get(kind or "")
    return entity_kind.style if entity_kind else UNKNOWN_STYLE


def parse_grading(code: object) -> Grading | None:
    """The Admiralty grading of an edge, or None when it is missing or malformed."""
    if not code:
        return None
    try:
        return Grading.parse(str(code))
    except GradingError:
        return None


def is_doubtful(code: object) -> bool:
    """Whether a link is drawn dashed: worse than B in reliability or 2 in credibility."""
    grading = parse_grading(code)
    return grading is None or not grading.confirmed


def node_sizes(graph: nx.MultiDiGraph, size_by: SizeBy) -> dict[Any, float]:
    """Node weights: the number of links, or betweenness as a broker.

    Betweenness is computed on the undirected simple graph: an intermediary
    between a state and its proxy brokers the chain whichever way the arrows
    of PART_OF or ATTRIBUTED_TO point. Above 500 nodes it is estimated from a
    seeded sample of 256 pivots so that the view is written in seconds.
    """
    if size_by == "degree":
        return {node: float(degree) for node, degree in graph.degree()}
    if size_by != "betweenness":
        raise ValueError(f"size_by must be 'degree' or 'betweenness', not {size_by!r}")
    simple = nx.Graph(graph.to_undirected(as_view=True))
    k = 256 if simple.number_of_nodes() > 500 else None
    scores = nx.betweenness_centrality(simple, k=k, seed=0 if k else None)
    return {node: float(score) for node, score in scores.items()}


def _clean_list(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]  # type: ignore[union-attr]


class _Sources:
    """Each distinct source record once, in a table the page's cards index into.

    A source cited by ten thousand links would otherwise be written ten thousand times.
    """

    KEYS = ("id", "publisher", "title", "date", "url", "sourceType", "tlp")

    def __init__(self) -> None:
        self.table: list[dict[str, str | None]] = []
        self._index: dict[tuple[str | None, ...], int] = {}

    def refs(self, sources: object) -> list[int]:
        refs = []
        for source in sources or []:  # type: ignore[attr-defined]
            if not isinstance(source, dict):
                continue
            record = {k: None if source.get(k) is None else str(source.get(k)) for k in self.KEYS}
            key = tuple(record.values())
            if key not in self._index:
                self._index[key] = len(self.table)
                self.table.append(record)
            refs.append(self._index[key])
        return refs


class _Links:
    """The links as columns, one list per field, the page's ``e{N}`` being the N-th entry.

    150,000 links written as JSON objects were 15 MB to parse and 150,000 objects to
    collect; as columns of small integers (ends as node indices, the relation type and
    grading as indices into short tables) they are a few megabytes. Fields that most
    links lack (dates, notes, TLP, a malformed grading) go in ``extra``, by link number.
    """

    def __init__(self, index: Mapping[Any, int]) -> None:
        self._index = index
        self.source: list[int] = []
        self.target: list[int] = []
        self.type: list[int] = []
        self.grading: list[int] = []
        self.evidence: list[int | list[int] | None] = []
        self.extra: dict[str, dict[str, Any]] = {}
        self.types: dict[str, int] = {}
        self.gradings: dict[str, int] = {}
        self.days: set[str] = set()

    def add(
        self, u: Any, v: Any, rel_type: str, attrs: Mapping[str, Any], sources: _Sources
    ) -> None:
        number = len(self.source)
        self.source.append(self._index[u])
        self.target.append(self._index[v])
        self.type.append(self.types.setdefault(rel_type, len(self.types)))
        grading = parse_grading(attrs.get("grading"))
        code = self.gradings.setdefault(str(grading), len(self.gradings)) if grading else -1
        self.grading.append(code)
        refs = sources.refs(attrs.get("sources"))
        self.evidence.append(None if not refs else refs[0] if len(refs) == 1 else refs)
        first, last = _day_span(attrs.get("since"), attrs.get("until"))
        self.days.update(d for d in (first, last) if d)
        optional = {
            "rawGrading": None if grading or not attrs.get("grading") else str(attrs["grading"]),
            "first": first,
            "last": last,
            "since": None if attrs.get("since") is None else str(attrs.get("since")),
            "until": None if attrs.get("until") is None else str(attrs.get("until")),
            "note": attrs.get("note"),
            "tlp": attrs.get("tlp"),
        }
        extra = {k: value for k, value in optional.items() if value is not None}
        if extra:
            self.extra[str(number)] = extra

    def columns(self) -> dict[str, Any]:
        gradings = list(self.gradings)
        return {
            "from": self.source,
            "to": self.target,
            "type": self.type,
            "types": list(self.types),
            "grading": self.grading,
            "gradings": gradings,
            "confirmed": [Grading.parse(g).confirmed for g in gradings],
            "sources": self.evidence,
            "extra": self.extra,
        }


def _entity_info(attrs: dict[str, Any], sources: _Sources) -> dict[str, Any]:
    """What a node's card shows, as plain data (the page turns it into text nodes).

    Edges carry no such record: the page builds theirs from the edge's own
    fields, the relation's description in the legend and the grading's words,
    so that 150,000 links do not repeat them.
    """
    kind = attrs.get("kind")
    identifiers = attrs.get("identifiers") or {}
    return {
        "name": str(attrs.get("name") or attrs.get("id") or ""),
        "kind": str(kind or ""),
        "kindLabel": kind_style(kind).group,
        "aliases": _clean_list(attrs.get("aliases")),
        "country": attrs.get("country"),
        "topics": _clean_list(attrs.get("topics")),
        "roles": _clean_list(attrs.get("roles")),
        "crimeTypes": _clean_list(attrs.get("crimeTypes")),
        "date": None if attrs.get("date") is None else str(attrs.get("date")),
        "description": attrs.get("description"),
        "identifiers": {str(k): str(v) for k, v in dict(identifiers).items()},
        "isClass": bool(attrs.get("isClass")),
        "sources": sources.refs(attrs.get("sources")),
    }


def _person_role(attrs: dict[str, Any], colors: dict[str, str]) -> str | None:
    """The role that colours a person's border: the first of theirs in the domain's order."""
    roles = set(_clean_list(attrs.get("roles")))
    return next((role for role in colors if role in roles), None)


def _day_span(since: object, until: object) -> tuple[str | None, str | None]:
    """The days a link may have been in force: since's first day, until's last (generous)."""
    first = last = None
    try:
        if since not in (None, ""):
            first = PartialDate.parse(since).first
    except DateError:
        first = None
    try:
        if until not in (None, ""):
            last = PartialDate.parse(until).last
    except DateError:
        last = None
    return first, last


def in_force(attrs: Mapping[str, Any], day: str) -> bool:
    """Whether a link is in force on ``day`` (YYYY-MM-DD), read as the chain filters read it.

    Undated links are always in force; a partial date counts for the whole span
    it covers (``sinceFirst``/``untilLast``), so a vague date never hides a link.
    """
    first, last = _day_span(attrs.get("since"), attrs.get("until"))
    return (first is None or first <= day) and (last is None or last >= day)


def _chain_specs(graph: nx.MultiDiGraph, highlight: Sequence[Any] | None) -> list[dict[str, Any]]:
    """Each chain as the page lists it: its node ids, its exact links, grading, hops, names.

    A chain is either a :class:`~statecrime.queries.evidence.Route` (a found
    chain, whose hops name each link exactly) or a list of node ids, in which
    case every link between consecutive ids (either direction: a chain may
    cross PART_OF against its arrow) belongs to it.
    """
    specs = []
    for chain in highlight or []:
        hops = getattr(chain, "hops", None)
        ids = list(chain.ids) if hops is not None else [str(n) for n in chain]
        missing = [node for node in ids if node not in graph]
        if missing:
            raise ValueError(f"highlighted chain names entities not in the graph: {missing}")
        if hops is not None:
            links = [(h.source, h.target, h.type) for h in hops]
            grading = str(chain.grading)
        else:
            links = []
            for a, b in itertools.pairwise(ids):
                links += [(a, b, k) for k in graph.get_edge_data(a, b, default={})]
                links += [(b, a, k) for k in graph.get_edge_data(b, a, default={})]
            gradings = [parse_grading(graph.edges[u, v, k].get("grading")) for u, v, k in links]
            known = [g for g in gradings if g is not None]
            grading = str(worst(known)) if known else ""
        missing_links = [link for link in links if not graph.has_edge(*link)]
        if missing_links:
            raise ValueError(f"highlighted chain crosses links not in the graph: {missing_links}")
        specs.append(
            {
                "ids": ids,
                "links": links,
                "names": [str(graph.nodes[n].get("name") or n) for n in ids],
                "kinds": [str(graph.nodes[n].get("kind") or "") for n in ids],
                "grading": grading,
                "hops": len(ids) - 1,
            }
        )
    return specs


def graph_id(graph: nx.MultiDiGraph) -> str:
    """A short id for the graph's set of entities: the key of its saved layout in the browser.

    Local files all share one origin, so layouts are stored under the graph, not the file.
    """
    digest = hashlib.sha256("\n".join(sorted(map(str, graph.nodes))).encode("utf-8"))
    return digest.hexdigest()[:16]


def choose_renderer(renderer: Renderer, nodes: int, links: int) -> str:
    """canvas or webgl: what ``renderer`` asks for, or by size when it says ``auto``."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, not {renderer!r}")
    if nodes > PAGE_NODES or links > PAGE_LINKS:
        raise ViewTooLarge(
            f"{nodes:,} entities and {links:,} links are more than one page can hold "
            f"(at most {PAGE_NODES:,} and {PAGE_LINKS:,}): draw a part of the graph with "
            "--around ID, --chains or --cypher QUERY"
        )
    if renderer != "auto":
        return renderer
    return "webgl" if nodes >= WEBGL_NODES or links >= WEBGL_LINKS else "canvas"


def page_data(
    graph: nx.MultiDiGraph,
    *,
    title: str = "statecrime",
    highlight: Sequence[Any] | None = None,
    size_by: SizeBy = "degree",
    renderer: Renderer = "auto",
    positions: Mapping[str, Sequence[float]] | None = None,
    cut: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Everything the page script needs, as plain data, the same for both renderers.

    ``cut`` maps a hub to the neighbours held back behind its "+N more"
    (they are in the page, hidden until the analyst expands the hub).
    ``positions`` (node id to ``[x, y]``) places nodes; with the WebGL renderer
    the nodes it does not place are laid out here, ahead of time.
    """
    chosen = choose_renderer(renderer, graph.number_of_nodes(), graph.number_of_edges())
    colors = role_colors()
    sizes = node_sizes(graph, size_by)
    sources = _Sources()
    chains = _chain_specs(graph, highlight)
    placed = {str(k): [float(v[0]), float(v[1])] for k, v in (positions or {}).items()}
    if chosen == "webgl":
        missing = [n for n in graph.nodes if str(n) not in placed]
        if missing:
            placed |= layout.ahead_of_time(graph, fixed=placed)
    held_back = {str(n): str(hub) for hub, ids in (cut or {}).items() for n in ids}
    nodes = []
    index: dict[Any, int] = {}
    for node, attrs in graph.nodes(data=True):
        index[node] = len(nodes)
        role = _person_role(attrs, colors) if attrs.get("kind") == "Person" else None
        label = str(attrs.get("name") or node)
        info = {
            k: v
            for k, v in _entity_info(attrs, sources).items()
            if v and k not in ("kind", "kindLabel") and not (k == "name" and v == label)
        }
        value = sizes.get(node, 0.0)
        record: dict[str, Any] = {
            "id": str(node),
            "label": label,
            "kind": str(attrs.get("kind") or ""),
            "value": int(value) if float(value).is_integer() else value,
        }
        # shape, colour, border and the card's kind come from the legend, by kind, in the page
        if role:
            record["role"] = role
        if info:
            record["info"] = info
        if str(node) in placed:
            record["x"], record["y"] = (round(c, 1) for c in placed[str(node)])
        if str(node) in held_back:
            record["heldBy"] = held_back[str(node)]
        nodes.append(record)
    links = _Links(index)
    edge_ids: dict[tuple[Any, Any, Any], str] = {}
    for number, (u, v, key, attrs) in enumerate(graph.edges(keys=True, data=True)):
        edge_ids[(u, v, key)] = f"e{number}"
        links.add(u, v, str(attrs.get("type") or key), attrs, sources)
    for chain in chains:
        chain["edges"] = [edge_ids[link] for link in chain.pop("links")]
    days = sorted(links.days)
    return {
        "title": title,
        "graphId": graph_id(graph),
        "renderer": chosen,
        "nodes": nodes,
        "links": links.columns(),
        "sources": sources.table,
        "chains": chains,
        "more": {str(hub): len(ids) for hub, ids in (cut or {}).items() if ids},
        "dates": {"min": days[0], "max": days[-1]} if days else None,
        "positioned": bool(placed) and all("x" in n for n in nodes),
        "layoutFrom": "file" if positions else ("python" if placed else None),
        "options": vis_options(graph.number_of_nodes(), graph.number_of_edges()),
        "legend": legend(graph),
    }


def vis_options(node_count: int, edge_count: int) -> dict[str, Any]:
    """vis-network options tuned to the graph's size.

    Small graphs get vis's improved layout and curved edges; from LARGE_GRAPH
    nodes on, the layout uses forceAtlas2Based with a capped number of
    stabilisation iterations, straight edges and hidden edges while dragging,
    so that 2,000 nodes and 5,000 links settle in seconds. Physics is switched
    off by the page once stabilisation is done, so the picture stops moving.
    """
    large = node_count > LARGE_GRAPH
    if large:
        iterations = 200 if node_count > 1000 else 300
        physics: dict[str, Any] = {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "theta": 1.2,
                "gravitationalConstant": -60,
                "centralGravity": 0.008,
                "springLength": 90,
                "springConstant": 0.06,
                "damping": 0.6,
                "avoidOverlap": 0,
            },
            "minVelocity": 2,
            "timestep": 0.6,
        }
    else:
        iterations = 1000
        physics = {
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -9000,
                "centralGravity": 0.25,
                "springLength": 170,
                "springConstant": 0.04,
                "damping": 0.3,
                "avoidOverlap": 0.2,
            },
            "minVelocity": 0.75,
        }
    physics |= {
        "enabled": True,
        "stabilization": {
            "enabled": True,
            "iterations": iterations,
            "updateInterval": 25,
            "fit": True,
        },
    }
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": not large},
        "physics": physics,
        "nodes": {
            "scaling": {
                "min": 10,
                "max": 42,
                "label": {"enabled": True, "min": 12, "max": 26, "drawThreshold": 7},
            },
            "font": {"face": "system-ui, sans-serif", "size": 14},
            "borderWidth": 1.5,
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "font": {"size": 10, "align": "middle", "color": "#37474f", "strokeWidth": 3},
            "smooth": False if large else {"enabled": True, "type": "continuous"},
            "selectionWidth": 2,
            "hoverWidth": 1,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": edge_count > 2000,
            "multiselect": True,
        },
    }


def legend(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The legend and filter vocabulary, in the domain's order, limited to what the graph holds."""
    kind_counts = Counter(attrs.get("kind") for _, attrs in graph.nodes(data=True))
    type_counts = Counter(
        str(attrs.get("type") or key) for _, _, key, attrs in graph.edges(keys=True, data=True)
    )
    kinds = [
        {
            "name": name,
            "label": k.style.group,
            "color": k.style.color,
            "shape": k.style.shape,
            "count": kind_counts[name],
        }
        for name, k in domain.ENTITY_KINDS.items()
        if kind_counts[name]
    ]
    unknown = sum(n for kind, n in kind_counts.items() if kind not in domain.ENTITY_KINDS)
    if unknown:
        kinds.append(
            {
                "name": "",
                "label": UNKNOWN_STYLE.group,
                "color": UNKNOWN_STYLE.color,
                "shape": UNKNOWN_STYLE.shape,
                "count": unknown,
            }
        )
    ordered_types = [t for t in domain.RELATIONS if type_counts[t]] + sorted(
        t for t in type_counts if t not in domain.RELATIONS
    )
    relations = [
        {
            "name": t,
            "color": relation_color(t),
            "count": type_counts[t],
            "description": getattr(domain.RELATIONS.get(t), "description", ""),
            "context": bool(getattr(domain.RELATIONS.get(t), "context", False)),
        }
        for t in ordered_types
    ]
    people = [attrs for _, attrs in graph.nodes(data=True) if attrs.get("kind") == "Person"]
    colors = role_colors()
    used_roles = {r for attrs in people for r in _clean_list(attrs.get("roles"))}
    roles = [{"name": r, "color": c} for r, c in colors.items() if r in used_roles]
    return {
        "kinds": kinds,
        "relations": relations,
        "roles": roles,
        "highlightColor": HIGHLIGHT_COLOR,
        "reliability": RELIABILITY,
        "credibility": CREDIBILITY,
    }


def script_json(data: object) -> str:
    """JSON safe to place inside a ``<script>`` element: no ``<``, ``>``, ``&`` survive raw."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _asset(name: str) -> str:
    text = (resources.files("statecrime.views") / "assets" / name).read_text(encoding="utf-8")
    return text


def _vis_asset(name: str) -> str:
    text = (resources.files("pyvis") / "lib" / VIS_VERSION / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise RuntimeError(f"pyvis's {name} cannot be inlined: it contains a closing tag")
    return text


def _trusted(text: str) -> Markup:
    """Mark text for the template as not to be escaped.

    Only for the renderers' files from pyvis's and ipysigma's packages, our own
    assets and the output of :func:`script_json`, which escapes every ``<``,
    ``>`` and ``&`` in the data: nothing from the graph reaches the page unescaped.
    """
    return Markup(text)  # noqa: S704 - trusted assets and escaped JSON only, see docstring


def render_page(data: dict[str, Any]) -> str:
    """The whole HTML document: our template with the renderer, our script and the data inlined."""
    if data["renderer"] == "webgl":
        renderer_css = ""
        renderer_js = webgl.chunks() + "\n;\n" + _asset("webgl-loader.js")
        adapter_js = _asset("render-webgl.js")
    else:
        renderer_css = _vis_asset("vis-network.css")
        renderer_js = _vis_asset("vis-network.min.js")
        adapter_js = _asset("render-canvas.js")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_asset("template.html"))
    chains = len(data["chains"])
    return template.render(
        title=data["title"],
        renderer=data["renderer"],
        node_count=len(data["nodes"]),
        edge_count=len(data["links"]["from"]),
        chains=chains,
        renderer_css=_trusted(renderer_css),
        renderer_js=_trusted(renderer_js),
        adapter_js=_trusted(adapter_js),
        view_css=_trusted(_asset("view.css")),
        view_js=_trusted(_asset("view.js")),
        data_json=_trusted(script_json(data)),
    )


def html_page(graph: nx.MultiDiGraph, **options: Any) -> str:
    """The view of ``graph`` as an HTML string (see :func:`page_data` for the options)."""
    return render_page(page_data(graph, **options))


def render_html(
    graph: nx.MultiDiGraph,
    output: Path,
    *,
    title: str = "statecrime",
    highlight: Sequence[Any] | None = None,
    size_by: SizeBy = "degree",
    renderer: Renderer = "auto",
    positions: Mapping[str, Sequence[float]] | None = None,
    cut: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write the graph as one self-contained HTML file and return its path.

    ``highlight`` lists proxy chains (found :class:`~statecrime.queries.chains.Chain`
    records, or node ids in order); the page lists them and focuses one at a
    time. ``size_by`` sizes nodes by their number of links or by betweenness;
    ``renderer`` picks canvas or WebGL (``auto``: by size); ``positions`` places
    nodes (a layout saved from the page); ``cut`` holds hubs' extra neighbours
    behind a "+N more".
    """
    output = Path(output)
    html = html_page(
        graph,
        title=title,
        highlight=highlight,
        size_by=size_by,
        renderer=renderer,
        positions=positions,
        cut=cut,
    )
    return write_page(output, html, graph)


def write_page(output: Path, html: str, graph: nx.MultiDiGraph) -> Path:
    """Write a page (every view is written here: render_html and View.save), whole, and
    private (0600) when the graph holds anything above TLP:GREEN (:mod:`views.files`)."""
    return write_text(Path(output), html, graph)


def read_positions(path: Path) -> dict[str, list[float]]:
    """A layout saved from the page (``{"positions": {id: [x, y]}}``), checked.

    Raises ValueError naming the file and the entry that is wrong.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a layout file: {exc}") from None
    table = raw.get("positions") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: no 'positions' object (save one with the page's Layout button)")
    result: dict[str, list[float]] = {}
    for key, value in table.items():
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        )
        if not ok:
            raise ValueError(f"{path}: position of {key!r} must be [x, y] numbers, not {value!r}")
        result[str(key)] = [float(value[0]), float(value[1])]
    return result
