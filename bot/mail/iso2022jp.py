"""ISO-2022-JP as Windows mailers really write it (Microsoft CP50220), decoded without loss.

CPython's ``iso2022_jp*`` codecs reject NEC row 13 (①, ㈱, №) and IBM kanji (髙, 﨑) that
Outlook and iPhone put under the ``ISO-2022-JP`` label. Here every JIS X 0208 pair is moved
to Shift_JIS with the standard arithmetic and read as ``cp932``, which has all of them;
``ESC ( I`` half-width katakana become the single cp932 bytes 0xA1–0xDF.
"""

from __future__ import annotations

import re

CODEC_NAME = "cp50220"

_ESCAPE = re.compile(
    rb"\x1b(\(B|\(J|\(H|\(I|\$@|\$B|\$\(B|\$\(@|\$\(D|\$\(O|\$\(Q|\$\(P|\$A|\$\(A|\$\(C|&@|\.A|\.F)"
    rb"|[\x0e\x0f]"
)
_ANY_ESCAPE = re.compile(rb"\x1b[$(][@BIJ]|\x1b\$\([DOPQ]")
_PAIR_BYTES = re.compile(rb"[\x21-\x7e]+")
_SINGLE_SHIFT = re.compile(rb"\x1bN([\x20-\x7f])")

_ASCII = "ascii"
_ROMAN = "roman"
_KANA = "kana"
_JIS0208 = "jis0208"
_JIS0212 = "jis0212"
_JIS0213_1 = "jis0213-1"
_JIS0213_2 = "jis0213-2"
_GB2312 = "gb2312"
_KSC5601 = "ksc5601"

_MODE_OF_ESCAPE: dict[bytes, str] = {
    b"(B": _ASCII,
    b"(J": _ROMAN,
    b"(H": _ROMAN,
    b"(I": _KANA,
    b"$@": _JIS0208,
    b"$B": _JIS0208,
    b"$(B": _JIS0208,
    b"$(@": _JIS0208,
    b"$(D": _JIS0212,
    b"$(O": _JIS0213_1,
    b"$(Q": _JIS0213_1,
    b"$(P": _JIS0213_2,
    b"$A": _GB2312,
    b"$(A": _GB2312,
    b"$(C": _KSC5601,
}

# Rows 0x75–0x7E that cp932 leaves empty are Microsoft's user-defined area (and carrier emoji).
_USER_ROWS = range(0x75, 0x7F)
_PRIVATE_USE = 0xE000


def jis_to_sjis(j1: int, j2: int) -> tuple[int, int]:
    """Shift_JIS bytes of the JIS X 0208 pair ``(j1, j2)``, both in 0x21–0x7E.

    >>> [hex(b) for b in jis_to_sjis(0x2D, 0x21)]  # ①
    ['0x87', '0x40']
    """
    s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
    # Odd rows take the low half of the trail range (skipping 0x7F), even rows the high half.
    odd_row_trail = j2 + (0x1F if j2 <= 0x5F else 0x20)
    return s1, odd_row_trail if j1 & 1 else j2 + 0x7E


def _tables() -> tuple[bytes, bytes, bytes]:
    lead = bytearray(256)
    parity = bytearray(256)
    trail = bytearray(256)
    for j in range(0x21, 0x7F):
        lead[j] = jis_to_sjis(j, 0x21)[0]
        parity[j] = 0x00 if j & 1 else 0x80
        trail[j] = jis_to_sjis(0x21, j)[1]  # odd rows
        trail[j | 0x80] = jis_to_sjis(0x22, j)[1]  # even rows
    return bytes(lead), bytes(parity), bytes(trail)


_LEAD, _PARITY, _TRAIL = _tables()


def _pairs_to_sjis(pairs: bytes) -> bytes:
    """:func:`jis_to_sjis` over a whole run of pairs at C speed (``bytes.translate``)."""
    leads = pairs[0::2]
    trails = pairs[1::2]
    # The trail byte depends on the row's parity: tag even rows with 0x80 (trails are < 0x80).
    tagged = int.from_bytes(trails, "big") | int.from_bytes(leads.translate(_PARITY), "big")
    out = bytearray(len(pairs))
    out[0::2] = leads.translate(_LEAD)
    out[1::2] = tagged.to_bytes(len(trails), "big").translate(_TRAIL)
    return bytes(out)


def has_escapes(data: bytes) -> bool:
    """Whether 7-bit ``data`` carries ISO-2022-JP designations (so it is not plain ASCII)."""
    return b"\x1b" in data and _ANY_ESCAPE.search(data) is not None


