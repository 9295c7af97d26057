"""Order IDs and tracking numbers in buyer text, found before tokenising (``domain.md`` §3–§6).

Everything here works on text already passed through :func:`bot.nlp.normalize.normalize`:
full-width digits are ASCII and dashes between digits are ``-``. Buyers still put spaces and
stray dashes next to spaces, so the patterns allow those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from bot.carriers import CARRIER_ALIASES, check_digit_ok, is_s10
from bot.nlp.normalize import DIGITS_AND_MORE
from bot.nlp.understanding import TrackingNumber

# Look-behinds sit after the first character (``\d(?<![\d-]\d)`` rather than
# ``(?<![\d-])\d``): same meaning, but the engine can then skip ahead to candidate characters.
# A leading digit is found through a class without categories and checked by a look-behind
# (``[DIGITS_AND_MORE](?<=\d)`` for ``\d``, see bot.nlp.normalize): one bitmap test per
# character instead of a look-up of its Unicode category.
_DIGIT: Final = rf"[{DIGITS_AND_MORE}](?<=\d)"
_SEP: Final = r"[ \t]*[-‐‑‒–—―−ー─━][ \t]*|[ \t]+"
# 3-7-7 digits; the look-arounds keep it out of longer numbers such as card numbers.
_ORDER_ID: Final = re.compile(
    rf"({_DIGIT}(?<![\d-]\d)\d{{2}})(?:{_SEP})(\d{{7}})(?:{_SEP})(\d{{7}})(?![\d-])"
)
_SEVENTEEN: Final = re.compile(rf"({_DIGIT}(?<![\d-]\d)\d{{16}})(?![\d-])")
_ORDER_PREFIXES: Final = ("249", "250", "503")
_ORDER_WORDS: Final = re.compile(r"注文|オーダー|order", re.IGNORECASE)

_S10_TEXT: Final = re.compile(
    r"([A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z])[ -]?(\d{3})[ -]?(\d{3})[ -]?(\d{3})[ -]?([A-Za-z]{2})(?![A-Za-z0-9])"
)
_YUNEXPRESS: Final = re.compile(r"(Y(?<![A-Za-z0-9]Y)T\d{16})(?!\d)", re.IGNORECASE)
_SF: Final = re.compile(r"(S(?<![A-Za-z0-9]S)F\d{12,13})(?!\d)", re.IGNORECASE)
_TWELVE_DIGITS: Final = re.compile(rf"{_DIGIT}\d\d\d\d\d\d\d\d\d\d\d")
# Digit groups of at least three digits joined by single spaces or dashes (1234-5678-9012).
_DIGIT_RUN: Final = re.compile(rf"{_DIGIT}(?<![\d-]\d)\d{{2,}}(?:[ -]\d{{3,}})*(?!\d)")
_PHONE_SHAPE: Final = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}|0[5789]0\d{8}|0\d{9}")
_PHONE_WORDS: Final = re.compile(
    r"(?:TEL|Tel|tel|電話|携帯|FAX|Fax|fax|phone|Phone|☎)[^\n\d]{0,6}$"
)
_TRACKING_WORDS: Final = re.compile(
    r"追跡|伝票|問い?合わ?せ番号|問合せ番号|送り状|配送番号|荷物番号|tracking", re.IGNORECASE
)
# Longest aliases first so that ヤマト運輸 wins over ヤマト. The look-behind of a Latin alias
# sits after its first character (as in the patterns above): every alternative then starts with
# a plain character, so the engine skips to candidate characters instead of trying every
# position.
_CARRIER_NAMES: Final = re.compile(
    "|".join(
        rf"{re.escape(a[0])}(?<![a-z]{re.escape(a[0])}){re.escape(a[1:])}(?![a-z])"
        if a.isascii()
        else re.escape(a)
        for a in sorted(CARRIER_ALIASES, key=len, reverse=True)
        if len(a) >= 2 and CARRIER_ALIASES[a] != "other"
    ),
    re.IGNORECASE,
)
# Every order ID and tracking number form holds a run of three digits; most mails have none.
# Written out, not \d{3}: a pattern that starts with a character class lets the engine
# skip to candidate characters instead of trying a match at every position.
_THREE_DIGITS: Final = re.compile(rf"{_DIGIT}\d\d")
# Both order ID forms hold seven digits in a row (3-7-7, or seventeen), and an S10 number
# nine digits in groups of three: texts without them skip those scans.
_SEVEN_DIGITS: Final = re.compile(rf"{_DIGIT}\d\d\d\d\d\d")
_S10_DIGITS: Final = re.compile(rf"{_DIGIT}\d\d[ -]?\d\d\d[ -]?\d\d\d")
_CONTEXT_BEFORE: Final = 40
_CONTEXT_AFTER: Final = 15


def order_ids(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Amazon order IDs in normalised ``text`` (``249-1234567-1234567``) and their spans."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    if not _SEVEN_DIGITS.search(text):
        return found, spans
    for m in _ORDER_ID.finditer(text):
        found.append("-".join(m.groups()))
        spans.append(m.span())
    # Seventeen digits typed without separators: only with a known prefix or an order word.
    for m in _SEVENTEEN.finditer(text):
        digits = m.group(1)
        near = text[max(0, m.start() - 15) : m.start()]
        if digits.startswith(_ORDER_PREFIXES) or _ORDER_WORDS.search(near):
            found.append(f"{digits[:3]}-{digits[3:10]}-{digits[10:]}")
            spans.append(m.span())
    order = sorted(range(len(found)), key=lambda i: spans[i][0])
    return list(dict.fromkeys(found[i] for i in order)), [spans[i] for i in order]


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces, keeping every other offset."""
    # Slices and a join per span: a list of the text's characters would cost one object each.
    for start, end in spans:
        text = "".join([text[:start], " " * (end - start), text[end:]])
    return text


