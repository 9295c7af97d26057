"""Raw bytes → :class:`BuyerMail`. Never raises: what cannot be read becomes a defect.

The standard library splits the MIME structure (``compat32`` keeps every header and body
as the original bytes); all decoding is ours (:mod:`bot.mail.charsets`,
:mod:`bot.mail.headers`), because the stdlib's decoding loses CP50220, CP932 and
mislabelled Japanese mail (``domain.md`` §1).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field, replace
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any

from bot.mail.autoreply import auto_reason
from bot.mail.charsets import decode_bytes
from bot.mail.headers import (
    HeaderText,
    decode_subject,
    message_id,
    message_ids,
    parse_addresses,
    parse_date,
    parse_params,
    raw_bytes,
    unfold,
)
from bot.mail.html import html_to_text
from bot.mail.message import Attachment, BuyerMail
from bot.mail.quotes import new_text

_MAX_DEPTH = 64  # real mail nests a handful of levels; deeper is an attack or a loop
_MAX_PARTS = 1000
_BASE64_NOISE = re.compile(rb"[^A-Za-z0-9+/=]")
_WHITESPACE = re.compile(rb"\s+")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
_NEWLINES = re.compile(r"\r\n?")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# A header line whose name holds spaces or tabs (legal names are %d33-57 / %d59-126).
_BAD_HEADER_NAME = re.compile(rb"(^|\n)(?!From )([\x21-\x39\x3b-\x7e]+[ \t][^:\r\n]*)(?=:)")

# What the stdlib's defect classes mean, in words an agent understands.
_STDLIB_DEFECTS = {
    "NoBoundaryInMultipartDefect": "multipart without a boundary: body read as one part",
    "StartBoundaryNotFoundDefect": "multipart boundary never found: body read as one part",
    "CloseBoundaryNotFoundDefect": "multipart not closed (truncated mail?)",
    "FirstHeaderLineIsContinuationDefect": "first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "mbox 'From ' line inside the headers",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "MalformedHeaderDefect": "malformed header line",
    "MultipartInvariantViolationDefect": "multipart content type but no parts",
    "InvalidMultipartContentTransferEncodingDefect": "multipart with a transfer encoding",
    "InvalidHeaderDefect": "invalid header",
}


@dataclass
class _Body:
    """What the walk over the MIME tree collects."""

    texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    charsets: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parts: int = 0


def parse_mail(raw: bytes) -> BuyerMail:
    """Decode a raw RFC 5322 message; problems become ``defects``, never exceptions."""
    try:
        return _parse(bytes(raw))
    except Exception as exc:  # the parse stage must never lose a mail
        return _unparsed(raw, f"unparseable mail ({type(exc).__name__}); raw text shown")


def _parse(raw: bytes) -> BuyerMail:
    if not raw.strip():
        return _empty(["empty mail"])
    defects: list[str] = []
    raw = _repair_header_names(raw, defects)
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    except RecursionError:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        defects.append("MIME structure too deeply nested to parse: body shown as raw text")
    headers = _first_headers(msg)
    charsets: list[str] = []

    def take(info: HeaderText) -> None:
        charsets.extend(info.codecs)
        defects.extend(info.defects)

    subject = decode_subject(_header(msg, "subject"))
    take(subject)
    senders, info = parse_addresses(_header(msg, "from"), "From")
    take(info)
    recipients, info = parse_addresses(_header(msg, "to", every=True), "To")
    take(info)
    reply_to, info = parse_addresses(_header(msg, "reply-to"), "Reply-To")
    take(info)
    date, date_defects = parse_date(_header(msg, "date"))
    defects.extend(date_defects)

    body = _Body()
    _walk(msg, body, depth=0)
    defects.extend(_stdlib_defects(msg))
    defects.extend(body.defects)
    text = _NEWLINES.sub("\n", "\n".join(body.texts))
    if "\x00" in text or "\x00" in subject.text:
        defects.append("NUL characters removed from the text")
        text = text.replace("\x00", "")
    from_addr = senders[0].addr if senders else None
    reason = auto_reason(headers, from_addr, subject.text, msg.get_content_type())
    return BuyerMail(
        message_id=message_id(_header(msg, "message-id")),
        in_reply_to=message_id(_header(msg, "in-reply-to")),
        references=message_ids(_header(msg, "references", every=True)),
        from_addr=from_addr,
        from_name=(senders[0].name or None) if senders else None,
        reply_to=reply_to[0].addr if reply_to else None,
        to=[a.addr for a in recipients],
        subject=subject.text.replace("\x00", ""),
        date=date,
        text=text,
        new_text=new_text(text),
        is_auto=reason is not None,
        auto_reason=reason,
        attachments=body.attachments,
        charsets=_unique([*charsets, *body.charsets]),
        defects=_unique(defects),
    )


def _repair_header_names(raw: bytes, defects: list[str]) -> bytes:
    """Make header names with spaces or tabs parseable instead of ending the header block.

    The stdlib takes such a line for the start of the body, which would push every later
    header (Content-Type included) into the text.
    """
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw
    if not _BAD_HEADER_NAME.search(head):
        return raw
    defects.append("header names with spaces repaired")
    fixed = _BAD_HEADER_NAME.sub(lambda m: m.group(1) + re.sub(rb"[ \t]", b"_", m.group(2)), head)
    return fixed + raw[len(head) :]


def _header(msg: Message, name: str, every: bool = False) -> str | None:
    """The raw value(s) of a header, 8-bit bytes still surrogate-escaped."""
    # The part's headers by lower-case name, gathered at the first look (a part is looked at
    # for a dozen names; the parsed message is never changed afterwards).
    index: dict[str, list[Any]] | None = msg.__dict__.get("_madoguchi_headers")
    if index is None:
        index = {}
        for key, value in msg.raw_items():
            index.setdefault(key.lower(), []).append(value)
        msg.__dict__["_madoguchi_headers"] = index
    values = index.get(name)
    if not values:
        return None
    return ", ".join(str(v) for v in values) if every else str(values[0])


def _first_headers(msg: Message) -> dict[str, str]:
    """Lower-case name → unfolded first value, for the auto-reply rules."""
    found: dict[str, str] = {}
    for key, value in msg.raw_items():
        found.setdefault(key.lower(), unfold(str(value)))
    return found


def _walk(part: Message, body: _Body, depth: int) -> None:
    body.parts += 1
    if body.parts > _MAX_PARTS:
        if body.parts == _MAX_PARTS + 1:
            body.defects.append(f"more than {_MAX_PARTS} MIME parts: the rest ignored")
        return
    if depth > _MAX_DEPTH:
        body.defects.append(f"MIME parts nested deeper than {_MAX_DEPTH} levels ignored")
        return
    ctype = part.get_content_type()
    payload = part.get_payload()
    children = [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else None
    if ctype.startswith("multipart/") and children is not None:
        if ctype == "multipart/alternative":
            _walk_alternative(children, body, depth)
        else:
            for child in children:
                _walk(child, body, depth + 1)
        return
    if ctype.startswith("message/") and children is not None:
        body.attachments.append(_attachment(part, body, _message_size(children)))
        return
    if ctype.startswith("multipart/"):
        # No usable boundary (or too deep to split): show the body as text, not lose it.
        _walk_leaf(part, "text/plain", body, as_text=True)
        return
    _walk_leaf(part, ctype, body)


def _walk_alternative(children: list[Message], body: _Body, depth: int) -> None:
    """Render one alternative (plain text first, HTML when plain is missing or empty)."""
    rendered: list[tuple[str, _Body]] = []
    for child in children:
        sub = _Body(parts=body.parts)
        _walk(child, sub, depth + 1)
        body.parts = sub.parts
        rendered.append((_first_text_type(child), sub))
        body.attachments.extend(sub.attachments)  # photos often sit beside the HTML only
    chosen = next((s for t, s in rendered if t == "text/plain" and _has_text(s)), None)
    chosen = chosen or next((s for _, s in rendered if _has_text(s)), None)
    if chosen is None and rendered:
        chosen = rendered[0][1]
    if chosen is not None:
        body.texts.extend(chosen.texts)
        body.charsets.extend(chosen.charsets)
        body.defects.extend(chosen.defects)


def _first_text_type(part: Message) -> str:
    for sub in part.walk():
        ctype = sub.get_content_type()
        if ctype.startswith("text/"):
            return ctype
    return part.get_content_type()


def _has_text(body: _Body) -> bool:
    return any(t.strip() for t in body.texts)


def _walk_leaf(part: Message, ctype: str, body: _Body, as_text: bool = False) -> None:
    disposition, _, _ = parse_params(_header(part, "content-disposition"), "Content-Disposition")
    data = _payload_bytes(part, ctype, body)
    filename = None if as_text else _filename(part, body)
    is_body_text = ctype in ("text/plain", "text/html") or (
        ctype.startswith("text/")
        and ctype not in ("text/rfc822-headers", "text/calendar")
        and filename is None
    )
    if (
        is_body_text
        and disposition != "attachment"
        and (filename is None or disposition == "inline")
    ):
        _, params, _ = parse_params(_header(part, "content-type"), "Content-Type")
        label = params.get("charset")
        if ctype == "text/html" and not label:
            meta = _META_CHARSET.search(data[:4096])
            label = meta.group(1).decode("ascii") if meta else None
        decoded = decode_bytes(data, label, f"{ctype} part")
        body.charsets.append(decoded.codec)
        body.defects.extend(decoded.defects)
        text = html_to_text(decoded.text) if ctype == "text/html" else decoded.text
        body.texts.append(text)
        return
    body.attachments.append(_attachment(part, body, len(data), filename))


def _payload_bytes(part: Message, ctype: str, body: _Body) -> bytes:
    """The part's body with its Content-Transfer-Encoding undone, leniently."""
    cte = unfold(str(_header(part, "content-transfer-encoding") or "")).strip().lower()
    if isinstance(part.get_payload(), list):  # a multipart with no usable parts
        return b""
    if cte in ("base64", "quoted-printable"):
        data = raw_bytes(str(part.get_payload()))
        return _base64(data, ctype, body) if cte == "base64" else binascii.a2b_qp(data)
    if cte not in ("", "7bit", "8bit", "binary", "7-bit", "8-bit"):
        body.defects.append(f"{ctype} part: unknown transfer encoding {cte[:30]!r} ignored")
    # decode=True hands back the original bytes (get_payload() alone would decode them lossily).
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else b""


