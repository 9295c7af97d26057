"""Byte-level helpers that write mail the way Japanese mailers do.

The standard library cannot write what the example shop needs: ISO-2022-JP with the Microsoft
extensions (①, ㈱, 髙) that Windows and iPhone mailers send under the plain ``ISO-2022-JP``
label, Subjects split into encoded words the way real mailers split them, and byte-exact,
deterministic output. So these few functions build the bytes directly. Lines end in CRLF.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

CRLF = b"\r\n"
_ESC_JIS = b"\x1b$B"
_ESC_ASCII = b"\x1b(B"
_HEADER_WIDTH = 76


def _sjis_pair_to_jis(lead: int, trail: int) -> bytes:
    """One Shift_JIS double-byte character as its two JIS X 0208 row/cell bytes."""
    pair_row = lead - 0x81 if lead < 0xA0 else lead - 0xC1
    row = pair_row * 2 + 1
    if trail >= 0x9F:
        row += 1
        cell = trail - 0x9E
    else:
        cell = trail - 0x40 + 1 - (1 if trail >= 0x80 else 0)
    if not (1 <= row <= 94 and 1 <= cell <= 94):
        raise ValueError(f"no JIS row/cell for Shift_JIS {lead:02X}{trail:02X}")
    return bytes((row + 0x20, cell + 0x20))


def iso2022jp(text: str) -> bytes:
    """Encode one line as Windows mailers' ISO-2022-JP (CP50220): JIS rows 13 and 89-92 included.

    Each character goes through CP932 and its JIS row/cell is computed arithmetically, which is
    how ①, ㈱ and 髙 end up as ``ESC $ B`` sequences Python's ``iso2022_jp`` codec refuses.
    The line always ends back in ASCII, as RFC 1468 requires.
    """
    if "\n" in text or "\r" in text:
        raise ValueError("iso2022jp() encodes one line at a time")
    out = bytearray()
    in_jis = False
    for char in text:
        sjis = char.encode("cp932")
        if len(sjis) == 1:
            if sjis[0] >= 0x80:
                raise ValueError(f"half-width kana {char!r} has no place in CP50220 output")
            if in_jis:
                out += _ESC_ASCII
                in_jis = False
            out += sjis
        else:
            if not in_jis:
                out += _ESC_JIS
                in_jis = True
            out += _sjis_pair_to_jis(sjis[0], sjis[1])
    if in_jis:
        out += _ESC_ASCII
    return bytes(out)


def encode_text(text: str, charset: str) -> bytes:
    """A text body in ``charset`` with CRLF line ends; ``shift_jis`` means what Windows writes (CP932)."""
    lines = text.split("\n")
    if charset == "iso-2022-jp":
        encoded = [iso2022jp(line) for line in lines]
    elif charset == "shift_jis":
        encoded = [line.encode("cp932") for line in lines]
    elif charset in ("utf-8", "us-ascii"):
        encoded = [line.encode(charset) for line in lines]
    else:
        raise ValueError(f"unsupported charset {charset!r}")
    return CRLF.join(encoded)


def base64_body(data: bytes) -> bytes:
    """Base64 in 76-character lines, as every mailer writes it."""
    text = base64.b64encode(data)
    return CRLF.join(text[i : i + 76] for i in range(0, len(text), 76))


def quoted_printable(data: bytes) -> bytes:
    """Quoted-printable of CRLF-separated lines: hard breaks kept, soft breaks at 76 characters."""
    out_lines: list[bytes] = []
    for line in data.split(CRLF):
        tokens: list[str] = []
        for i, byte in enumerate(line):
            at_end = i == len(line) - 1
            if (33 <= byte <= 126 and byte != ord("=")) or (byte in (9, 32) and not at_end):
                tokens.append(chr(byte))
            else:
                tokens.append(f"={byte:02X}")
        current = ""
        for token in tokens:
            # 75 leaves room for the "=" of a soft break.
            if len(current) + len(token) > 75:
                out_lines.append((current + "=").encode("ascii"))
                current = ""
            current += token
        out_lines.append(current.encode("ascii"))
    return CRLF.join(out_lines)


def transfer_encode(data: bytes, encoding: str) -> bytes:
    """Apply a Content-Transfer-Encoding to body bytes that already have CRLF line ends."""
    if encoding == "base64":
        return base64_body(data)
    if encoding == "quoted-printable":
        return quoted_printable(data)
    if encoding in ("7bit", "8bit"):
        if encoding == "7bit" and any(b >= 0x80 for b in data):
            raise ValueError("8-bit bytes in a 7bit body")
        return data
    raise ValueError(f"unsupported transfer encoding {encoding!r}")


def _charset_bytes(text: str, charset: str) -> bytes:
    if charset == "iso-2022-jp":
        return iso2022jp(text)
    if charset == "shift_jis":
        return text.encode("cp932")
    return text.encode(charset)


def _label(charset: str) -> str:
    return {"iso-2022-jp": "ISO-2022-JP", "shift_jis": "Shift_JIS", "utf-8": "UTF-8"}.get(
        charset, charset
    )


def b_words(text: str, charset: str, max_bytes: int = 39) -> list[str]:
    """RFC 2047 B encoded words, each holding whole characters and at most ``max_bytes`` bytes."""
    words: list[str] = []
    chunk = ""
    for char in text:
        if chunk and len(_charset_bytes(chunk + char, charset)) > max_bytes:
            words.append(_b_word(_charset_bytes(chunk, charset), charset))
            chunk = ""
        chunk += char
    if chunk:
        words.append(_b_word(_charset_bytes(chunk, charset), charset))
    return words


def _b_word(raw: bytes, charset: str) -> str:
    return f"=?{_label(charset)}?B?{base64.b64encode(raw).decode('ascii')}?="


def b_words_split_bytes(text: str, charset: str, split_at: int) -> list[str]:
    """Two B words cut at byte ``split_at`` of the whole encoded text, as some mailers cut them.

    For ISO-2022-JP this leaves ``ESC $ B`` only in the first word: legal bytes, but a decoder
    that decodes each word on its own gets garbage (``domain.md`` §1).
    """
    raw = _charset_bytes(text, charset)
    return [_b_word(raw[:split_at], charset), _b_word(raw[split_at:], charset)]


def q_words(text: str, charset: str, max_chars: int = 60) -> list[str]:
    """RFC 2047 Q encoded words (``_`` for space, ``=XX`` for the rest), split at characters."""
    words: list[str] = []
    current = ""
    for char in text:
        piece = "".join(_q_byte(b) for b in _charset_bytes(char, charset))
        if current and len(current) + len(piece) > max_chars:
            words.append(f"=?{_label(charset)}?Q?{current}?=")
            current = ""
        current += piece
    if current:
        words.append(f"=?{_label(charset)}?Q?{current}?=")
    return words


def _q_byte(byte: int) -> str:
    if byte == 0x20:
        return "_"
    if chr(byte).isascii() and chr(byte).isalnum():
        return chr(byte)
    return f"={byte:02X}"


def header(name: str, words: Sequence[str]) -> bytes:
    """A header line folded between ``words`` so no line is longer than 76 characters."""
    line = f"{name}: {words[0]}"
    lines: list[str] = []
    for word in words[1:]:
        if len(line) + 1 + len(word) > _HEADER_WIDTH:
            lines.append(line)
            line = f" {word}"
        else:
            line += f" {word}"
    lines.append(line)
    return CRLF.join(part.encode("ascii") for part in lines) + CRLF


def mailbox(name: str | None, address: str, charset: str) -> list[str]:
    """An address with an optional display name, as words for :func:`header`."""
    if not name:
        return [address]
    if name.isascii():
        return [*name.split(" "), f"<{address}>"]
    return [*b_words(name, charset, max_bytes=30), f"<{address}>"]


def part(headers: Sequence[bytes], body: bytes) -> bytes:
    """One MIME entity: header lines, an empty line, the body."""
    return b"".join(headers) + CRLF + body


def multipart(boundary: str, parts: Sequence[bytes], preamble: bytes = b"") -> bytes:
    """The body of a multipart entity: optional preamble, the parts, the closing boundary."""
    out = bytearray()
    if preamble:
        out += preamble + CRLF + CRLF
    for entity in parts:
        out += f"--{boundary}".encode("ascii") + CRLF + entity + CRLF
    out += f"--{boundary}--".encode("ascii") + CRLF
    return bytes(out)
