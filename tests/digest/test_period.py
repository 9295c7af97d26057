"""Which days a digest covers and when the scheduled ones are due."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from bot.clock import JST
from bot.config import DigestSettings
from bot.digest.period import Period
from bot.digest.schedule import due_runs


def test_a_day_is_local_midnight_to_midnight_in_utc() -> None:
    start, end = Period.day(date(2026, 11, 23)).bounds("Asia/Tokyo")
    assert (start, end) == (
        datetime(2026, 11, 22, 15, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
    )


def test_the_previous_period_has_the_same_length() -> None:
    week = Period(date(2026, 11, 20), date(2026, 11, 26))
    assert week.length == 7
    assert week.previous() == Period(date(2026, 11, 13), date(2026, 11, 19))
    assert Period.day(date(2026, 12, 1)).previous() == Period.day(date(2026, 11, 30))


def test_short_periods_chart_the_week_that_ends_with_them() -> None:
    assert Period.day(date(2026, 11, 26)).chart_period().dates()[0] == date(2026, 11, 20)
    fortnight = Period(date(2026, 11, 1), date(2026, 11, 14))
    assert fortnight.chart_period() == fortnight


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 11, 26), date(2026, 11, 25))


SETTINGS = DigestSettings(languages=("zh", "ja"), daily_at=time(9, 0), timezone="Asia/Tokyo")


def keys(now: datetime, settings: DigestSettings = SETTINGS) -> list[str]:
    return [run.key for run in due_runs(now, settings)]


def test_the_daily_digest_of_yesterday_is_due_from_the_configured_time() -> None:
    assert keys(datetime(2026, 11, 27, 8, 59, tzinfo=JST)) == [
        "digest:daily:2026-11-25:zh",
        "digest:daily:2026-11-25:ja",
    ]
    assert keys(datetime(2026, 11, 27, 9, 0, tzinfo=JST)) == [
        "digest:daily:2026-11-26:zh",
        "digest:daily:2026-11-26:ja",
    ]


def test_the_time_of_day_is_read_in_the_digest_time_zone() -> None:
    shanghai = replace(SETTINGS, timezone="Asia/Shanghai", languages=("zh",))
    # 09:30 in Tokyo is 08:30 in Shanghai: the 26th is not due there yet
    assert keys(datetime(2026, 11, 27, 9, 30, tzinfo=JST), shanghai) == [
        "digest:daily:2026-11-25:zh"
    ]


def test_the_weekly_digest_covers_the_seven_days_before_its_weekday() -> None:
    weekly = replace(SETTINGS, weekly=True, weekly_day=0, languages=("en",))
    runs = due_runs(datetime(2026, 11, 26, 10, 0, tzinfo=JST), weekly)  # a Thursday
    assert [r.key for r in runs] == ["digest:daily:2026-11-25:en", "digest:weekly:2026-11-16:en"]
    assert runs[1].period == Period.week(date(2026, 11, 16))
    assert runs[1].period.last == date(2026, 11, 22)
    # on Monday morning before 09:00 the week before is still the latest one
    early = due_runs(datetime(2026, 11, 30, 8, 0, tzinfo=JST), weekly)
    assert early[1].key == "digest:weekly:2026-11-16:en"
    on_time = due_runs(datetime(2026, 11, 30, 9, 0, tzinfo=JST), weekly)
    assert on_time[1].key == "digest:weekly:2026-11-23:en"
