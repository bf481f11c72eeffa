"""Load problems that name the file, the record and the field.

A load never stops at the first problem: every record is checked and every
problem is reported at once, so an analyst fixes a file in one pass. Then
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: where it is and what is wrong."""

    file: str
    record: str
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


class LoadError(Exception):
    """The load was refused; nothing was written. ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"load refused, nothing written ({len(problems)} problem(s)):\n{shown}{more}"
        )