def _carrier_near(text: str, start: int, end: int) -> str | None:
    """The carrier named closest before the number (or just after it), if any."""
    before = text[max(0, start - _CONTEXT_BEFORE) : start]
    names = list(_CARRIER_NAMES.finditer(before))
    if names:
        return CARRIER_ALIASES[names[-1].group(0).lower()]
    after = _CARRIER_NAMES.search(text[end : end + _CONTEXT_AFTER])
    return CARRIER_ALIASES[after.group(0).lower()] if after else None


def _looks_like_phone(text: str, start: int, raw: str) -> bool:
    if _PHONE_SHAPE.fullmatch(raw):
        return True
    return bool(_PHONE_WORDS.search(text[max(0, start - 12) : start]))


def _digits_tracking(text: str, m: re.Match[str]) -> TrackingNumber | None:
    """Judge one run of digits: a tracking number, or a phone, amount, card, code…"""
    raw = m.group(0)
    digits = raw.replace(" ", "").replace("-", "")
    if not 10 <= len(digits) <= 13 or _looks_like_phone(text, m.start(), raw):
        return None
    window = text[max(0, m.start() - _CONTEXT_BEFORE) : m.end() + _CONTEXT_AFTER]
    carrier = _carrier_near(text, m.start(), m.end())
    has_context = carrier is not None or bool(_TRACKING_WORDS.search(window))
    if len(digits) == 12:
        mod7 = int(digits[:-1]) % 7 == int(digits[-1])
        if not mod7 and not has_context:
            return None
        # A valid mod-7 number with no carrier named: Yamato carries most parcels, so guess it.
        guess = carrier or "yamato"
        if guess == "other":
            guess = "yamato"
        return TrackingNumber(guess, digits, check_digit_ok(guess, digits))
    if not has_context:
        return None
    # 11 and 13 digits are Japan Post forms; 10 digits have no known rule.
    guess = carrier or ("japanpost" if len(digits) != 10 else "other")
    return TrackingNumber(guess, digits, check_digit_ok(guess, digits))


def tracking_numbers(text: str, skip: list[tuple[int, int]] | None = None) -> list[TrackingNumber]:
    """Tracking numbers in normalised ``text``, carrier guessed, check digit verified if known.

    ``skip`` are spans already taken (order IDs) that must not be read again.
    """
    if not _THREE_DIGITS.search(text):
        return []
    text = blank(text, skip or [])
    found: list[tuple[int, TrackingNumber]] = []
    taken: list[tuple[int, int]] = []
    s10: Iterable[re.Match[str]] = _S10_TEXT.finditer(text) if _S10_DIGITS.search(text) else ()
    for m in s10:
        number = "".join(m.groups()).upper()
        carrier = _carrier_near(text, m.start(), m.end())
        valid = is_s10(number)
        window = text[max(0, m.start() - _CONTEXT_BEFORE) : m.end()]
        # A wrong check digit is still worth showing when the buyer says it is a tracking number.
        if not valid and carrier is None and not _TRACKING_WORDS.search(window):
            continue
        if carrier is None or carrier == "other":
            carrier = "japanpost" if number.endswith("JP") else "other"
        found.append((m.start(), TrackingNumber(carrier, number, valid)))
        taken.append(m.span())
    # Both forms hold twelve digits in a row; most texts have none.
    long_forms = ((_YUNEXPRESS, "yunexpress"), (_SF, "sf")) if _TWELVE_DIGITS.search(text) else ()
    for pattern, carrier in long_forms:
        for m in pattern.finditer(text):
            number = m.group(1).upper()
            found.append(
                (m.start(), TrackingNumber(carrier, number, check_digit_ok(carrier, number)))
            )
            taken.append(m.span())
    text = blank(text, taken)
    for m in _DIGIT_RUN.finditer(text):
        tracking = _digits_tracking(text, m)
        if tracking is not None:
            found.append((m.start(), tracking))
    found.sort(key=lambda pair: pair[0])
    unique: dict[str, TrackingNumber] = {}
    for _, tracking in found:
        unique.setdefault(tracking.number, tracking)
    return list(unique.values())
