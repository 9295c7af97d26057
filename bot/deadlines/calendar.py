"""When a reply is due: the three policies, the shop's hours, Japanese holidays, closed days.

Pure functions of their arguments (no clock, no store). Everything is computed on aware
datetimes and returned in UTC; the shop's time zone only decides where days begin and end.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from bot.config import DeadlineSettings

# Around-the-clock policies: hours after the mail arrived, weekends and holidays included.
POLICY_HOURS: dict[str, float] = {"csba": 6.0, "amazon": 24.0}
POLICIES: tuple[str, ...] = ("csba", "amazon", "business")
# A range longer than this in closed_days is a typo, not a holiday.
_MAX_CLOSED_RANGE_DAYS = 366
# How far ahead a business-hours deadline may be searched before the settings are called unusable.
_MAX_SEARCH_DAYS = 3 * 366


@functools.lru_cache(maxsize=32)
def japanese_holidays(year: int) -> frozenset[date]:
    """Japan's public holidays of ``year`` (substitute and 国民の休日 included)."""
    return frozenset(holidays.JP(years=year).keys())


def closed_dates(values: tuple[str, ...]) -> frozenset[date]:
    """The dates named by ``closed_days`` entries: ``2026-12-31`` or ``2026-12-29..2027-01-03``."""
    out: set[date] = set()
    for value in values:
        first_s, _, last_s = value.partition("..")
        first = date.fromisoformat(first_s.strip())
        last = date.fromisoformat(last_s.strip()) if last_s else first
        span = (last - first).days
        if span < 0 or span > _MAX_CLOSED_RANGE_DAYS:
            raise ValueError(f"closed day range {value!r} is empty or longer than a year")
        out.update(first + timedelta(days=i) for i in range(span + 1))
    return frozenset(out)


@dataclass(frozen=True)
class BusinessCalendar:
    """The shop's opening hours in its own time zone, and the days it is shut."""

    opens: time
    closes: time
    weekdays: frozenset[int]  # Monday = 0
    closed: frozenset[date]
    public_holidays: bool
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: DeadlineSettings, tz: str) -> BusinessCalendar:
        """The calendar described by the deadline settings, in time zone ``tz``."""
        opens, closes = settings.business_hours
        return cls(
            opens=opens,
            closes=closes,
            weekdays=frozenset(settings.business_days),
            closed=closed_dates(settings.closed_days),
            public_holidays=settings.public_holidays,
            zone=ZoneInfo(tz),
        )

    def is_open_day(self, day: date) -> bool:
        """True when the shop works on ``day`` (a weekday it opens, not a holiday or closed day)."""
        if day.weekday() not in self.weekdays or day in self.closed:
            return False
        return not (self.public_holidays and day in japanese_holidays(day.year))

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of opening hours after ``start`` (UTC)."""
        if start.tzinfo is None:
            raise ValueError("business time needs an aware datetime")
        remaining = amount
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_open_day(day):
                # combine() rather than replace(): correct on days a zone changes its offset
                day_open = datetime.combine(day, self.opens, self.zone)
                day_close = datetime.combine(day, self.closes, self.zone)
                begin = max(cursor, day_open)
                if begin < day_close:
                    available = day_close - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), self.zone)
        raise ValueError("no opening hours within three years: check business_days and closed_days")


def due_at(
    policy: str, opened_at: datetime, settings: DeadlineSettings, tz: str = "Asia/Tokyo"
) -> datetime:
    """When a mail received at ``opened_at`` must be answered under ``policy`` (UTC)."""
    if opened_at.tzinfo is None:
        raise ValueError("deadlines need an aware datetime")
    if policy in POLICY_HOURS:
        return (opened_at + timedelta(hours=POLICY_HOURS[policy])).astimezone(UTC)
    if policy != "business":
        raise ValueError(f"unknown deadline policy {policy!r}; use one of {', '.join(POLICIES)}")
    calendar = BusinessCalendar.from_settings(settings, tz)
    return calendar.add_business_time(opened_at, timedelta(hours=settings.business_target_hours))
