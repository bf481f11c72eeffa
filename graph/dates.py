"""Partial dates: ``2019``, ``2019-12`` or ``2019-12-05``, as sources give them.

A source often says only "since 2017" or "in April 2018". A partial date is kept as
written and also read as the span it covers, so that "was this link in force on
2019-06-01?" has an answer: a link *since* ``2019`` started at the latest on
2019-12-31 and a link *until* ``2019`` ended at the earliest on 2019-01-01; the
query asks whether the span can contain the day (the generous reading, so that a
vague date never hides a link).

>>> PartialDate.parse("2019-12").first, PartialDate.parse("2019-12").last
('2019-12-01', '2019-12-31')
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$", re.ASCII)


class DateError(ValueError):
    """A text that is not a (partial) ISO date."""


@dataclass(frozen=True)
class PartialDate:
    """A year, a month or a day, written as ISO 8601 (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)."""

    text: str

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        """Accept a string, an int year, or a ``date`` (YAML reads ``2019-12-05`` as one)."""
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.isoformat())
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise DateError(f"{value!r} is not a date: write 2019, 2019-12 or 2019-12-05")
        text = value.strip()
        match = _PATTERN.match(text)
        if not match:
            raise DateError(f"{value!r} is not a date: write 2019, 2019-12 or 2019-12-05")
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            # 0 is a number given, not a part left out: "2024-00" is no month
            dt.date(year, 1 if month is None else month, 1 if day is None else day)  # type: ignore[arg-type]
        except ValueError as exc:
            raise DateError(f"{value!r} is not a valid date: {exc}") from None
        return cls(text)

    @property
    def first(self) -> str:
        """The first day the date covers, as ``YYYY-MM-DD``."""
        parts = self.text.split("-")
        return "-".join([parts[0], *[*parts[1:], "01", "01"][:2]])

    @property
    def last(self) -> str:
        """The last day the date covers, as ``YYYY-MM-DD``."""
        parts = self.text.split("-")
        year = int(parts[0])
        if len(parts) == 1:
            return f"{year:04d}-12-31"
        month = int(parts[1])
        if len(parts) == 2:
            return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
        return self.text

    def __str__(self) -> str:
        return self.text
