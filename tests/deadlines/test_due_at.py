"""When a reply is due under each policy (pure arithmetic, no store, no clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.clock import JST
from bot.config import DeadlineSettings, load_settings
from bot.deadlines import due_at
from bot.deadlines.calendar import BusinessCalendar, closed_dates, japanese_holidays
from bot.errors import ConfigError

SHOP = DeadlineSettings()  # 10:00-18:00, Monday to Friday, 8 business hours, JP holidays closed


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


def test_csba_is_six_hours_around_the_clock_even_at_night_and_on_weekends() -> None:
    assert due_at("csba", jst(2026, 11, 21, 22, 30), SHOP) == jst(2026, 11, 22, 4, 30)


def test_amazon_is_24_hours_and_does_not_stop_for_holidays() -> None:
    # Sunday 22nd → Monday 23rd, 勤労感謝の日: the clock keeps running
    assert due_at("amazon", jst(2026, 11, 22, 9, 15), SHOP) == jst(2026, 11, 23, 9, 15)


def test_due_times_come_back_in_utc() -> None:
    due = due_at("csba", jst(2026, 11, 26, 10, 0), SHOP)
    assert due.tzinfo == UTC
    assert due == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_business_friday_evening_skips_the_weekend_and_the_monday_holiday() -> None:
    # Friday 2026-11-20 19:00, after closing; Sat/Sun shut, Mon 23rd is 勤労感謝の日:
    # the 8 business hours are all of Tuesday 24th, 10:00-18:00.
    assert jst(2026, 11, 23).date() in japanese_holidays(2026)
    assert due_at("business", jst(2026, 11, 20, 19, 0), SHOP) == jst(2026, 11, 24, 18, 0)


def test_business_without_public_holidays_works_on_the_monday() -> None:
    settings = replace(SHOP, public_holidays=False)
    assert due_at("business", jst(2026, 11, 20, 19, 0), settings) == jst(2026, 11, 23, 18, 0)


def test_business_time_starts_counting_inside_opening_hours_and_carries_over() -> None:
    # Thursday 16:00: two hours left that day, six more from Friday 10:00
    assert due_at("business", jst(2026, 11, 26, 16, 0), SHOP) == jst(2026, 11, 27, 16, 0)


def test_business_mail_before_opening_counts_from_opening() -> None:
    assert due_at("business", jst(2026, 11, 30, 7, 45), SHOP) == jst(2026, 11, 30, 18, 0)


def test_business_skips_the_shops_own_closed_days_range() -> None:
    # Year-end closure 29 Dec - 3 Jan (1 Jan is also a holiday): one hour on Monday 28th,
    # seven on Monday 4 January.
    settings = replace(SHOP, closed_days=("2026-12-29..2027-01-03",))
    assert due_at("business", jst(2026, 12, 28, 17, 0), settings) == jst(2027, 1, 4, 17, 0)


def test_business_target_and_hours_come_from_the_settings() -> None:
    settings = replace(
        SHOP,
        business_hours=(time(9, 0), time(12, 0)),
        business_days=(0, 1, 2, 3, 4, 5),
        business_target_hours=4.0,
    )
    # Friday 11:00: one hour Friday, three on Saturday (the shop opens Saturdays)
    assert due_at("business", jst(2026, 11, 27, 11, 0), settings) == jst(2026, 11, 28, 12, 0)


def test_business_hours_follow_a_zone_that_changes_its_offset() -> None:
    # Los Angeles leaves summer time on Sunday 1 November 2026: Friday 17:00 PDT leaves one
    # hour, the other seven run from Monday 10:00 PST (UTC-8) to 17:00 PST = 01:00 UTC Tuesday.
    settings = replace(SHOP, public_holidays=False)
    opened = datetime(2026, 10, 30, 17, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    due = due_at("business", opened, settings, tz="America/Los_Angeles")
    assert due == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def test_a_calendar_with_no_open_day_is_refused() -> None:
    settings = replace(SHOP, business_days=())
    with pytest.raises(ValueError, match="no opening hours"):
        due_at("business", jst(2026, 11, 26, 10, 0), settings)


def test_unknown_policies_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown deadline policy"):
        due_at("whenever", jst(2026, 11, 26, 10, 0), SHOP)
    with pytest.raises(ValueError, match="aware"):
        due_at("csba", datetime(2026, 11, 26, 10, 0), SHOP)


def test_closed_days_accept_single_dates_and_inclusive_ranges() -> None:
    dates = closed_dates(("2026-12-31", "2027-01-02..2027-01-04"))
    assert sorted(d.isoformat() for d in dates) == [
        "2026-12-31",
        "2027-01-02",
        "2027-01-03",
        "2027-01-04",
    ]


def test_open_days_exclude_weekends_holidays_and_closed_days() -> None:
    calendar = BusinessCalendar.from_settings(
        replace(SHOP, closed_days=("2026-11-27",)), "Asia/Tokyo"
    )
    assert calendar.is_open_day(jst(2026, 11, 26).date())  # Thursday
    assert not calendar.is_open_day(jst(2026, 11, 27).date())  # closed day
    assert not calendar.is_open_day(jst(2026, 11, 28).date())  # Saturday
    assert not calendar.is_open_day(jst(2026, 11, 23).date())  # 勤労感謝の日


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-12-31..2026-12-01", "soon", "a..b..c"])
def test_bad_closed_days_are_a_configuration_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="closed_days"):
        load_settings(env={"MADOGUCHI_CLOSED_DAYS": bad, "MADOGUCHI_CONFIG": "/dev/null"})


def test_deadline_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        env={
            "MADOGUCHI_CONFIG": "/dev/null",
            "MADOGUCHI_DEADLINE_POLICY": "business",
            "MADOGUCHI_CLOSED_DAYS": "2026-12-29..2027-01-03",
            "MADOGUCHI_PUBLIC_HOLIDAYS": "false",
            "MADOGUCHI_REMINDERS": "60,15",
            "MADOGUCHI_SLACK_LANGUAGE": "zh",
        }
    )
    assert settings.deadlines.policy == "business"
    assert settings.deadlines.closed_days == ("2026-12-29..2027-01-03",)
    assert settings.deadlines.public_holidays is False
    assert settings.deadlines.reminders_minutes == (60, 15)
    assert settings.slack.agent_language == "zh"


def test_time_zones_are_named_the_way_each_language_says_them() -> None:
    from bot.deadlines.reminders import zone_label

    winter = jst(2026, 12, 1, 12, 0)
    assert [zone_label("Asia/Tokyo", lang, winter) for lang in ("ja", "en", "zh")] == [
        "",
        "JST",
        "日本时间",
    ]
    assert zone_label("Asia/Shanghai", "zh", winter) == "北京时间"
    assert zone_label("Asia/Shanghai", "en", winter) == "CST"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert zone_label("America/Los_Angeles", "en", summer) == "PDT"
    assert zone_label("America/Los_Angeles", "en", winter) == "PST"