def _base64(data: bytes, ctype: str, body: _Body) -> bytes:
    stripped = _WHITESPACE.sub(b"", data)
    cleaned = _BASE64_NOISE.sub(b"", stripped)
    if len(cleaned) != len(stripped):
        body.defects.append(f"{ctype} part: invalid characters in base64 ignored")
    out = []
    # "=" may only pad the end, but concatenated encoders leave it inside: decode per chunk.
    for chunk in cleaned.split(b"="):
        if not chunk:
            continue
        rest = len(chunk) % 4
        if rest == 1:
            body.defects.append(f"{ctype} part: truncated base64 (a stray final character)")
            chunk = chunk[:-1]
        elif rest:
            chunk += b"=" * (4 - rest)
        out.append(binascii.a2b_base64(chunk))
    return b"".join(out)


def _filename(part: Message, body: _Body) -> str | None:
    _, disposition, info = parse_params(_header(part, "content-disposition"), "filename")
    name = disposition.get("filename")
    if not name:
        _, ctype_params, info = parse_params(_header(part, "content-type"), "filename")
        name = ctype_params.get("name")
    if not name:
        return None
    body.charsets.extend(info.codecs)
    body.defects.extend(info.defects)
    return name.replace("\x00", "").strip() or None


def _attachment(part: Message, body: _Body, size: int, filename: str | None = None) -> Attachment:
    return Attachment(
        filename=filename if filename is not None else _filename(part, body),
        content_type=part.get_content_type(),
        size=size,
    )


def _message_size(payload: list[Message]) -> int:
    try:
        return sum(len(m.as_bytes()) for m in payload)
    except Exception:  # sizing a broken inner message is not worth failing over
        return 0


def _stdlib_defects(msg: Message) -> list[str]:
    found = []
    for part in msg.walk():
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            found.append(_STDLIB_DEFECTS.get(name, _words(name)))
    return found


def _words(class_name: str) -> str:
    """``SomeThingDefect`` → ``some thing`` for stdlib defects without a message of ours."""
    name = class_name.removesuffix("Defect")
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower() or class_name


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _empty(defects: list[str]) -> BuyerMail:
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
        text="",
        new_text="",
        is_auto=False,
        defects=defects,
    )


def _unparsed(raw: bytes, defect: str) -> BuyerMail:
    """Last resort after an unexpected error: the bytes as text, so nothing is lost."""
    try:
        data = bytes(raw)
        text = data.decode("utf-8", "replace").replace("\x00", "")
    except Exception:
        text = ""
    return replace(_empty([defect]), text=text)
