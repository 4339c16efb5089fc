"""Report periods: the council's financial-year halves and arbitrary date ranges.

The financial year runs 1 April to 31 March: "2025/26-H1" is 1 Apr 2025 to 30 Sep
2025 and "2025/26-H2" is 1 Oct 2025 to 31 Mar 2026. "current" is the half that holds
today, "last" the most recent completed half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

#: The first day a deployment accepts by default: a period that starts before it is refused.
EARLIEST_DAY = date(2000, 1, 1)

_HALF = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*[- ]?\s*H([12])\s*$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period that cannot be understood."""


@dataclass(frozen=True, slots=True)
class Period:
    """A report period: a label and its first and last day (inclusive)."""

    label: str
    start: date
    end: date

    @property
    def title(self) -> str:
        """The label as a heading, e.g. "2025/26 H1"."""
        return self.label.replace("-H", " H")


def half_containing(day: date) -> Period:
    """The financial-year half that holds `day`."""
    first_year = day.year if day.month >= 4 else day.year - 1
    return half(first_year, 1 if 4 <= day.month <= 9 else 2)


def half(first_year: int, which: int) -> Period:
    """Half `which` (1 or 2) of the financial year starting 1 April `first_year`."""
    label = f"{first_year}/{(first_year + 1) % 100:02d}-H{which}"
    if which == 1:
        return Period(label, date(first_year, 4, 1), date(first_year, 9, 30))
    return Period(label, date(first_year, 10, 1), date(first_year + 1, 3, 31))


def parse_period(
    text: str | None,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date,
    earliest: date = EARLIEST_DAY,
) -> Period:
    """The period named by `text` ("2025/26-H1", "current", "last") or given by `start`/`end`;
    a named half must start on or after `earliest`."""
    if text is None or not text.strip():
        if start is None or end is None:
            raise PeriodError("give a period such as 2025/26-H1, or both from and to dates")
        if end < start:
            raise PeriodError(f"the period ends ({end}) before it starts ({start})")
        return Period(f"{start.isoformat()} to {end.isoformat()}", start, end)
    if start is not None or end is not None:
        raise PeriodError("give either a period or from/to dates, not both")
    word = text.strip().lower()
    if word == "current":
        return half_containing(today)
    if word == "last":
        return half_containing(half_containing(today).start - timedelta(days=1))
    match = _HALF.match(text)
    if not match:
        raise PeriodError(f"{text!r} is not a period like 2025/26-H1 (financial year and half)")
    first_year, second, which = int(match[1]), match[2], int(match[3])
    second_year = int(second) if len(second) == 4 else (first_year // 100) * 100 + int(second)
    if second_year != first_year + 1 and not (len(second) == 2 and (first_year + 1) % 100 == int(second)):
        raise PeriodError(f"{text!r}: a financial year runs from one year into the next, e.g. 2025/26")
    # Checked before the half is built: a year 0 or 9999 has no date for its start or end.
    if (
        first_year < earliest.year
        or first_year + 1 > date.max.year
        or half(first_year, which).start < earliest
    ):
        raise PeriodError(f"{text!r}: reports cover periods from {earliest.isoformat()} onwards")
    return half(first_year, which)


def previous(period: Period) -> Period:
    """The period before `period`: the previous half for a financial half, else the days of the
    same length just before it."""
    if _HALF.match(period.label):
        return half_containing(period.start - timedelta(days=1))
    length = period.end - period.start
    end = period.start - timedelta(days=1)
    start = end - length
    return Period(f"{start.isoformat()} to {end.isoformat()}", start, end)
