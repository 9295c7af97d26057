"""Dates buyers mention, resolved against the mail's date in Japan time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.nlp.dates import japan_day, mentioned_dates
from bot.nlp.normalize import normalize

# Friday 2026-11-27 20:00 UTC is Saturday 2026-11-28 05:00 in Japan.
MAIL = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def dates(text: str, when: datetime | None = MAIL) -> list[date]:
    return mentioned_dates(normalize(text), when)


def test_mail_date_is_read_in_japan_time() -> None:
    assert japan_day(MAIL) == date(2026, 11, 28)
    assert japan_day(datetime(2026, 11, 28, 1, 0)) == date(2026, 11, 28)
    pacific = timezone(timedelta(hours=-8))
    assert japan_day(datetime(2026, 11, 27, 10, 0, tzinfo=pacific)) == date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月5日に届くと書いてありました", date(2026, 12, 5)),
        ("１２月５日", date(2026, 12, 5)),
        ("明日届きますか", date(2026, 11, 29)),
        ("明後日は不在です", date(2026, 11, 30)),
        ("昨日届くはずでした", date(2026, 11, 27)),
        ("本日発送と聞きました", date(2026, 11, 28)),
        ("来週の土曜日に再配達してください", date(2026, 12, 5)),
        ("来週月曜", date(2026, 11, 30)),
        ("今週の金曜日", date(2026, 11, 27)),
        ("5日までに欲しいです", date(2026, 12, 5)),
        ("25日に注文しました", date(2026, 11, 25)),
        ("今週中に届きますか", date(2026, 11, 29)),
        ("今月中に", date(2026, 11, 30)),
        ("12/24に使いたい", date(2026, 12, 24)),
        ("2027年1月3日", date(2027, 1, 3)),
        ("2026/11/20に注文", date(2026, 11, 20)),
        ("Can it arrive by Dec 5?", date(2026, 12, 5)),
        ("please deliver next Monday", date(2026, 11, 30)),
        ("It should arrive tomorrow", date(2026, 11, 29)),
        ("日曜日に受け取りたい", date(2026, 11, 29)),
    ],
)
def test_dates_buyers_mention(text: str, expected: date) -> None:
    assert dates(text) == [expected]


def test_month_day_without_year_takes_the_nearest_year() -> None:
    new_year = datetime(2027, 1, 3, 12, 0, tzinfo=timezone(timedelta(hours=9)))
    assert dates("12月28日に注文しました", new_year) == [date(2026, 12, 28)]
    assert dates("1月10日", new_year) == [date(2027, 1, 10)]


@pytest.mark.parametrize(
    "text",
    [
        "3日以内に返金してください",
        "2、3日かかります",
        "5日経っても届きません",
        "1日も早く",
        "30日間保証",
    ],
)
def test_durations_are_not_dates(text: str) -> None:
    assert dates(text) == []


def test_several_dates_in_order_once_each() -> None:
    assert dates("明日か12月5日、または明日") == [date(2026, 11, 29), date(2026, 12, 5)]


def test_without_mail_date_only_dates_with_a_year_resolve() -> None:
    assert dates("2026年12月5日か明日", None) == [date(2026, 12, 5)]
