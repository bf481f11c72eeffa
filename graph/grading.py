"""Admiralty (NATO) grading of a link: source reliability A-F, information credibility 1-6.

The two dimensions are graded independently and compared independently: "at least
B2" means reliability A or B *and* credibility 1 or 2. F and 6 mean "cannot be
judged" and pass no threshold. A chain is only as good as its weakest hop in each
dimension, so its grading is the worst letter with the worst digit.

>>> Grading.parse("B2").meets(Grading.parse("C3"))
True
>>> Grading.parse("A3").meets(Grading.parse("B2"))
False
>>> str(worst([Grading.parse("A3"), Grading.parse("C1")]))
'C3'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    "1": "confirmed by other sources",
    "2": "probably true",
    "3": "possibly true",
    "4": "doubtful",
    "5": "improbable",
    "6": "truth cannot be judged",
}
GRADING_PATTERN = re.compile(r"^[A-F][1-6]$")


class GradingError(ValueError):
    """A text that is not an Admiralty code."""


@dataclass(frozen=True, order=True)
class Grading:
    """One Admiralty code, such as ``B2``; ordered best first (A1 < A2 < B1)."""

    reliability: str
    credibility: str

    @classmethod
    def parse(cls, text: str) -> Grading:
        """Read a two-character code; lower case is accepted, anything else is an error."""
        norm = str(text).strip().upper()
        if not GRADING_PATTERN.match(norm):
            raise GradingError(
                f"{text!r} is not an Admiralty grading: expected a reliability letter A-F "
                "followed by a credibility digit 1-6, such as B2"
            )
        return cls(norm[0], norm[1])

    def meets(self, threshold: Grading) -> bool:
        """Whether this grading is at least as good as ``threshold`` in both dimensions.

        F and 6 ("cannot be judged") never meet a threshold, not even F6.
        """
        if self.reliability == "F" or self.credibility == "6":
            return False
        return (
            self.reliability <= threshold.reliability and self.credibility <= threshold.credibility
        )

    @property
    def confirmed(self) -> bool:
        """Usually reliable and probably true or better: the view draws these solid."""
        return self.meets(Grading("B", "2"))

    def describe(self) -> str:
        """The code in words, as an analyst reads it: "usually reliable, probably true"."""
        return f"{RELIABILITY[self.reliability]}, {CREDIBILITY[self.credibility]}"

    def __str__(self) -> str:
        return self.reliability + self.credibility


def worst(gradings: Iterable[Grading]) -> Grading:
    """The worst letter and the worst digit of several gradings (a chain's grading)."""
    items = list(gradings)
    if not items:
        raise GradingError("no grading to combine")
    return Grading(max(g.reliability for g in items), max(g.credibility for g in items))
