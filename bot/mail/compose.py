"""Composing the mails the desk sends: UTF-8, threaded, one ``Re:``, a stable Message-ID."""

from __future__ import annotations

import base64
import hashlib
import re
import string
import unicodedata
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|antw|sv|wg|返信|転送|回复|答复)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
# Amazon sends a subject with half-width [重要] even to buyers who opted out: never echo it.
_IMPORTANT = re.compile(r"\[重要\]\s*")


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` with any pile of earlier ``Re:``/``RE:``/``Ｒｅ：``/``Fwd:`` removed."""
    folded = unicodedata.normalize("NFKC", subject or "")
    # NFKC is applied only to find where the prefixes end; the rest keeps the buyer's characters.
    match = _PREFIX.match(folded)
    rest = subject[len(_unfold_prefix(subject, match.end())) :] if match else subject
    rest = _IMPORTANT.sub("", rest).strip()
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


_WORD_CHROME = len("=?utf-8?b??=")
_QP_AS_IS = b"-!*+/ " + string.ascii_letters.encode() + string.digits.encode()
# What str.splitlines breaks at: the email package folds such values its own way.
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _encoded(value: str, name: str) -> str:
    """A header value as RFC 2047 encoded words when it is not plain ASCII, folded at 78.

    The same text as ``Header(value, "utf-8", header_name=name).encode(linesep="\r\n",
    maxlinelen=78)`` (tests/mail compare them), without its character-by-character
    re-encoding: each word takes as many characters as fit in base64 on its line.
    """
    if value.isascii():
        return value
    first = 78 - len(name) - 2 - _WORD_CHROME  # the first line also holds "Name: "
    raw = value.encode("utf-8")
    # Like the email package: base64 words only when shorter than quoted-printable ones.
    qp_length = len(raw) + 2 * len(raw.translate(None, _QP_AS_IS))
    if first < 8 or -(-len(raw) // 3) * 4 >= qp_length or _LINE_BREAKS.search(value):
        return Header(value, "utf-8", header_name=name).encode(linesep="\r\n", maxlinelen=78)
    words: list[str] = []
    limit, start, size = first, 0, 0
    for i, char in enumerate(value):
        n = len(char.encode("utf-8"))
        if -(-(size + n) // 3) * 4 > limit:
            words.append(value[start:i])
            limit, start, size = 78 - 1 - _WORD_CHROME, i, 0  # a folded line starts with " "
        size += n
    words.append(value[start:])
    return "\r\n ".join(
        f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words
    )


def _folded(name: str, words: list[str]) -> str:
    """``Name: w1 w2 ...`` folded before a word that would pass 78 characters."""
    lines = [f"{name}:"]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > 78 and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += f" {word}"
    return "\r\n".join(lines)


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
    """The bytes of one outgoing text mail (UTF-8 text in base64, CRLF line ends).

    Replies written by the bot carry ``Auto-Submitted: auto-replied`` (RFC 3834) and ask
    other robots not to answer; replies written by agents do not. The headers are written
    directly (the email package's policy machinery costs milliseconds per mail).
    """
    for value in (
        from_name,
        from_addr,
        to,
        subject,
        message_id,
        in_reply_to or "",
        *(references or []),
    ):
        if "\r" in value or "\n" in value:
            raise ValueError("a header value must not contain a line break")
    name = _encoded(from_name, "From") if from_name else ""
    if from_name and from_name.isascii():
        name = formataddr((from_name, from_addr)).rsplit(" <", 1)[0]  # quotes specials
    lines = [
        f"From: {name} <{from_addr}>" if name else f"From: {from_addr}",
        f"To: {to}",
        f"Subject: {_encoded(subject, 'Subject')}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: {message_id}",
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    refs = thread_references(references or [], in_reply_to)
    if refs:
        lines.append(_folded("References", refs))
    if automatic:
        lines += ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"]
    lines += [
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
    ]
    text = body.replace("\r\n", "\n").rstrip("\n").replace("\n", "\r\n") + "\r\n"
    encoded = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + encoded
