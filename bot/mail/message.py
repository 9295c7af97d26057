"""``BuyerMail``: what the parse stage makes of a buyer's raw message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Attachment:
    """One attachment as listed to agents (the bytes stay in the raw mail)."""

    filename: str | None
    content_type: str
    size: int

    def to_json(self) -> dict[str, Any]:
        """The attachment as the parse contract and the store list it."""
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


@dataclass(frozen=True)
class BuyerMail:
    """A decoded buyer mail. Built by :func:`bot.mail.parse.parse_mail` from raw bytes.

    ``text`` is the whole decoded text body (HTML turned into text when there is no plain
    part); ``new_text`` is the part the buyer wrote this time, without quotes and signature.
    ``from_addr`` and the addresses in ``to`` are bare addresses, lower-cased; ``from_name`` is
    the decoded display name. ``message_id``/``in_reply_to`` keep their angle brackets.
    ``date`` is timezone-aware (+09:00 assumed when the header has no zone).
    ``is_auto`` marks auto-replies, bounces, receipts and list mail, ``auto_reason`` says why.
    ``charsets`` lists the codec each text part and non-ASCII header was actually decoded as
    (``cp50220`` for every ISO-2022-JP label, ``cp932`` for every Shift_JIS label);
    ``defects`` says, in words, everything that had to be guessed, repaired or skipped.
    """

    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_addr: str | None
    from_name: str | None
    reply_to: str | None
    to: list[str]
    subject: str
    date: datetime | None
    text: str
    new_text: str
    is_auto: bool
    auto_reason: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    charsets: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @property
    def reply_address(self) -> str | None:
        """Where an answer goes: Reply-To when given, else From (relay addresses as they are)."""
        return self.reply_to or self.from_addr

    def to_contract(self) -> dict[str, Any]:
        """The ``madoguchi parse`` JSON object of the design doc's fixed contract."""
        return {
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "from": self.from_addr,
            "to": list(self.to),
            "subject": self.subject,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "new_text": self.new_text,
            "is_auto": self.is_auto,
            "attachments": [a.to_json() for a in self.attachments],
            "charsets": list(self.charsets),
            "defects": list(self.defects),
        }