def decode(data: bytes) -> tuple[str, list[str]]:
    """Decode ISO-2022-JP (CP50220 flavour). Returns the text and problems found; never raises.

    Problems are human-readable: invalid sequences become U+FFFD, codes in the user-defined
    rows become private-use characters.
    """
    out: list[str] = []
    counts = {"invalid": 0, "private": 0}
    mode = _ASCII
    shifted_out = False
    pos = 0
    for match in _ESCAPE.finditer(data):
        _decode_run(data[pos : match.start()], _KANA if shifted_out else mode, out, counts)
        pos = match.end()
        token = match.group(0)
        if token == b"\x0e":
            shifted_out = True
        elif token == b"\x0f":
            shifted_out = False
        else:
            mode = _MODE_OF_ESCAPE.get(match.group(1), mode)
    _decode_run(data[pos:], _KANA if shifted_out else mode, out, counts)
    problems = []
    if counts["invalid"]:
        problems.append(f"{counts['invalid']} invalid ISO-2022-JP sequence(s) replaced")
    if counts["private"]:
        problems.append(
            f"{counts['private']} JIS code(s) outside CP932 (carrier emoji?) kept as private-use"
        )
    return "".join(out), problems


def _decode_run(run: bytes, mode: str, out: list[str], counts: dict[str, int]) -> None:
    if not run:
        return
    if mode in (_ASCII, _ROMAN):
        _decode_single(run, mode, out, counts)
        return
    # In two-byte modes, bytes outside 0x21–0x7E (line breaks, spaces) pass through as ASCII.
    pos = 0
    for match in _PAIR_BYTES.finditer(run):
        if match.start() > pos:
            _decode_single(run[pos : match.start()], _ASCII, out, counts)
        chunk = match.group(0)
        if mode == _KANA:
            out.append(_decode_kana(chunk, counts))
        else:
            if len(chunk) % 2:
                counts["invalid"] += 1
                chunk = chunk[:-1]
                out.append(_decode_pairs(chunk, mode, counts) + "\ufffd")
            else:
                out.append(_decode_pairs(chunk, mode, counts))
        pos = match.end()
    if pos < len(run):
        _decode_single(run[pos:], _ASCII, out, counts)


def _decode_single(run: bytes, mode: str, out: list[str], counts: dict[str, int]) -> None:
    if b"\x1b" in run:
        # ESC N c: one ISO-8859-1 character (ISO-2022-JP-2); any other stray ESC is dropped.
        run = _SINGLE_SHIFT.sub(lambda m: bytes([m.group(1)[0] | 0x80]), run)
        stray = run.count(b"\x1b")
        if stray:
            counts["invalid"] += stray
            run = run.replace(b"\x1b", b"")
    text = run.decode("latin-1") if not run.isascii() else run.decode("ascii")
    if mode == _ROMAN:
        text = text.replace("\\", "\u00a5").replace("~", "\u203e")
    out.append(text)


def _decode_kana(chunk: bytes, counts: dict[str, int]) -> str:
    chars = []
    for byte in chunk:
        if 0x21 <= byte <= 0x5F:
            chars.append(bytes([byte | 0x80]).decode("cp932"))
        else:
            counts["invalid"] += 1
            chars.append("\ufffd")
    return "".join(chars)


def _decode_pairs(pairs: bytes, mode: str, counts: dict[str, int]) -> str:
    if mode == _JIS0208:
        sjis = _pairs_to_sjis(pairs)
        try:
            return sjis.decode("cp932")
        except UnicodeDecodeError:
            return _decode_pairs_slowly(pairs, sjis, counts)
    high = bytes(b | 0x80 for b in pairs)
    if mode == _JIS0212:
        codec = "euc_jp"
        data = b"".join(b"\x8f" + high[i : i + 2] for i in range(0, len(high), 2))
    elif mode == _JIS0213_2:
        codec = "euc_jis_2004"
        data = b"".join(b"\x8f" + high[i : i + 2] for i in range(0, len(high), 2))
    elif mode == _JIS0213_1:
        codec, data = "euc_jis_2004", high
    elif mode == _GB2312:
        codec, data = "gb18030", high
    else:
        codec, data = "cp949", high
    text = data.decode(codec, "replace")
    counts["invalid"] += text.count("\ufffd")
    return text


def _decode_pairs_slowly(pairs: bytes, sjis: bytes, counts: dict[str, int]) -> str:
    """Pair by pair, for runs holding codes cp932 does not define."""
    chars = []
    for i in range(0, len(sjis), 2):
        try:
            chars.append(sjis[i : i + 2].decode("cp932"))
            continue
        except UnicodeDecodeError:
            pass
        j1, j2 = pairs[i], pairs[i + 1]
        if j1 in _USER_ROWS:
            counts["private"] += 1
            chars.append(chr(_PRIVATE_USE + (j1 - _USER_ROWS.start) * 94 + (j2 - 0x21)))
        else:
            counts["invalid"] += 1
            chars.append("\ufffd")
    return "".join(chars)
