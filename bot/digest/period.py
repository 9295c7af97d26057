"""The span a digest covers: whole local days in the seller's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("daily", "weekly", "custom")
# Short digests still show a week of context in their chart.
CHART_MIN_DAYS = 7


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last`` (both included), read in some time zone."""

    first: date
    last: date
    kind: str = "custom"  # daily | weekly | custom: only changes the wording ("previous day")

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a period cannot end ({self.last}) before it starts ({self.first})")
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")

    @classmethod
    def day(cls, day: date) -> Period:
        """One day (a daily digest)."""
        return cls(day, day, "daily")

    @classmethod
    def week(cls, first: date) -> Period:
        """Seven days from ``first`` (a weekly digest)."""
        return cls(first, first + timedelta(days=6), "weekly")

    @property
    def length(self) -> int:
        """How many days the period spans."""
        return (self.last - self.first).days + 1

    def dates(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.first + timedelta(days=i) for i in range(self.length)]

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: local midnight of ``first`` to local midnight after ``last``."""
        zone = ZoneInfo(tz)
        start = datetime.combine(self.first, time(0), zone).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), zone).astimezone(UTC)
        return start, end

    def previous(self) -> Period:
        """The period of the same length just before this one (for the comparison)."""
        shift = timedelta(days=self.length)
        return Period(self.first - shift, self.last - shift, self.kind)

    def chart_period(self) -> Period:
        """The days the chart shows: the period, or the week ending with it when shorter."""
        if self.length >= CHART_MIN_DAYS:
            return self
        return Period(self.last - timedelta(days=CHART_MIN_DAYS - 1), self.last, "custom")


def day_of(moment: datetime, tz: str) -> date:
    """The local date of ``moment`` in ``tz``."""
    return moment.astimezone(ZoneInfo(tz)).date()
