"""The council's calendar: today's date in the UK, whatever the server's zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

COUNCIL_ZONE = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class Calendar:
    """Today's date, the review intervals and the late-entry limit in force: what the rules about dates need.

    `band_months` holds the matrix's review interval per band (`Matrix.review_intervals`);
    `interval_months` is the one for a band it does not name.
    """

    today: date
    interval_months: int
    late_after_days: int = 31
    band_months: Mapping[str, int] = field(default_factory=dict)

    def review_months(self, band: str) -> int:
        """Months from a review that lands in `band` to the next one."""
        return self.band_months.get(band, self.interval_months)

    def next_review_due(self, reviewed_on: date, band: str) -> date:
        """When a review on `reviewed_on` that lands in `band` is next due."""
        return add_months(reviewed_on, self.review_months(band))

    def is_late(self, effective_on: date) -> bool:
        """A fact recorded today about `effective_on` is a late entry."""
        return (self.today - effective_on).days > self.late_after_days


def today() -> date:
    """Today's date in the UK."""
    return datetime.now(COUNCIL_ZONE).date()


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")  # pragma: no cover
