"""Building realistic buyer mails for tests (the bytes a mailer would send)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from bot.clock import JST

RELAY = "k2x7q9w3e5r1t8y@marketplace.amazon.co.jp"


def buyer_mail(
    body: str,
    *,
    subject: str = "お問い合わせ",
    sender: str = RELAY,
    name: str | None = "山田 太郎",
    to: str = "shop@mirai-zakka.example.jp",
    date: datetime | None = None,
    message_id: str | None = "<buyer-1@mail.example.jp>",
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    charset: str = "utf-8",
) -> bytes:
    """One text/plain buyer mail as raw bytes."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((name, sender), charset="utf-8") if name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 26, 9, 30, tzinfo=JST))
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body, charset=charset)
    return msg.as_bytes()
