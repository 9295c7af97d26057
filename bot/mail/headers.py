"""Header values → text: encoded words (RFC 2047), parameters (RFC 2231), addresses, dates.

Header values arrive as ``str`` holding raw bytes (ASCII, with 8-bit bytes as surrogate
escapes, the way :mod:`email` keeps them), so nothing is decoded before we choose how.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote_to_bytes

from bot.mail.charsets import decode_bytes

JST = timezone(timedelta(hours=9), "JST")

# Lenient about case and an RFC 2231 language tag; the text never holds "?" (keeps it linear).
_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,64})(?:\*[^?\s]*)?\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_SPACES = re.compile(r"[ \t\r\n]+")
_EMPTY_GROUP = re.compile(r":\s*;\s*$")  # "Undisclosed recipients: ;"
_MSG_ID = re.compile(r"<[^<>\s]*>")
_JAPAN_ZONE = re.compile(r"\bJST\s*$")
_MINUS_ZERO = re.compile(r"-0000\s*(?:\([^)]*\))?\s*$")


@dataclass
class HeaderText:
    """A decoded header value with the codecs used and the problems met."""

    text: str
    codecs: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def raw_bytes(value: str) -> bytes:
    """The original bytes of a header value kept by :mod:`email` with surrogate escapes."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that never came from bytes
        return value.encode("utf-8", "replace")


def unfold(value: str) -> str:
    """RFC 5322 unfolding: drop the line breaks that fold a header, keep the whitespace."""
    return _FOLD.sub("", value)


def decode_words(value: str, what: str = "header") -> HeaderText:
    """Decode a header value: encoded words, raw 8-bit bytes and plain ASCII mixed.

    Adjacent encoded words in one charset are B/Q-decoded separately and joined as bytes
    before charset decoding, because mailers split multibyte characters and ISO-2022-JP
    escape state across words. Whitespace between encoded words is dropped (RFC 2047 §6.2).
    """
    result = HeaderText("")
    value = unfold(value)
    pieces: list[str] = []
    pending_charset: str | None = None
    pending: list[bytes] = []
    pos = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            pieces.append(_decode_charset(b"".join(pending), pending_charset, what, result))
        pending.clear()
        pending_charset = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between and (pending_charset is None or not between.isspace()):
            flush()
            pieces.append(_decode_raw(between, what, result))
        charset, kind, payload = match.group(1), match.group(2).upper(), match.group(3)
        data = _b_decode(payload, what, result) if kind == "B" else _q_decode(payload)
        if pending_charset is not None and charset.lower() != pending_charset.lower():
            flush()
        pending_charset = charset
        pending.append(data)
        pos = match.end()
    flush()
    if pos < len(value):
        pieces.append(_decode_raw(value[pos:], what, result))
    result.text = "".join(pieces)
    return result


def _decode_charset(data: bytes, charset: str, what: str, result: HeaderText) -> str:
    decoded = decode_bytes(data, charset, what)
    result.codecs.append(decoded.codec)
    result.defects.extend(decoded.defects)
    return decoded.text


def _decode_raw(text: str, what: str, result: HeaderText) -> str:
    """Text outside encoded words: ASCII as is; raw 8-bit bytes (RFC 6532 UTF-8 or worse)."""
    if text.isascii():
        if "\x1b" in text:  # raw ISO-2022-JP in a header, sent without encoded words
            return _decode_charset(text.encode("ascii"), "iso-2022-jp", what, result)
        return text
    return _decode_charset(raw_bytes(text), "utf-8", what, result)


def _b_decode(payload: str, what: str, result: HeaderText) -> bytes:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    if len(cleaned) != len(payload.rstrip("=")):
        result.defects.append(f"{what}: stray characters in a base64 encoded word ignored")
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        result.defects.append(f"{what}: invalid base64 in an encoded word")
        return b""


def _q_decode(payload: str) -> bytes:
    data = raw_bytes(payload).replace(b"_", b" ")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)


def decode_subject(value: str | None) -> HeaderText:
    """The Subject as one line: decoded, folding whitespace collapsed, ends trimmed."""
    if value is None:
        return HeaderText("")
    decoded = decode_words(value, "Subject")
    decoded.text = _SPACES.sub(" ", decoded.text).strip()
    return decoded


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_ADDR_SPEC = rf"{_ATEXT}+(?:\.{_ATEXT}+)*@{_ATEXT}+(?:\.{_ATEXT}+)*"
_PHRASE_WORD = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
# One mailbox in the shapes nearly every mail uses: a bare address, or an optional name (plain
# words, or one quoted string without escapes) and an address in angle brackets. For these
# the stdlib's parser gives exactly the groups below (tests/parse compare the two); anything
# else goes to the stdlib.
_ONE_MAILBOX = re.compile(
    rf"""[ \t]*(?:(?P<bare>{_ADDR_SPEC})|(?:(?P<words>{_PHRASE_WORD}(?:[ \t]+{_PHRASE_WORD})*)"""
    rf"""|"(?P<quoted>[^"\\\r\n]*)")?[ \t]*<(?P<addr>{_ADDR_SPEC})>)[ \t]*"""
)


def _address_pairs(value: str) -> list[tuple[str, str]]:
    """(name, address) pairs as :func:`email.utils.getaddresses` finds them."""
    simple = _ONE_MAILBOX.fullmatch(value)
    if simple is None:
        return email.utils.getaddresses([value])
    if simple["bare"]:
        return [("", simple["bare"])]
    if simple["quoted"] is not None:
        return [(simple["quoted"], simple["addr"])]
    return [(" ".join((simple["words"] or "").split()), simple["addr"])]


