"""The digest's numbers, as pure functions of a :class:`History` (no store, no clock).

Definitions (the seller reads these, so they are kept simple and stated once):

* **received** — buyer mails that arrived in the period, automatic mails (auto-replies,
  bounces) counted apart as ``automatic``.
* **outcome** of each received mail, as of the moment the digest is made: ``auto`` (its
  deadline was closed by the bot's reply), ``agent`` (closed by an agent's reply), ``no_reply``
  (nothing to answer, or closed without a reply) or ``waiting``.
* **first-response time** — for each mail that needed an answer and arrived in the period,
  the time from its arrival to the first reply that closed its deadline. Median, and the
  90th percentile by nearest rank (the smallest time that 90 % of mails were answered within).
* **deadlines** — those *due* in the period: ``met`` when closed by the due time, ``missed``
  when closed later or still open after it. Deadlines not yet due are not counted.
* **open tickets** — tickets with a deadline still open when the digest is made, with the time
  left to the earliest one (negative when overdue).
* **at risk** — tickets that received mail in the period and are flagged angry or claim risk.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.digest.history import DeadlineRecord, History, MailRecord, TicketRecord
from bot.digest.period import Period, day_of
from bot.intents import INTENTS

OUTCOMES = ("auto", "agent", "no_reply", "waiting")
_REPLY_REASONS = {"replied_bot": "auto", "replied_agent": "agent"}


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return float(statistics.median(values)) if values else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with ``pct`` % of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def _closed_by(deadline: DeadlineRecord, as_of: datetime) -> bool:
    return deadline.closed_at is not None and deadline.closed_at <= as_of


def outcome_of(
    mail: MailRecord,
    deadline: DeadlineRecord | None,
    ticket: TicketRecord | None,
    as_of: datetime,
) -> str:
    """What became of one received mail by ``as_of``: auto, agent, no_reply or waiting."""
    if deadline is not None:
        if _closed_by(deadline, as_of):
            return _REPLY_REASONS.get(deadline.close_reason or "", "no_reply")
        return "waiting"
    if mail.decision == "none":
        return "no_reply"
    # handed over without a deadline (processing failed): trust the ticket's state
    if ticket is not None and ticket.status in ("answered", "closed"):
        return "agent"
    return "waiting"


def deadline_state(deadline: DeadlineRecord, as_of: datetime) -> str:
    """``met``, ``missed`` or ``pending`` (not due yet and still open) as of ``as_of``."""
    if _closed_by(deadline, as_of):
        assert deadline.closed_at is not None
        return "met" if deadline.closed_at <= deadline.due_at else "missed"
    return "missed" if deadline.due_at < as_of else "pending"


def response_seconds(deadline: DeadlineRecord, as_of: datetime) -> float | None:
    """Seconds from the mail's arrival to the reply that closed its deadline, if one did."""
    if not _closed_by(deadline, as_of) or deadline.close_reason not in _REPLY_REASONS:
        return None
    assert deadline.closed_at is not None
    return (deadline.closed_at - deadline.opened_at).total_seconds()


@dataclass(frozen=True)
class Totals:
    """The headline numbers of one period."""

    received: int = 0
    automatic: int = 0
    answered_auto: int = 0
    answered_agent: int = 0
    no_reply: int = 0
    waiting: int = 0
    response_seconds: tuple[float, ...] = ()
    agent_response_seconds: tuple[float, ...] = ()
    deadlines_met: int = 0
    deadlines_missed: int = 0
    replies_bot: int = 0
    replies_agent: int = 0
    send_failures: int = 0

    @property
    def deadlines_due(self) -> int:
        """Deadlines due in the period that are decided (met or missed)."""
        return self.deadlines_met + self.deadlines_missed

    @property
    def auto_share(self) -> float | None:
        """Share of received mails the bot answered by itself (0..1), None without mail."""
        return self.answered_auto / self.received if self.received else None

    @property
    def response_median(self) -> float | None:
        """Median first-response time in seconds."""
        return median(self.response_seconds)

    @property
    def response_p90(self) -> float | None:
        """90th-percentile first-response time in seconds."""
        return percentile(self.response_seconds, 90)

    @property
    def agent_response_median(self) -> float | None:
        """Median first-response time of the mails agents answered, in seconds."""
        return median(self.agent_response_seconds)

    @property
    def agent_response_p90(self) -> float | None:
        """90th-percentile first-response time of agents' answers, in seconds."""
        return percentile(self.agent_response_seconds, 90)


