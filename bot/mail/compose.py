"""Composing the mails the desk sends: UTF-8, threaded, one ``Re:``, a stable Message-ID."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|wg|返信|転送|回复|答复)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` with any pile of earlier ``Re:``/``RE:``/``Ｒｅ：``/``Fwd:`` removed."""
    folded = unicodedata.normalize("NFKC", subject or "")
    # NFKC is applied only to find where the prefixes end; the rest keeps the buyer's characters.
    match = _PREFIX.match(folded)
    rest = subject[len(_unfold_prefix(subject, match.end())) :] if match else subject
    rest = rest.strip()
    return f"Re: {rest}" if rest else "Re: お問い合わせの件"


def _unfold_prefix(subject: str, folded_end: int) -> str:
    """The prefix of ``subject`` whose NFKC form is ``folded_end`` characters long."""
    for i in range(len(subject) + 1):
        if len(unicodedata.normalize("NFKC", subject[:i])) >= folded_end:
            return subject[:i]
    return subject


def make_message_id(seed: str, domain: str) -> str:
    """A Message-ID derived from ``seed`` (the same seed always gives the same id)."""
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
    return f"<madoguchi.{digest}@{domain}>"


def thread_references(references: list[str], in_reply_to: str | None, limit: int = 20) -> list[str]:
    """The References of a reply: the parent's references plus the parent, newest last."""
    refs = [r for r in references if r]
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    return refs[-limit:]


def compose(
    *,
    from_name: str,
    from_addr: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    automatic: bool = True,
) -> bytes:
    """The bytes of one outgoing text mail (UTF-8, CRLF line ends).

    Replies written by the bot carry ``Auto-Submitted: auto-replied`` (RFC 3834) and ask
    other robots not to answer; replies written by agents do not.
    """
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((from_name, from_addr), charset="utf-8")
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = thread_references(references or [], in_reply_to)
    if refs:
        msg["References"] = " ".join(refs)
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body, charset="utf-8", cte="base64")
    return msg.as_bytes()
