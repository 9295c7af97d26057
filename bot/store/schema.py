"""The store's tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create them.

Every stage of the flow reads its work from here and writes its result here, so any process
can stop at any point and another can carry on. Work is *claimed* in the store
(``claimed_by`` / ``claimed_until`` leases, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), never
held only in one process's memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored as naive UTC and always come back timezone-aware (UTC).

    SQLite has no time zones; keeping one convention on both databases keeps comparisons
    and arithmetic the same everywhere.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        if value.tzinfo is UTC:  # the usual case: no conversion needed
            return value.replace(tzinfo=None)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite returns text for some expressions
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


class CleanText(TypeDecorator[str]):
    """Text that may come from a buyer: NUL characters (which PostgreSQL rejects) become ␀."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value.replace("\x00", "\u2400") if value else value


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _claim_columns() -> list[Column[Any]]:
    """Lease columns of every table whose rows are work items."""
    return [
        Column("claimed_by", String(200)),
        Column("claimed_until", UTCDateTime()),
        Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    ]


mailboxes = Table(
    "mailboxes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    # IMAP checkpoint: everything above last_uid under this uidvalidity is new.
    Column("uidvalidity", BigInteger),
    Column("last_uid", BigInteger),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

raw_mails = Table(
    "raw_mails",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mailbox_id", ForeignKey("mailboxes.id"), nullable=False),
    # Where the bytes came from: a Maildir file name, or "uidvalidity:uid" for IMAP.
    Column("source_key", String(500), nullable=False),
    Column("uid", BigInteger),
    Column("uidvalidity", BigInteger),
    Column("sha256", String(64), nullable=False),
    Column("message_id", String(998)),
    Column("raw", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    # received → done | duplicate | failed
    Column("state", String(20), nullable=False, default="received"),
    Column("error", CleanText()),
    Column("processed_at", UTCDateTime()),
    *_claim_columns(),
    UniqueConstraint("mailbox_id", "source_key"),
    Index("ix_raw_mails_state_id", "state", "id"),
    Index("ix_raw_mails_sha256", "sha256"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mailbox_id", ForeignKey("mailboxes.id")),
    Column("buyer_address", String(320)),
    Column("buyer_name", CleanText()),
    Column("subject", CleanText(), nullable=False, default=""),
    Column("order_id", String(100)),
    # open → waiting (handed to agents) → answered → closed; "no_reply" when nothing to answer
    Column("status", String(20), nullable=False, default="open"),
    Column("intent", String(40)),
    Column("angry", Boolean, nullable=False, default=False),
    Column("claim_risk", Boolean, nullable=False, default=False),
    Column("language", String(10), nullable=False, default="ja"),
    Column("assignee", String(100)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("last_inbound_at", UTCDateTime()),
    Column("first_response_at", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
    Index("ix_tickets_buyer_status", "buyer_address", "status"),
    Index("ix_tickets_order_id", "order_id"),
    Index("ix_tickets_created_at", "created_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False),
    Column("raw_mail_id", ForeignKey("raw_mails.id"), unique=True),
    Column("direction", String(3), nullable=False),  # "in" or "out"
    # One message per Message-ID, however many times and mailboxes deliver it.
    Column("message_id", String(998), unique=True),
    Column("in_reply_to", String(998)),
    Column("references", JSON, nullable=False, default=list),
    Column("from_addr", String(320)),
    Column("from_name", CleanText()),
    Column("to_addrs", JSON, nullable=False, default=list),
    Column("subject", CleanText(), nullable=False, default=""),
    Column("sent_at", UTCDateTime()),
    Column("text", CleanText(), nullable=False, default=""),
    Column("new_text", CleanText(), nullable=False, default=""),
    Column("is_auto", Boolean, nullable=False, default=False),
    Column("auto_reason", Text),
    Column("attachments", JSON, nullable=False, default=list),
    Column("charsets", JSON, nullable=False, default=list),
    Column("defects", JSON, nullable=False, default=list),
    Column("intent", String(40)),
    Column("confidence", Float),
    Column("angry", Boolean),
    Column("action", String(20)),
    Column("understanding", JSON),
    Column("author", String(100)),  # "buyer", "bot" or "agent:<slack user>"
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_messages_ticket_id", "ticket_id", "id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("buyer_email", String(320)),
    Column("status", String(20), nullable=False),
    Column("items", Text),
    Column("shipped_at", UTCDateTime()),
    Column("promised_from", Date),
    Column("promised_to", Date),
    Column("imported_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_orders_buyer_email", "buyer_email"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(100), nullable=False),
    Column("shipped_at", UTCDateTime()),
    # What the carrier says, when known (in_transit, delivered, ...).
    Column("status", String(40)),
    Column("delivered_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("order_id", "tracking_number"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    # One decision per inbound message: re-running the stage cannot decide twice.
    Column("message_id", ForeignKey("messages.id"), nullable=False, unique=True),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # reply | handoff | none
    Column("intent", String(40)),
    Column("handler", String(200)),
    Column("template", String(200)),
    Column("reason", Text, nullable=False, default=""),
    Column("draft", CleanText()),
    Column("facts", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime(), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # NULL for mail to the seller (digests), which belongs to no buyer's ticket.
    Column("ticket_id", ForeignKey("tickets.id"), nullable=True),
    Column("decision_id", ForeignKey("decisions.id")),
    # Deterministic per entry and written before sending: the key for exactly-once.
    Column("message_id", String(998), nullable=False, unique=True),
    Column("mail_from", String(320), nullable=False),
    Column("rcpt_to", JSON, nullable=False),
    Column("subject", CleanText(), nullable=False),
    Column("body", CleanText(), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("author", String(100), nullable=False),  # "bot" or "agent:<slack user>"
    # held (undo window) → pending → sending → sent | failed | cancelled
    Column("state", String(20), nullable=False, default="pending"),
    Column("not_before", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    *_claim_columns(),
    Index("ix_outbox_state_not_before", "state", "not_before"),
    # The per-sender limit on automatic replies counts a ticket's recent entries for every mail.
    Index("ix_outbox_ticket_id_created_at", "ticket_id", "created_at"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False),
    Column("message_id", ForeignKey("messages.id"), unique=True),
    Column("policy", String(20), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("close_reason", String(40)),  # replied_bot | replied_agent | no_reply_needed | closed
    Column("breached_at", UTCDateTime()),
    Index("ix_deadlines_open_due", "closed_at", "due_at"),
    Index("ix_deadlines_ticket_id", "ticket_id"),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deadline_id", ForeignKey("deadlines.id"), nullable=False),
    Column("minutes_before", Integer, nullable=False),  # 0 = at breach
    Column("fire_at", UTCDateTime(), nullable=False),
    Column("state", String(20), nullable=False, default="pending"),  # pending | sent | cancelled
    Column("sent_at", UTCDateTime()),
    *_claim_columns(),
    UniqueConstraint("deadline_id", "minutes_before"),
    Index("ix_reminders_state_fire_at", "state", "fire_at"),
)

slack_threads = Table(
    "slack_threads",
    metadata,
    Column("ticket_id", ForeignKey("tickets.id"), primary_key=True),
    Column("channel", String(40), nullable=False),
    Column("thread_ts", String(40), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel", "thread_ts"),
)

slack_outbox = Table(
    "slack_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id")),
    # card | card_update | thread_message | ephemeral | digest
    Column("kind", String(20), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(20), nullable=False, default="pending"),  # pending | done | failed
    Column("not_before", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    *_claim_columns(),
    Index("ix_slack_outbox_state_id", "state", "id"),
    # The Slack worker posts each ticket's rows in order: "is an earlier row still pending?"
    Index("ix_slack_outbox_ticket_id_state", "ticket_id", "state"),
)

slack_events = Table(
    "slack_events",
    metadata,
    # Slack retries deliveries; the first insert wins and later copies are ignored.
    Column("event_key", String(200), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(20), nullable=False, default="received"),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    Column("last_error", Text),
    *_claim_columns(),
    Index("ix_slack_events_state_received_at", "state", "received_at"),
)

job_runs = Table(
    "job_runs",
    metadata,
    # One row per scheduled run (e.g. "digest:daily:2026-11-27:zh"): inserting it is the claim.
    Column("key", String(200), primary_key=True),
    Column("claimed_by", String(200), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    Column("result", JSON),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("ticket_id", Integer),
    Column("raw_mail_id", Integer),
    Column("actor", String(100)),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_events_ticket_id", "ticket_id"),
    Index("ix_events_at", "at"),
)
