"""Load problems that name the file, the record and the field.

A load never stops at the first problem: every record is checked and every
problem is reported at once, so an analyst fixes a file in one pass. Then
nothing is written.

Real files fail in bulk (one wrong date column gives a problem per row), so
:func:`group_problems` folds problems that differ only in the record and the
quoted value into one line, ``184 lines, field 'since': '…' is not a date``,
and :func:`summary` prints those groups; every single problem is still in
:attr:`LoadError.problems` (the CLI's ``--problems FILE`` writes them all).

A problem's texts are clipped (:data:`MAX_RECORD_CHARS`, :data:`MAX_MESSAGE_CHARS`):
a 10 MB name in a file must not become a 10 MB error line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_RECORD_CHARS = 200
MAX_MESSAGE_CHARS = 1_000
MAX_GROUPS_SHOWN = 50


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def shown(value: object, limit: int = 60) -> str:
    """A value as a problem quotes it (its repr), clipped to ``limit`` characters."""
    if isinstance(value, str) and len(value) > limit:
        return clip(repr(value[: limit + 1]), limit)
    if isinstance(value, list | dict | tuple) and len(value) > 20:
        return f"<a {type(value).__name__} of {len(value):,} items>"
    try:
        return clip(repr(value), limit)
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: where it is and what is wrong."""

    file: str
    record: str
    field: str | None
    message: str

    def __post_init__(self) -> None:
        # frozen, so the clipped texts are set through object.__setattr__
        object.__setattr__(self, "record", clip(str(self.record), MAX_RECORD_CHARS))
        object.__setattr__(self, "message", clip(str(self.message), MAX_MESSAGE_CHARS))
        if self.field is not None:
            object.__setattr__(self, "field", clip(str(self.field), MAX_RECORD_CHARS))

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        """The problem as JSON prints it (``--problems FILE`` writes one a line)."""
        return {
            "file": self.file,
            "record": self.record,
            "field": self.field,
            "message": self.message,
        }


# quoted values and numbers: what differs between repeats of one problem
_PARTICULARS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d+")


@dataclass(frozen=True)
class ProblemGroup:
    """Problems of one file and field whose messages differ only in quoted values."""

    file: str
    field: str | None
    pattern: str
    problems: tuple[Problem, ...]

    @property
    def count(self) -> int:
        return len(self.problems)

    @property
    def records_word(self) -> str:
        """``lines``, ``rows`` or ``records``, by how the file names its records."""
        starts = {p.record.split(" ", 1)[0].split("[", 1)[0] for p in self.problems}
        if starts == {"line"}:
            return "lines"
        if starts == {"row"}:
            return "rows"
        return "records"

    def __str__(self) -> str:
        if self.count == 1:
            return str(self.problems[0])
        first = self.problems[0]
        where = f"{self.file}: {self.count:,} {self.records_word}"
        if self.field:
            where += f", field {self.field!r}"
        examples = ", ".join(p.record for p in self.problems[:3])
        more = ", ..." if self.count > 3 else ""
        return f"{where}: {first.message} (at {examples}{more})"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "field": self.field,
            "count": self.count,
            "message": self.problems[0].message,
            "records": [p.record for p in self.problems[:3]],
        }


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Problems folded by (file, field, message with quoted values and numbers blanked).

    Groups keep the order of their first problem, so a file's problems read top down.

    >>> dates = [Problem("a.jsonl", f"line {n}", "since", f"'2019-1{n}' is not a date")
    ...          for n in (3, 4, 5)]
    >>> print(group_problems(dates)[0])
    a.jsonl: 3 lines, field 'since': '2019-13' is not a date (at line 3, line 4, line 5)
    """
    groups: dict[tuple[str, str | None, str], list[Problem]] = {}
    for problem in problems:
        key = (problem.file, problem.field, _PARTICULARS.sub("…", problem.message))
        groups.setdefault(key, []).append(problem)
    return [ProblemGroup(f, fld, pattern, tuple(ps)) for (f, fld, pattern), ps in groups.items()]


def summary(problems: Sequence[Problem], limit: int = MAX_GROUPS_SHOWN) -> str:
    """The refusal as a terminal shows it: a count, then one line per group of problems."""
    groups = group_problems(problems)
    lines = [f"  - {group}" for group in groups[:limit]]
    if len(groups) > limit:
        hidden = sum(g.count for g in groups[limit:])
        lines.append(
            f"  ... and {len(groups) - limit:,} more kinds of problem ({hidden:,} problems); "
            "--problems FILE writes every one"
        )
    return f"load refused, nothing written ({len(problems):,} problem(s)):\n" + "\n".join(lines)


class LoadError(Exception):
    """The load was refused; nothing was written. ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        # worked out when shown: readers raise one per bad line and gather them
        return summary(self.problems)