@dataclass
class Address:
    """One mailbox: decoded display name and bare lower-case address."""

    name: str
    addr: str


def parse_addresses(value: str | None, what: str) -> tuple[list[Address], HeaderText]:
    """Mailboxes in an address header. Names decoded, addresses bare and lower-cased."""
    info = HeaderText("")
    if not value:
        return [], info
    unfolded = unfold(value)
    # Quoted encoded words ("=?…?=" <a@b>) are common in Japanese mail: treat them as words.
    try:
        pairs = _address_pairs(unfolded)
    except Exception:  # the stdlib parser has raised on hostile input before
        info.defects.append(f"{what}: unparseable address list")
        pairs = []
    found: list[Address] = []
    for name, addr in pairs:
        addr = addr.strip()
        if not addr:
            continue
        if not addr.isascii():
            addr = decode_words(addr, what).text
        name_text = decode_words(name, what) if name else HeaderText("")
        info.codecs.extend(name_text.codecs)
        info.defects.extend(name_text.defects)
        found.append(Address(_SPACES.sub(" ", name_text.text).strip(), addr.lower()))
    if not found and unfolded.strip() and not _EMPTY_GROUP.search(unfolded):
        info.defects.append(f"{what}: no address found in {len(unfolded)}-character header")
    return found, info


def message_id(value: str | None) -> str | None:
    """The first ``<id>`` in a Message-ID or In-Reply-To header, angle brackets kept."""
    if not value:
        return None
    ids = message_ids(value)
    if ids:
        return ids[0]
    bare = unfold(value).strip()
    return f"<{bare}>" if bare and " " not in bare and "@" in bare else None


def message_ids(value: str | None) -> list[str]:
    """Every ``<id>`` in a References-style header, in order, without duplicates."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for found in _MSG_ID.findall(unfold(value)):
        if len(found) > 2 and found.isascii():
            seen.setdefault(found, None)
    return list(seen)


def parse_date(value: str | None) -> tuple[datetime | None, list[str]]:
    """A timezone-aware Date; +09:00 assumed when the zone is missing (with a defect)."""
    if value is None:
        return None, ["no Date header"]
    text = _SPACES.sub(" ", unfold(value)).strip()
    if not text.isascii():
        return None, [f"unreadable Date header ({len(text)} characters)"]
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None, [f"unreadable Date header {text[:60]!r}"]
    if parsed.tzinfo is not None:
        return parsed, []
    # A naive result means the zone was -0000, a name the stdlib does not know, or missing.
    if _MINUS_ZERO.search(text):
        return parsed.replace(tzinfo=UTC), []
    if _JAPAN_ZONE.search(text):
        return parsed.replace(tzinfo=JST), []
    return parsed.replace(tzinfo=JST), ["Date header has no usable time zone; assumed +09:00"]


_PARAM = re.compile(
    r"""\s*([^\s=;"]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"?|[^;]*))?\s*(?:;|$)""",
    re.DOTALL,
)
_SECTION = re.compile(r"^(.+?)\*(\d+)(\*?)$")
_EXTENDED = re.compile(r"^([^']*)'[^']*'(.*)$", re.DOTALL)


def parse_params(value: str | None, what: str) -> tuple[str, dict[str, str], HeaderText]:
    """A Content-Type/Disposition value: the lower-case main value and decoded parameters.

    RFC 2231 (``name*=charset'lang'%XX``, ``name*0*=``/``name*1*=`` continuations) and the
    common non-standard forms (RFC 2047 words in quotes, raw 8-bit bytes) are all decoded.
    """
    info = HeaderText("")
    unfolded = unfold(value or "")
    main, _, rest = unfolded.partition(";")
    raw: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        if not match.group(1):
            continue
        name = match.group(1).lower()
        text = (match.group(2) or "").strip()
        if text.startswith('"'):
            text = re.sub(r"\\(.)", r"\1", text[1:-1] if text.endswith('"') else text[1:])
        raw.setdefault(name, text)
    params: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for name, text in raw.items():
        section = _SECTION.match(name)
        if section:
            sections.setdefault(section.group(1), []).append(
                (int(section.group(2)[:6]), bool(section.group(3)), text)
            )
        elif name.endswith("*"):
            sections.setdefault(name[:-1], []).append((0, True, text))
        else:
            params.setdefault(name, "")
            params[name] = _plain_param(text, what, info)
    for name, parts in sections.items():
        params[name] = _extended_param(sorted(parts), what, info)
    return main.strip().lower(), params, info


def _plain_param(text: str, what: str, info: HeaderText) -> str:
    decoded = decode_words(text, what)
    info.codecs.extend(decoded.codecs)
    info.defects.extend(decoded.defects)
    return decoded.text


def _extended_param(parts: list[tuple[int, bool, str]], what: str, info: HeaderText) -> str:
    charset: str | None = None
    chunks: list[bytes] = []
    for position, (_, encoded, text) in enumerate(parts):
        if encoded and position == 0:
            declared = _EXTENDED.match(text)
            if declared:
                charset, text = declared.group(1) or None, declared.group(2)
        chunks.append(unquote_to_bytes(raw_bytes(text)) if encoded else raw_bytes(text))
    data = b"".join(chunks)
    if charset is None:
        return _plain_param(data.decode("utf-8", "surrogateescape"), what, info)
    decoded = decode_bytes(data, charset, what)
    info.codecs.append(decoded.codec)
    info.defects.extend(decoded.defects)
    return decoded.text