@dataclass(frozen=True)
class MissedDeadline:
    """A deadline due in the period that was not met."""

    ticket_id: int
    subject: str
    order_id: str | None
    due_at: datetime
    replied_at: datetime | None  # None: still unanswered when the digest was made
    late_seconds: float
    mails: int = 1  # missed deadlines of this ticket in the period (one per buyer mail)


@dataclass(frozen=True)
class OpenTicket:
    """A ticket still waiting for its answer when the digest was made."""

    ticket_id: int
    subject: str
    order_id: str | None
    due_at: datetime
    seconds_left: float  # negative when overdue
    angry: bool
    claim_risk: bool


@dataclass(frozen=True)
class RiskTicket:
    """A ticket flagged angry or at risk of a claim that had mail in the period."""

    ticket_id: int
    subject: str
    order_id: str | None
    angry: bool
    claim_risk: bool
    waiting: bool  # still waiting for an answer when the digest was made


@dataclass(frozen=True)
class DayVolume:
    """One day of the chart: received mails by outcome, and that day's median response."""

    day: date  # a local day in the digest's time zone
    auto: int
    agent: int
    no_reply: int
    waiting: int
    median_seconds: float | None

    @property
    def total(self) -> int:
        """All received mails of the day."""
        return self.auto + self.agent + self.no_reply + self.waiting


@dataclass(frozen=True)
class DigestFigures:
    """Everything a digest shows, in every language."""

    period: Period
    tz: str
    as_of: datetime
    current: Totals
    previous: Totals
    missed: tuple[MissedDeadline, ...]
    open_tickets: tuple[OpenTicket, ...]
    intents: tuple[tuple[str, int], ...]
    at_risk: tuple[RiskTicket, ...]
    days: tuple[DayVolume, ...]


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def totals(history: History, start: datetime, end: datetime, as_of: datetime) -> Totals:
    """The headline numbers of ``[start, end)`` as known at ``as_of``."""
    by_message = {d.message_id: d for d in history.deadlines if d.message_id is not None}
    outcomes: Counter[str] = Counter()
    automatic = 0
    for mail in history.mails:
        if not _in(mail.received_at, start, end):
            continue
        if mail.is_auto:
            automatic += 1
            continue
        ticket = history.tickets.get(mail.ticket_id)
        outcomes[outcome_of(mail, by_message.get(mail.id), ticket, as_of)] += 1
    responses: list[float] = []
    agent_responses: list[float] = []
    met = missed = 0
    for deadline in history.deadlines:
        if _in(deadline.opened_at, start, end):
            seconds = response_seconds(deadline, as_of)
            if seconds is not None:
                responses.append(seconds)
                if deadline.close_reason == "replied_agent":
                    agent_responses.append(seconds)
        if _in(deadline.due_at, start, end):
            state = deadline_state(deadline, as_of)
            met += state == "met"
            missed += state == "missed"
    sent = [r for r in history.replies if r.state == "sent" and _in(r.sent_at, start, end)]
    failed = [r for r in history.replies if r.state == "failed" and _in(r.created_at, start, end)]
    return Totals(
        received=sum(outcomes.values()),
        automatic=automatic,
        answered_auto=outcomes["auto"],
        answered_agent=outcomes["agent"],
        no_reply=outcomes["no_reply"],
        waiting=outcomes["waiting"],
        response_seconds=tuple(sorted(responses)),
        agent_response_seconds=tuple(sorted(agent_responses)),
        deadlines_met=met,
        deadlines_missed=missed,
        replies_bot=sum(1 for r in sent if r.author == "bot"),
        replies_agent=sum(1 for r in sent if r.author != "bot"),
        send_failures=len(failed),
    )


def missed_deadlines(
    history: History, start: datetime, end: datetime, as_of: datetime
) -> tuple[MissedDeadline, ...]:
    """Tickets with a deadline due in ``[start, end)`` that was missed, earliest first.

    A ticket appears once, with its earliest missed deadline and how many it missed.
    """
    by_ticket: dict[int, list[DeadlineRecord]] = {}
    for d in history.deadlines:
        if _in(d.due_at, start, end) and deadline_state(d, as_of) == "missed":
            by_ticket.setdefault(d.ticket_id, []).append(d)
    out = []
    for ticket_id, missed in by_ticket.items():
        first = min(missed, key=lambda d: (d.due_at, d.id))
        replied = first.closed_at if _closed_by(first, as_of) else None
        ticket = history.tickets.get(ticket_id)
        out.append(
            MissedDeadline(
                ticket_id=ticket_id,
                subject=ticket.subject if ticket else "",
                order_id=ticket.order_id if ticket else None,
                due_at=first.due_at,
                replied_at=replied,
                late_seconds=((replied or as_of) - first.due_at).total_seconds(),
                mails=len(missed),
            )
        )
    return tuple(sorted(out, key=lambda m: (m.due_at, m.ticket_id)))


