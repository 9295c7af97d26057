"""Bytes → text for the charsets Japanese mail really uses, labelled right or wrong.

The rules follow ``domain.md`` §1 and what Thunderbird does: every ISO-2022-JP label is read
as Microsoft's CP50220 (JIS rows transcoded to Shift_JIS arithmetically, then ``cp932``),
every Shift_JIS label as ``cp932``, ``gb2312`` as ``gb18030``. A label that does not fit
the bytes is overridden by trying strict UTF-8, ``cp932`` and ``euc_jp`` (then
charset-normalizer), and every such guess is reported as a defect.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bot.mail import iso2022jp

# The codec name recorded for bytes read by :func:`bot.mail.iso2022jp.decode`.
CP50220 = iso2022jp.CODEC_NAME

_ALIASES: dict[str, str] = {}


def _alias(codec: str, *labels: str) -> None:
    for label in labels:
        _ALIASES[label] = codec


_alias(
    CP50220,
    "iso-2022-jp", "iso2022-jp", "iso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3",
    "iso-2022-jp-2004", "iso-2022-jp-ext", "iso-2022-jp-ms", "csiso2022jp", "csiso2022jp2",
    "cp50220", "cp50221", "cp50222", "jis", "x-jis", "jis7", "iso2022_jp",
)  # fmt: skip
_alias(
    "cp932",
    "shift_jis", "shift-jis", "shiftjis", "sjis", "s-jis", "x-sjis", "x-shift-jis", "ms932",
    "ms_kanji", "ms-kanji", "csshiftjis", "windows-31j", "cswindows31j", "cp932", "x-ms-cp932",
    "ibm-943", "ibm943", "windows-932", "shift_jis-ms", "sjis-win", "sjis-open",
)  # fmt: skip
_alias("shift_jis_2004", "shift_jis-2004", "shift_jis_2004", "shift_jisx0213", "shift-jisx0213")
_alias(
    "euc_jp",
    "euc-jp", "eucjp", "euc_jp", "x-euc-jp", "x-eucjp", "ujis", "cseucpkdfmtjapanese",
    "cp51932", "eucjp-ms", "euc-jp-ms", "eucjp-open", "eucjp-win", "euc-jis-2004", "euc-jisx0213",
)  # fmt: skip
_alias(
    "gb18030",
    "gb2312", "gb_2312", "gb_2312-80", "csgb2312", "gbk", "x-gbk", "cp936", "ms936",
    "windows-936", "euc-cn", "euccn", "x-euc-cn", "chinese", "gb18030", "hz-gb-2312",
)  # fmt: skip
_alias("cp950", "big5", "big-5", "csbig5", "x-x-big5", "cp950", "big5-tw")
_alias("big5hkscs", "big5-hkscs", "big5hkscs")
_alias(
    "cp949",
    "ks_c_5601-1987", "ks_c_5601", "ks_c_5601-1989", "ksc5601", "ksc_5601", "korean",
    "csksc56011987", "euc-kr", "euckr", "cseuckr", "windows-949", "cp949", "uhc",
)  # fmt: skip
# WHATWG: these labels all mean windows-1252 in practice.
_alias(
    "cp1252",
    "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819",
    "windows-1252", "cp1252", "x-cp1252", "csisolatin1",
)  # fmt: skip
_alias("ascii", "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "csascii", "7bit")
_alias("utf-8", "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "unicode-2-0-utf-8")

# Labels that say "unknown": sniff instead.
_UNKNOWN_LABELS = frozenset(
    {"", "unknown", "unknown-8bit", "x-unknown", "x-user-defined", "default", "charset", "none"}
)
# Text codecs Python knows that no mail label should ever select.
_REFUSED_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "charmap", "mbcs"}
)
# Codecs that do not encode ASCII as ASCII (an all-ASCII body does not settle them).
_WIDE_CODECS = ("utf-16", "utf-32", "utf-7", "utf_16", "utf_32", "utf_7")

# Order of guesses for bytes whose label does not fit (domain.md §1).
_GUESSES = ("utf-8", "cp932", "euc_jp")
_SCORE_SAMPLE = 20_000

_HIRAGANA = re.compile("[\u3041-\u309f]")
_KANA_AND_PUNCT = re.compile("[\u3000-\u303f\u30a0-\u30ff\uff01-\uff5e]")
_KANJI = re.compile("[\u4e00-\u9fff]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_NOISE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the codec actually used and what had to be guessed."""

    text: str
    codec: str
    defects: tuple[str, ...] = ()


def codec_for_label(label: str | None) -> str | None:
    """The codec to read a MIME charset label with, or ``None`` for a missing/unknown label.

    >>> codec_for_label("Shift_JIS"), codec_for_label("ISO-2022-JP"), codec_for_label("x-sjis")
    ('cp932', 'cp50220', 'cp932')
    """
    if label is None:
        return None
    key = label.strip().strip("\"'").lower()
    if key in _UNKNOWN_LABELS:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        name = codecs.lookup(key).name
        b"x".decode(name, "ignore")  # bytes-to-bytes codecs (base64, zlib…) raise LookupError
    except (LookupError, ValueError, TypeError):
        return None
    if name in _REFUSED_CODECS:
        return None
    return name


