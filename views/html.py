"""One self-contained HTML page that shows a statecrime graph with vis-network.

Analysts open the view on machines that may have no network (a case file, an
air-gapped desk), so the page loads nothing from outside: vis-network's script
and stylesheet come from the copy that pyvis ships in its package and are
inlined, and pyvis's own template is not used because it links Bootstrap (and
tom-select) from a CDN even with ``cdn_resources="in_line"``. pyvis assembles
the node and edge records; :mod:`views/assets` holds our template, script and
stylesheet.

Every colour, shape and legend entry is derived from
:mod:`statecrime.graph.domain`. Data from the graph never reaches the page as
markup: it travels as JSON (with ``<``, ``>`` and ``&`` escaped, so a name such
as ``</script>`` cannot close the script element) and the page script builds
tooltips with ``textContent``, so a hostile name shows as text and runs nothing.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from markupsafe import Markup

from statecrime.graph import domain
from statecrime.graph.grading import CREDIBILITY, RELIABILITY, Grading, GradingError

if TYPE_CHECKING:
    import networkx as nx
    from pyvis.network import Network

SizeBy = Literal["degree", "betweenness"]

VIS_VERSION = "vis-9.1.2"
"""The vis-network build inside pyvis's package that the page inlines."""

HIGHLIGHT_COLOR = "#ff9100"
"""Chain edges and node borders; an amber that no entity kind uses."""

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
"""Above this many nodes the page trades layout finesse for speed (see :func:`vis_options`)."""


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
    """Node weights for vis ``value``: the number of links, or betweenness as a broker.

    Betweenness is computed on the undirected simple graph: an intermediary
    between a state and its proxy brokers the chain whichever way the arrows
    of PART_OF or ATTRIBUTED_TO point. Above 500 nodes it is estimated from a
    seeded sample of 256 pivots so that the view is written in seconds.
    """
    import networkx as nx
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


def _entity_info(attrs: dict[str, Any]) -> dict[str, Any]:
    """What a node's tooltip shows, as plain data (the page turns it into text nodes)."""
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
        "date": attrs.get("date"),
        "description": attrs.get("description"),
        "identifiers": {str(k): str(v) for k, v in dict(identifiers).items()},
        "isClass": bool(attrs.get("isClass")),
        "sources": [_source_info(s) for s in attrs.get("sources") or [] if isinstance(s, dict)],
    }


def _source_info(source: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "publisher", "title", "date", "url", "sourceType", "tlp")
    return {key: (None if source.get(key) is None else str(source.get(key))) for key in keys}


def _person_role(attrs: dict[str, Any], colors: dict[str, str]) -> str | None:
    """The role that colours a person's border: the first of theirs in the domain's order."""
    roles = set(_clean_list(attrs.get("roles")))
    return next((role for role in colors if role in roles), None)


def _chain_parts(
    graph: nx.MultiDiGraph, highlight: list[list[str]] | None
) -> tuple[set[Any], set[frozenset[Any]]]:
    """The nodes of the highlighted chains and their consecutive pairs (either direction).

    A chain may cross a relation against its arrow (a state reaches its agency
    through the agency's PART_OF), so a pair matches edges both ways.
    """
    nodes: set[Any] = set()
    pairs: set[frozenset[Any]] = set()
    for chain in highlight or []:
        missing = [node for node in chain if node not in graph]
        if missing:
            raise ValueError(f"highlighted chain names entities not in the graph: {missing}")
        nodes.update(chain)
        pairs.update(frozenset(pair) for pair in itertools.pairwise(chain))
    return nodes, pairs


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


