"""Is this mail written by a machine? Auto-replies, bounces, receipts and list mail.

A mail that is automatic must never be answered (mail loops, RFC 3834) and opens no
deadline. The first rule that matches gives the reason shown to agents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Anchored or bracketed on purpose: buyers write 「不在票が入っていました」 and
# 「自動返信しか来ません」, which are not auto-replies.
_JP_AUTO_WORDS = (
    r"(?:自動返信|自動応答|自動送信|自動配信|不在通知|不在のお知らせ|配信専用|送信専用|"
    r"配信不能|配信エラー|送信不能|宛先不明)(?:メール)?"
)
_AUTO_SUBJECT = re.compile(
    rf"^[\s【\[（(<＜]*{_JP_AUTO_WORDS}\s*(?:[】\]）)>＞:：\s]|$)"
    rf"|[【\[（(<＜]\s*(?:{_JP_AUTO_WORDS}|不在)\s*[】\]）)>＞]"
    r"|^\s*不在\s*[:：]"
    r"|^[\s\[(【]*(?:auto(?:matic)?[ _-]?(?:reply|response|responder|answer)|autoreply|"
    r"out of (?:the )?office|undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery (?:failed|failure|subsystem)|returned mail|failure notice|"
    r"delivery (?:failure|has failed)|abwesenheitsnotiz|r[ée]ponse automatique)\b",
    re.IGNORECASE,
)
_DAEMON_LOCAL = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?|double-bounce)(?:[+=@]|$)",
    re.IGNORECASE,
)
_AUTO_CONTENT_TYPES = frozenset({"multipart/report", "message/delivery-status"})
_LIST_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


def auto_reason(
    headers: Mapping[str, str],
    from_addr: str | None,
    subject: str,
    content_type: str,
) -> str | None:
    """Why this mail is automatic, or ``None`` when a person wrote it.

    ``headers`` maps lower-case header names to unfolded values (first occurrence);
    ``content_type`` is the top-level MIME type, lower-case.
    """
    submitted = _token(headers.get("auto-submitted"))
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        value = headers.get(name)
        if value is not None and _token(value) not in ("no", "false", "0"):
            return f"{name}: {value.strip()[:40]}"
    suppress = headers.get("x-auto-response-suppress")
    if suppress is not None and _token(suppress) not in ("", "none"):
        return f"X-Auto-Response-Suppress: {suppress.strip()[:40]}"
    precedence = _token(headers.get("precedence"))
    if precedence in _LIST_PRECEDENCE:
        return f"Precedence: {precedence}"
    list_id = headers.get("list-id")
    if list_id is not None and list_id.strip():
        return "mailing list (List-Id)"
    if content_type in _AUTO_CONTENT_TYPES:
        return f"report ({content_type})"
    return_path = headers.get("return-path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "empty Return-Path (bounce)"
    if from_addr and _DAEMON_LOCAL.match(from_addr):
        return f"sender {from_addr.split('@', 1)[0]}"
    match = _AUTO_SUBJECT.search(subject or "")
    if match:
        return f"subject says {match.group(0).strip()!r}"
    return None


def _token(value: str | None) -> str:
    """The first token of a structured header value, lower-case (``auto-replied; x=1``)."""
    if value is None:
        return ""
    return re.split(r"[\s;(]", value.strip(), maxsplit=1)[0].lower()
