"""Reply deadlines: when each buyer mail must be answered, and the reminders before that.

Policies: ``csba`` (6 h around the clock), ``amazon`` (24 h around the clock, weekends and
holidays included), ``business`` (a target counted in the shop's opening hours, skipping
Japanese public holidays and the shop's own closed days). See ``calendar`` for the arithmetic,
``ledger`` for opening and closing them in the store and ``reminders`` for the ladder.
"""

from bot.deadlines.calendar import POLICIES, POLICY_HOURS, BusinessCalendar, due_at
from bot.deadlines.ledger import close_deadlines, earliest_open_deadline, open_deadline

__all__ = [
    "POLICIES",
    "POLICY_HOURS",
    "BusinessCalendar",
    "close_deadlines",
    "due_at",
    "earliest_open_deadline",
    "open_deadline",
]