def decode_bytes(data: bytes, label: str | None, what: str = "text") -> Decoded:
    """Decode ``data`` labelled ``label`` (a MIME charset, possibly wrong or missing).

    ``what`` names the thing in defect strings ("Subject", "text/plain part"). Never raises.
    """
    codec = codec_for_label(label)
    shown = label if label else "none"
    if not data:
        return Decoded("", codec or "ascii")
    if codec is not None and codec.startswith(_WIDE_CODECS):
        return _decode_declared(data, codec, shown, what)
    if data.isascii():
        return _decode_seven_bit(data, codec, label, what)
    if codec is None:
        why = f"unknown charset {shown!r}" if label else "no charset declared"
        return _guess(data, f"{what}: {why}")
    if codec == CP50220:
        return _guess(data, f"{what}: labelled {shown!r} but has 8-bit bytes")
    return _decode_declared(data, codec, shown, what)


def _decode_seven_bit(data: bytes, codec: str | None, label: str | None, what: str) -> Decoded:
    """All bytes < 0x80: ISO-2022-JP if it says so or has its escapes, else ASCII."""
    # ESC $ B never occurs in real ASCII-compatible text: whatever the label says, it is JIS.
    if codec == CP50220 or iso2022jp.has_escapes(data):
        text, problems = iso2022jp.decode(data)
        found = [f"{what}: {p}" for p in problems]
        if codec != CP50220:
            found.insert(0, f"{what}: ISO-2022-JP escapes under charset {label or 'none'!r}")
        return Decoded(text, CP50220, tuple(found))
    defects = () if codec is not None or not label else (f"{what}: unknown charset {label!r}",)
    if codec is None or codec == "ascii":
        return Decoded(data.decode("ascii"), "ascii", defects)
    try:
        return Decoded(data.decode(codec), codec, defects)
    except (UnicodeDecodeError, LookupError):
        return Decoded(data.decode("ascii"), "ascii", defects)


def _decode_declared(data: bytes, codec: str, shown: str, what: str) -> Decoded:
    """8-bit bytes under a known label: trust it unless UTF-8 reads better or it fails."""
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        pass
    else:
        if codec != "utf-8" and not codec.startswith(_WIDE_CODECS):
            utf8 = _strict(data, "utf-8")
            if utf8 is not None and _japanese_score(utf8) > _japanese_score(text):
                return Decoded(
                    _strip_bom(utf8), "utf-8", (f"{what}: labelled {shown!r} but is UTF-8",)
                )
        return Decoded(_strip_bom(text), codec, ())
    if codec == "euc_jp":
        # cp51932/eucJP-ms mail carries NEC row 13 (①): JIS X 0213 has those code points.
        wider = _strict(data, "euc_jis_2004")
        if wider is not None:
            return Decoded(wider, "euc_jis_2004", ())
    replaced = data.decode(codec, "replace")
    guessed = _best_guess(data, exclude=codec)
    # A stray bad byte in otherwise good text keeps its label; a wrong label does not.
    if guessed is not None and _japanese_score(guessed[0]) > _japanese_score(replaced):
        text, used = guessed
        return Decoded(text, used, (f"{what}: labelled {shown!r} but decoded as {used}",))
    bad = replaced.count("\ufffd")
    return Decoded(
        _strip_bom(replaced),
        codec,
        (f"{what}: {bad} undecodable byte(s) for {shown!r} replaced",),
    )


def _guess(data: bytes, reason: str) -> Decoded:
    """Bytes with no usable label: strict UTF-8, cp932, euc_jp, then charset-normalizer."""
    guessed = _best_guess(data)
    if guessed is not None:
        text, used = guessed
        return Decoded(text, used, (f"{reason}; guessed {used}",))
    detected = _detect(data)
    if detected is not None:
        text = data.decode(detected, "replace")
        bad = text.count("\ufffd")
        note = f"; {bad} undecodable byte(s) replaced" if bad else ""
        return Decoded(text, detected, (f"{reason}; detected {detected}{note}",))
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return Decoded(text, "utf-8", (f"{reason}; {bad} undecodable byte(s) replaced",))


def _best_guess(data: bytes, exclude: str | None = None) -> tuple[str, str] | None:
    """The strict decode among the usual guesses that reads most like Japanese."""
    best: tuple[str, str] | None = None
    best_score = float("-inf")
    for codec in _GUESSES:
        if codec == exclude:
            continue
        text = _strict(data, codec)
        if text is None:
            continue
        score = _japanese_score(text)
        if score > best_score:
            best, best_score = (_strip_bom(text), codec), score
    return best


def _detect(data: bytes) -> str | None:
    """Ask charset-normalizer, mapping its answer through our label table."""
    try:
        from charset_normalizer import from_bytes

        match = from_bytes(data[:_SCORE_SAMPLE]).best()
    except Exception:  # a detector bug must not lose the mail
        return None
    if match is None:
        return None
    return codec_for_label(match.encoding) or None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _japanese_score(text: str) -> float:
    """How much ``text`` looks like real Japanese: kana and punctuation up, junk down.

    Telling EUC-JP from cp932 needs this: EUC-JP bytes usually decode without error as cp932,
    but into half-width katakana and random kanji, never into hiragana.
    """
    sample = text[:_SCORE_SAMPLE]
    return (
        2.0 * len(_HIRAGANA.findall(sample))
        + len(_KANA_AND_PUNCT.findall(sample))
        + 0.2 * len(_KANJI.findall(sample))
        - len(_HALFWIDTH_KANA.findall(sample))
        - 3.0 * len(_NOISE.findall(sample))
    )
