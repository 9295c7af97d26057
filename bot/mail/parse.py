"""Raw bytes → :class:`BuyerMail`. First version on the standard library; never raises."""

from __future__ import annotations

import email
import email.policy
import email.utils
from email.message import EmailMessage

from bot.mail.message import Attachment, BuyerMail


def _addresses(value: str | None) -> list[str]:
    return [a.lower() for _, a in email.utils.getaddresses([value or ""]) if a]


def parse_mail(raw: bytes) -> BuyerMail:
    """Decode a raw RFC 5322 message; problems become ``defects``, never exceptions."""
    defects: list[str] = []
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        subject = str(msg.get("subject", "") or "")
        from_pairs = email.utils.getaddresses([str(msg.get("from", "") or "")])
        from_name, from_addr = from_pairs[0] if from_pairs else ("", "")
        body = msg.get_body(preferencelist=("plain", "html"))
        text = ""
        charsets: list[str] = []
        if body is not None:
            text = str(body.get_content())
            charsets.append(body.get_content_charset() or "us-ascii")
        attachments = [
            Attachment(
                part.get_filename(),
                part.get_content_type(),
                len(part.get_payload(decode=True) or b""),
            )
            for part in msg.iter_attachments()
        ]
        date = None
        if msg.get("date"):
            try:
                date = email.utils.parsedate_to_datetime(str(msg["date"]))
            except (TypeError, ValueError):
                defects.append("unreadable Date header")
        refs = str(msg.get("references", "") or "").split()
        auto = str(msg.get("auto-submitted", "no")).lower() not in ("no", "")
        defects.extend(type(d).__name__ for d in msg.defects)
        return BuyerMail(
            message_id=str(msg.get("message-id") or "").strip() or None,
            in_reply_to=str(msg.get("in-reply-to") or "").strip() or None,
            references=refs,
            from_addr=from_addr.lower() or None,
            from_name=from_name or None,
            reply_to=next(iter(_addresses(str(msg.get("reply-to") or ""))), None),
            to=_addresses(str(msg.get("to") or "")),
            subject=subject,
            date=date,
            text=text,
            new_text="\n".join(line for line in text.splitlines() if not line.startswith(">")),
            is_auto=auto,
            attachments=attachments,
            charsets=charsets,
            defects=defects,
        )
    except Exception as exc:  # the parse stage must never lose a mail
        return BuyerMail(
            message_id=None,
            in_reply_to=None,
            references=[],
            from_addr=None,
            from_name=None,
            reply_to=None,
            to=[],
            subject="",
            date=None,
            text=raw.decode("utf-8", "replace"),
            new_text="",
            is_auto=False,
            defects=[*defects, f"unparseable: {type(exc).__name__}: {exc}"],
        )
