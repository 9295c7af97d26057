"""The digest's numbers from a known history, compared with values worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.digest.figures import (
    DigestFigures,
    MissedDeadline,
    OpenTicket,
    RiskTicket,
    compute_figures,
    deadline_state,
    median,
    percentile,
)
from bot.digest.history import DeadlineRecord
from bot.digest.period import Period
from tests.digest.story import AS_OF, HISTORY, jst

MIN = 60.0


@pytest.fixture
def figures() -> DigestFigures:
    return compute_figures(HISTORY, Period.day(date(2026, 11, 26)), "Asia/Tokyo", AS_OF)


def test_volumes_and_outcomes(figures: DigestFigures) -> None:
    c = figures.current
    assert (c.received, c.automatic) == (7, 1)
    assert (c.answered_auto, c.answered_agent, c.no_reply, c.waiting) == (1, 3, 2, 1)
    assert c.auto_share == pytest.approx(1 / 7)


def test_first_response_median_and_90th_percentile(figures: DigestFigures) -> None:
    c = figures.current
    assert c.response_seconds == (30.0, 60 * MIN, 90 * MIN, 420 * MIN)
    assert c.response_median == 75 * MIN
    assert c.response_p90 == 420 * MIN
    assert (c.agent_response_median, c.agent_response_p90) == (90 * MIN, 420 * MIN)


def test_deadlines_met_and_missed_with_the_missed_listed(figures: DigestFigures) -> None:
    c = figures.current
    assert (c.deadlines_due, c.deadlines_met, c.deadlines_missed) == (4, 2, 2)
    assert figures.missed == (
        MissedDeadline(3, "返品したいです", None, jst(26, 17), jst(26, 18), 60 * MIN),
        MissedDeadline(
            6, "まだ届きません", "249-1000006-0000006", jst(26, 20), None, 13 * 60 * MIN
        ),
    )


def test_replies_and_send_failures_come_from_the_outbox(figures: DigestFigures) -> None:
    c = figures.current
    assert (c.replies_bot, c.replies_agent, c.send_failures) == (1, 3, 1)


def test_open_tickets_with_the_time_left(figures: DigestFigures) -> None:
    assert figures.open_tickets == (
        OpenTicket(
            6, "まだ届きません", "249-1000006-0000006", jst(26, 20), -13 * 3600.0, False, True
        ),
        OpenTicket(10, "支払い方法について", None, jst(27, 14), 5 * 3600.0, False, False),
    )


def test_intents_most_frequent_first_then_in_contract_order(figures: DigestFigures) -> None:
    assert figures.intents == (
        ("shipping_status", 2),
        ("not_received", 1),
        ("cancel", 1),
        ("return_refund", 1),
        ("defective", 1),
        ("thanks", 1),
    )


def test_angry_and_claim_risk_tickets(figures: DigestFigures) -> None:
    assert figures.at_risk == (
        RiskTicket(2, "商品が壊れていました", "249-1000002-0000002", True, False, False),
        RiskTicket(6, "まだ届きません", "249-1000006-0000006", False, True, True),
    )


def test_the_previous_period_for_the_comparison(figures: DigestFigures) -> None:
    p = figures.previous
    assert (p.received, p.answered_auto, p.answered_agent, p.no_reply, p.waiting) == (2, 1, 1, 0, 0)
    assert p.response_median == 240.5 * MIN
    assert (p.deadlines_met, p.deadlines_missed) == (1, 1)
    assert p.auto_share == 0.5


def test_the_chart_has_a_week_of_days_ending_with_the_period(figures: DigestFigures) -> None:
    days = figures.days
    assert [d.day for d in days] == [date(2026, 11, 20) + timedelta(days=i) for i in range(7)]
    assert [d.total for d in days] == [0, 0, 0, 0, 0, 2, 7]
    last = days[-1]
    assert (last.auto, last.agent, last.no_reply, last.waiting) == (1, 3, 2, 1)
    assert (days[-2].median_seconds, last.median_seconds) == (240.5 * MIN, 75 * MIN)
    assert days[0].median_seconds is None


def test_a_weekly_period_counts_the_whole_week() -> None:
    figures = compute_figures(HISTORY, Period.week(date(2026, 11, 20)), "Asia/Tokyo", AS_OF)
    assert figures.current.received == 9
    assert (figures.current.deadlines_met, figures.current.deadlines_missed) == (3, 3)
    assert len(figures.days) == 7


def test_days_follow_the_sellers_time_zone() -> None:
    # The UTC day of the 26th runs from 09:00 JST on the 26th to 09:00 JST on the 27th: it
    # takes in M11 (08:00 JST on the 27th) and still holds M1 (09:00 JST = 00:00 UTC).
    day = Period.day(date(2026, 11, 26))
    assert compute_figures(HISTORY, day, "Asia/Tokyo", AS_OF).current.received == 7
    assert compute_figures(HISTORY, day, "UTC", AS_OF).current.received == 8
    before = Period.day(date(2026, 11, 25))
    assert compute_figures(HISTORY, before, "UTC", AS_OF).current.received == 2


def test_an_empty_history_gives_zeros_and_no_times() -> None:
    from bot.digest.history import History

    figures = compute_figures(History(), Period.day(date(2026, 11, 26)), "Asia/Tokyo", AS_OF)
    assert figures.current.received == 0
    assert figures.current.auto_share is None
    assert figures.current.response_median is None and figures.current.response_p90 is None
    assert figures.missed == figures.open_tickets == figures.at_risk == ()


def test_median_and_nearest_rank_percentile() -> None:
    assert median([]) is None and percentile([], 90) is None
    assert median([3, 1, 2]) == 2 and median([4, 1, 3, 2]) == 2.5
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 90) == 9
    assert percentile(values, 91) == 10
    assert percentile([5], 90) == 5


def test_a_deadline_closed_exactly_at_its_due_time_is_met() -> None:
    due = jst(26, 16)
    on_time = DeadlineRecord(1, 1, 1, jst(26, 10), due, due, "replied_agent")
    late = DeadlineRecord(2, 1, 2, jst(26, 10), due, due + timedelta(seconds=1), "replied_agent")
    open_ = DeadlineRecord(3, 1, 3, jst(26, 10), due)
    assert deadline_state(on_time, AS_OF) == "met"
    assert deadline_state(late, AS_OF) == "missed"
    assert deadline_state(open_, jst(26, 15)) == "pending"
    assert deadline_state(open_, jst(26, 16, 0, 1)) == "missed"
