"""Dates buyers mention (「12月5日」「明日」「来週の土曜日」「5日」「今週中」), resolved in Japan time.

The reference day is the mail's own date converted to +09:00 (a naive date-time is taken as
Japan time already). Without a mail date only dates that carry their year can be resolved.
Conventions, so that answers are predictable:

- a date without a year is put in the year that brings it closest to the mail date;
- a bare day of the month (「5日」) is put in the month that brings it closest to the mail
  date, ties going forward; durations (「3日以内」「2、3日」「5日経っても」) are not dates;
- a weekday alone (「土曜日」) is its next occurrence, the mail's own day included;
- weeks start on Monday; 「今週中」「今週末」 mean that week's Sunday and Saturday,
  「今月中」「月末」 the month's last day.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone
from typing import Final

JST: Final = timezone(timedelta(hours=9))
_WEEKDAYS_JA: Final = "月火水木金土日"
_MONTHS_EN: Final = {
    m.lower(): i for i, name in enumerate(calendar.month_name) if name for m in (name, name[:3])
}
_WEEKDAYS_EN: Final = {
    d.lower(): i for i, name in enumerate(calendar.day_name) for d in (name, name[:3])
}
_RELATIVE_DAYS: Final = {
    "一昨日": -2, "おととい": -2, "昨日": -1, "きのう": -1, "今日": 0, "本日": 0,
    "明後日": 2, "あさって": 2, "明日": 1, "あした": 1,
    "the day after tomorrow": 2, "tomorrow": 1, "today": 0, "yesterday": -1,
}  # fmt: skip
_WEEK_SHIFT: Final = {
    "先週": -1,
    "今週": 0,
    "来週": 1,
    "再来週": 2,
    "last": -1,
    "this": 0,
    "next": 1,
}

_FULL_DATE: Final = re.compile(
    r"(\d(?<!\d\d)\d{3})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})日?(?!\d)"
)
_MONTH_DAY: Final = re.compile(r"(\d(?<![\d/]\d)\d?)\s*(?:月\s*(\d{1,2})\s*日|/(\d{1,2}))(?![\d/])")
_DAY_ONLY: Final = re.compile(
    r"(\d(?<![\d月/、,・〜~-]\d)\d?)日(?!\s*(?:以内|間|後|前|ほど|程|くらい|ぐらい|位|経|た|も|以上|以降|分|目|から|～|〜))"
)
_RELATIVE: Final = re.compile(
    "|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True)).replace(" ", r"\s+"), re.IGNORECASE
)
_WEEK_DAY: Final = re.compile(r"(再来週|来週|今週|先週)の?\s*([月火水木金土日])曜")
_LONE_WEEKDAY: Final = re.compile(r"([月火水木金土日])(?<![週今来先][月火水木金土日])曜日?")
_WEEK_END: Final = re.compile(r"(再来週|来週|今週)(中|末)")
_MONTH_END: Final = re.compile(r"今月(?:中|末)|月末(?<!先月末)")
_EN_MONTH_DAY: Final = re.compile(
    r"\b(" + "|".join(_MONTHS_EN) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(_MONTHS_EN) + r")\b",
    re.IGNORECASE,
)
_EN_WEEKDAY: Final = re.compile(
    r"\b(?:(next|this|last)\s+)?(" + "|".join(_WEEKDAYS_EN) + r")\b", re.IGNORECASE
)


def japan_day(mail_date: datetime | None) -> date | None:
    """The calendar day of ``mail_date`` in Japan time."""
    if mail_date is None:
        return None
    if mail_date.tzinfo is None:
        return mail_date.date()
    return mail_date.astimezone(JST).date()


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _closest(candidates: list[date | None], today: date) -> date | None:
    real = [d for d in candidates if d is not None]
    if not real:
        return None
    # Closest to the mail date; on a tie the later (future) one.
    return min(real, key=lambda d: (abs((d - today).days), -(d - today).days))


def _month_day(month: int, day: int, today: date | None) -> date | None:
    if today is None or not 1 <= month <= 12:
        return None
    return _closest([_safe_date(today.year + k, month, day) for k in (-1, 0, 1)], today)


def _day_of_month(day: int, today: date) -> date | None:
    candidates = []
    for shift in (-1, 0, 1):
        month_index = today.month - 1 + shift
        year, month = today.year + month_index // 12, month_index % 12 + 1
        candidates.append(_safe_date(year, month, day))
    return _closest(candidates, today)


def _week_monday(today: date, shift: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=shift)


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def mentioned_dates(text: str, mail_date: datetime | None) -> list[date]:
    """Dates mentioned in normalised ``text``, in order of appearance, each once."""
    today = japan_day(mail_date)
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], value: date | None) -> None:
        span = match.span()
        if value is None or any(s < span[1] and span[0] < e for s, e in taken):
            return
        taken.append(span)
        found.append((span[0], value))

    for m in _FULL_DATE.finditer(text):
        add(m, _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    if today is None:
        # Every other form needs the mail's date to be placed in time.
        return [d for _, d in found]
    for m in _MONTH_DAY.finditer(text):
        add(m, _month_day(int(m.group(1)), int(m.group(2) or m.group(3)), today))
    for m in _EN_MONTH_DAY.finditer(text):
        month_name = (m.group(1) or m.group(4)).lower()
        add(m, _month_day(_MONTHS_EN[month_name], int(m.group(2) or m.group(3)), today))
    if today is not None:
        for m in _WEEK_DAY.finditer(text):
            monday = _week_monday(today, _WEEK_SHIFT[m.group(1)])
            add(m, monday + timedelta(days=_WEEKDAYS_JA.index(m.group(2))))
        for m in _WEEK_END.finditer(text):
            monday = _week_monday(today, _WEEK_SHIFT[m.group(1)])
            add(m, monday + timedelta(days=6 if m.group(2) == "中" else 5))
        for m in _MONTH_END.finditer(text):
            last = calendar.monthrange(today.year, today.month)[1]
            add(m, today.replace(day=last))
        for m in _LONE_WEEKDAY.finditer(text):
            add(m, _next_weekday(today, _WEEKDAYS_JA.index(m.group(1))))
        for m in _EN_WEEKDAY.finditer(text):
            weekday = _WEEKDAYS_EN[m.group(2).lower()]
            if m.group(1):
                monday = _week_monday(today, _WEEK_SHIFT[m.group(1).lower()])
                add(m, monday + timedelta(days=weekday))
            else:
                add(m, _next_weekday(today, weekday))
        for m in _RELATIVE.finditer(text):
            add(m, today + timedelta(days=_RELATIVE_DAYS[" ".join(m.group(0).lower().split())]))
        for m in _DAY_ONLY.finditer(text):
            add(m, _day_of_month(int(m.group(1)), today))
    found.sort(key=lambda pair: pair[0])
    return list(dict.fromkeys(d for _, d in found))