def open_tickets(history: History, as_of: datetime) -> tuple[OpenTicket, ...]:
    """Tickets with a deadline open at ``as_of``, the most urgent first."""
    earliest: dict[int, DeadlineRecord] = {}
    for d in history.deadlines:
        if d.opened_at > as_of or _closed_by(d, as_of):
            continue
        known = earliest.get(d.ticket_id)
        if known is None or d.due_at < known.due_at:
            earliest[d.ticket_id] = d
    out = []
    for ticket_id, d in earliest.items():
        ticket = history.tickets.get(ticket_id)
        out.append(
            OpenTicket(
                ticket_id=ticket_id,
                subject=ticket.subject if ticket else "",
                order_id=ticket.order_id if ticket else None,
                due_at=d.due_at,
                seconds_left=(d.due_at - as_of).total_seconds(),
                angry=bool(ticket and ticket.angry),
                claim_risk=bool(ticket and ticket.claim_risk),
            )
        )
    return tuple(sorted(out, key=lambda t: (t.due_at, t.ticket_id)))


def intent_counts(history: History, start: datetime, end: datetime) -> tuple[tuple[str, int], ...]:
    """Received (non-automatic) mails by intent, most frequent first."""
    counts = Counter(
        m.intent or "other"
        for m in history.mails
        if not m.is_auto and _in(m.received_at, start, end)
    )
    order = {name: i for i, name in enumerate(INTENTS)}
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99), kv[0])))


def at_risk(
    history: History, start: datetime, end: datetime, as_of: datetime
) -> tuple[RiskTicket, ...]:
    """Tickets with mail in the period that are flagged angry or claim risk."""
    angry_mail: dict[int, bool] = {}
    for m in history.mails:
        if not m.is_auto and _in(m.received_at, start, end):
            angry_mail[m.ticket_id] = angry_mail.get(m.ticket_id, False) or m.angry
    waiting = {t.ticket_id for t in open_tickets(history, as_of)}
    out = []
    for ticket_id, mail_angry in sorted(angry_mail.items()):
        ticket = history.tickets.get(ticket_id)
        angry = mail_angry or bool(ticket and ticket.angry)
        claim = bool(ticket and ticket.claim_risk)
        if not (angry or claim):
            continue
        out.append(
            RiskTicket(
                ticket_id=ticket_id,
                subject=ticket.subject if ticket else "",
                order_id=ticket.order_id if ticket else None,
                angry=angry,
                claim_risk=claim,
                waiting=ticket_id in waiting,
            )
        )
    return tuple(out)


def daily_volumes(
    history: History, period: Period, tz: str, as_of: datetime
) -> tuple[DayVolume, ...]:
    """One :class:`DayVolume` per day of ``period`` (local days in ``tz``)."""
    by_message = {d.message_id: d for d in history.deadlines if d.message_id is not None}
    counts: dict[date, Counter[str]] = {day: Counter() for day in period.dates()}
    responses: dict[date, list[float]] = {day: [] for day in period.dates()}
    for mail in history.mails:
        day = day_of(mail.received_at, tz)
        if mail.is_auto or day not in counts:
            continue
        ticket = history.tickets.get(mail.ticket_id)
        counts[day][outcome_of(mail, by_message.get(mail.id), ticket, as_of)] += 1
    for d in history.deadlines:
        day = day_of(d.opened_at, tz)
        seconds = response_seconds(d, as_of)
        if day in responses and seconds is not None:
            responses[day].append(seconds)
    out = []
    for day in period.dates():
        c = counts[day]
        out.append(
            DayVolume(
                day=day,
                auto=c["auto"],
                agent=c["agent"],
                no_reply=c["no_reply"],
                waiting=c["waiting"],
                median_seconds=median(responses[day]),
            )
        )
    return tuple(out)


def compute_figures(history: History, period: Period, tz: str, as_of: datetime) -> DigestFigures:
    """Every figure of the digest of ``period`` (local days in ``tz``) as known at ``as_of``."""
    start, end = period.bounds(tz)
    prev_start, prev_end = period.previous().bounds(tz)
    return DigestFigures(
        period=period,
        tz=tz,
        as_of=as_of,
        current=totals(history, start, end, as_of),
        previous=totals(history, prev_start, prev_end, as_of),
        missed=missed_deadlines(history, start, end, as_of),
        open_tickets=open_tickets(history, as_of),
        intents=intent_counts(history, start, end),
        at_risk=at_risk(history, start, end, as_of),
        days=daily_volumes(history, period.chart_period(), tz, as_of),
    )
