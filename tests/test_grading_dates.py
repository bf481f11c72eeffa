"""Admiralty gradings and partial dates behave as an analyst reads them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statecrime.graph.dates import DateError, PartialDate
from statecrime.graph.grading import Grading, GradingError, worst

codes = st.builds(lambda r, c: f"{r}{c}", st.sampled_from("ABCDEF"), st.sampled_from("123456"))


@pytest.mark.parametrize(
    ("grading", "threshold", "meets"),
    [
        ("A1", "B2", True),
        ("B2", "B2", True),
        ("A3", "B2", False),  # credibility 3 is worse than 2, whatever the letter
        ("C1", "B2", False),
        ("F1", "F6", False),  # F cannot be judged: passes no threshold
        ("A6", "F6", False),  # nor does 6
        ("E5", "E5", True),
    ],
)
def test_at_least_compares_each_dimension(grading: str, threshold: str, meets: bool) -> None:
    assert Grading.parse(grading).meets(Grading.parse(threshold)) is meets


@pytest.mark.parametrize("bad", ["G7", "A0", "B", "b22", "", "2B", "A 1"])
def test_invalid_gradings_are_refused(bad: str) -> None:
    with pytest.raises(GradingError, match="Admiralty"):
        Grading.parse(bad)


def test_a_chain_takes_the_worst_letter_and_the_worst_digit() -> None:
    assert str(worst([Grading.parse("A3"), Grading.parse("C1"), Grading.parse("B2")])) == "C3"


@given(st.lists(codes, min_size=1, max_size=6), codes)
def test_worst_meets_a_threshold_only_if_every_part_does(parts: list[str], threshold: str) -> None:
    gradings = [Grading.parse(p) for p in parts]
    limit = Grading.parse(threshold)
    assert worst(gradings).meets(limit) == all(g.meets(limit) for g in gradings)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2019", "2019-01-01", "2019-12-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2023-02", "2023-02-01", "2023-02-28"),
        ("2019-12-05", "2019-12-05", "2019-12-05"),
    ],
)
def test_partial_dates_cover_their_span(text: str, first: str, last: str) -> None:
    date = PartialDate.parse(text)
    assert (date.first, date.last, str(date)) == (first, last, text)


@pytest.mark.parametrize(
    "bad",
    [
        "2019-13",
        "2019-02-30",
        "19",
        "2019/12/05",
        "yesterday",
        "2019-1",
        "2024-13-45",
        "2024-00",  # once taken for January, then a crash in calendar.monthrange
        "2024-01-00",
        "0000",
        "\u0662\u0660\u0661\u0669",  # 2019 in Arabic-Indic digits
    ],
)
def test_malformed_dates_are_refused(bad: str) -> None:
    with pytest.raises(DateError):
        PartialDate.parse(bad)
