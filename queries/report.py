"""A state's brief in Markdown: its proxy chains and taskings, with numbered citations.

The brief is for reading, and for pasting into a report: every claim (a hop of
a chain, a tasking link) ends with bracketed numbers that refer to the list of
sources at the end, numbered in the order they are first cited. Text from the
data (names, notes, titles) is escaped, so a name holding Markdown or HTML
cannot change the document's structure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from statecrime.graph.grading import Grading
from statecrime.graph.store import Store
from statecrime.queries.chains import DEFAULT_MAX_HOPS, Chain, find_chains
from statecrime.queries.evidence import Hop
from statecrime.queries.taskings import Tasking, find_taskings

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: object) -> str:
    """Text from the data made inert in Markdown: specials escaped, one line."""
    flat = " ".join(str(text or "").split())
    return _SPECIAL.sub(r"\\\1", flat)


class Citations:
    """Numbers for sources, in the order they are first cited."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.records: dict[str, dict[str, Any]] = {}

    def cite(self, sources: Sequence[dict[str, Any]]) -> str:
        marks = []
        for source in sources:
            number = self.numbers.setdefault(source["id"], len(self.numbers) + 1)
            self.records.setdefault(source["id"], source)
            marks.append(f"[{number}]")
        return "".join(marks) if marks else "[no source]"

    def references(self) -> list[str]:
        lines = []
        for source_id, number in self.numbers.items():
            s = self.records[source_id]
            parts = [md(s.get("publisher") or "Unknown publisher")]
            if s.get("title"):
                parts.append(f"*{md(s['title'])}*")
            if s.get("date"):
                parts.append(md(s["date"]))
            line = f"{number}. " + ", ".join(parts)
            if s.get("url"):
                line += f". <{s['url']}>" if _safe_url(s["url"]) else f". {md(s['url'])}"
            lines.append(line + f" (`{source_id}`)")
        return lines


def _safe_url(url: str) -> bool:
    return bool(re.fullmatch(r"https?://[^\s<>]+", url))


def _hop_line(hop: Hop, names: dict[str, str], cites: Citations) -> str:
    dates = []
    if hop.since:
        dates.append(f"since {hop.since}")
    if hop.until:
        dates.append(f"until {hop.until}")
    when = f", {', '.join(dates)}" if dates else ""
    grading = Grading.parse(hop.grading)
    line = (
        f"{md(names.get(hop.source, hop.source))} **{hop.type}** "
        f"{md(names.get(hop.target, hop.target))} "
        f"({hop.grading}: {grading.describe()}{when}) {cites.cite(hop.sources)}"
    )
    if hop.note:
        line += f"  \n  {md(hop.note)}"
    return line


def chain_text(chain: Chain) -> str:
    """A chain on one line, arrows showing how each link is crossed."""
    names = [node["name"] for node in chain.nodes]
    parts = [names[0]]
    for hop, name in zip(chain.hops, names[1:], strict=True):
        arrow = f"-{hop.type}->" if hop.direction == "forward" else f"<-{hop.type}-"
        parts += [arrow, name]
    return " ".join(parts)


def render_report(
    state: dict[str, Any], chains: Sequence[Chain], taskings: Sequence[Tasking], *, max_hops: int
) -> str:
    """The brief as Markdown text, from records already fetched."""
    cites = Citations()
    title = md(state.get("name") or state["id"])
    out = [
        f"# {title}: proxy chains and taskings",
        "",
        f"State `{state['id']}`"
        + (f" ({md(state['country'])})" if state.get("country") else "")
        + f". {len(chains)} proxy chain(s) of up to {max_hops} hops, "
        f"{len(taskings)} tasking link(s). Gradings are Admiralty codes (reliability A-F, "
        "credibility 1-6); a chain is graded by its weakest hop in each. Numbers in brackets "
        "cite the sources listed at the end.",
        "",
        "## Proxy chains",
        "",
    ]
    if not chains:
        out += ["No proxy chain found.", ""]
    for number, chain in enumerate(chains, 1):
        names = {node["id"]: node["name"] for node in chain.nodes}
        hops = f"{len(chain.hops)} hop" + ("s" if len(chain.hops) > 1 else "")
        out.append(f"### Chain {number} ({chain.grading}, {hops})")
        out += ["", md(chain_text(chain)), ""]
        out += [f"{i}. {_hop_line(hop, names, cites)}" for i, hop in enumerate(chain.hops, 1)]
        out.append("")
    out += ["## Taskings", ""]
    if not taskings:
        out += ["No tasking link found.", ""]
    for tasking in taskings:
        names = {node["id"]: node["name"] for node in [*tasking.via, tasking.tasked]}
        via = " → ".join(md(node["name"]) for node in tasking.via[1:])
        line = f"- {_hop_line(tasking.link, names, cites)}"
        if via:
            line += f"  \n  Through: {via}"
            line += " " + "".join(cites.cite(hop.sources) for hop in tasking.route)
        out.append(line)
    out += ["", "## Sources", ""]
    out += cites.references() or ["None."]
    return "\n".join(out) + "\n"


def write_report(
    store: Store,
    state: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    min_grading: str | None = None,
    as_of: str | None = None,
) -> str | None:
    """The brief for ``state``, or None when the store holds no such entity."""
    found = store.fetch_entities([state])
    if state not in found:
        return None
    entity = found[state]
    chains = find_chains(
        store, state=state, max_hops=max_hops, min_grading=min_grading, as_of=as_of
    )
    taskings = find_taskings(store, state=state)
    record = {"id": entity.id, "name": entity.name, "country": entity.country}
    return render_report(record, chains, taskings, max_hops=max_hops)