def build_network(
    graph: nx.MultiDiGraph,
    *,
    title: str = "statecrime",
    highlight: list[list[str]] | None = None,
    size_by: SizeBy = "degree",
) -> Network:
    """A pyvis Network holding the styled nodes and edges, with ``info`` for tooltips."""
    from pyvis.network import Network
    colors = role_colors()
    sizes = node_sizes(graph, size_by)
    chain_nodes, chain_pairs = _chain_parts(graph, highlight)
    dim = bool(chain_nodes)
    net = Network(directed=True, cdn_resources="in_line", heading=title)
    for node, attrs in graph.nodes(data=True):
        style = kind_style(attrs.get("kind"))
        role = _person_role(attrs, colors) if attrs.get("kind") == "Person" else None
        border = colors[role] if role else style.color
        in_chain = node in chain_nodes
        font_color = "#ffffff" if style.shape in LABEL_INSIDE_SHAPES else "#263238"
        net.add_node(
            str(node),
            label=str(attrs.get("name") or node),
            shape=style.shape,
            color={
                "background": style.color,
                "border": HIGHLIGHT_COLOR if in_chain else border,
                "highlight": {"background": style.color, "border": "#000000"},
                "hover": {"background": style.color, "border": "#000000"},
            },
            borderWidth=6 if in_chain else (4 if role else 1.5),
            value=sizes.get(node, 0.0),
            opacity=0.25 if dim and not in_chain else 1.0,
            font={"color": font_color, "bold": {"color": font_color}},
            kind=str(attrs.get("kind") or ""),
            role=role,
            chain=in_chain,
            info=_entity_info(attrs),
        )
    pair_counts: Counter[frozenset[Any]] = Counter()
    for index, (u, v, key, attrs) in enumerate(graph.edges(keys=True, data=True)):
        rel_type = str(attrs.get("type") or key)
        grading = parse_grading(attrs.get("grading"))
        pair = frozenset((u, v))
        nth = pair_counts[pair]
        pair_counts[pair] += 1
        in_chain = pair in chain_pairs
        color = HIGHLIGHT_COLOR if in_chain else relation_color(rel_type)
        edge: dict[str, Any] = {
            "id": f"e{index}",
            "label": rel_type,
            "relType": rel_type,
            "grading": str(grading) if grading else None,
            "dashes": is_doubtful(attrs.get("grading")),
            "width": 5 if in_chain else (2.0 if grading and grading.confirmed else 1.2),
            "color": {
                "color": color,
                "highlight": "#000000",
                "hover": "#000000",
                "opacity": 0.15 if dim and not in_chain else 1.0,
            },
            "chain": in_chain,
            "info": {
                "from": str(graph.nodes[u].get("name") or u),
                "to": str(graph.nodes[v].get("name") or v),
                "type": rel_type,
                "description": getattr(domain.RELATIONS.get(rel_type), "description", None),
                "grading": str(grading) if grading else attrs.get("grading"),
                "gradingText": grading.describe() if grading else "not graded",
                "since": attrs.get("since"),
                "until": attrs.get("until"),
                "note": attrs.get("note"),
                "tlp": attrs.get("tlp"),
                "sources": [_source_info(s) for s in attrs.get("sources") or []],
            },
        }
        if nth:
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.18 * nth}
        net.add_edge(str(u), str(v), **edge)
    net.options = vis_options(graph.number_of_nodes(), graph.number_of_edges())
    return net


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

    Only for vis-network's files from pyvis's package, our own assets and the
    output of :func:`script_json`, which escapes every ``<``, ``>`` and ``&``
    in the data: nothing from the graph reaches the page unescaped.
    """
    return Markup(text)  # noqa: S704 - trusted assets and escaped JSON only, see docstring


def render_page(net: Network, graph: nx.MultiDiGraph, title: str, chains: int) -> str:
    """The whole HTML document: our template with vis-network, our script and the data inlined."""
    import jinja2

    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    data = {
        "title": title,
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "legend": legend(graph),
        "chains": chains,
    }
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_asset("template.html"))
    return template.render(
        title=title,
        node_count=graph.number_of_nodes(),
        edge_count=graph.number_of_edges(),
        chains=chains,
        vis_css=_trusted(_vis_asset("vis-network.css")),
        vis_js=_trusted(_vis_asset("vis-network.min.js")),
        view_css=_trusted(_asset("view.css")),
        view_js=_trusted(_asset("view.js")),
        data_json=_trusted(script_json(data)),
    )


def render_html(
    graph: nx.MultiDiGraph,
    output: Path,
    *,
    title: str = "statecrime",
    highlight: list[list[str]] | None = None,
    size_by: SizeBy = "degree",
) -> Path:
    """Write the graph as one self-contained HTML file and return its path.

    ``highlight`` lists proxy chains as node ids in order; their nodes and the
    edges between consecutive ids are emphasised and the rest dimmed.
    ``size_by`` sizes nodes by their number of links or by betweenness.
    """
    output = Path(output)
    net = build_network(graph, title=title, highlight=highlight, size_by=size_by)
    html = render_page(net, graph, title, len(highlight or []))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    return output
