"""Text normalisation before entity extraction and tokenising (``domain.md`` §6).

NFKC folds full-width letters and digits and half-width kana (unidic-lite normalises nothing,
so ``ｷｬﾝｾﾙ`` would otherwise be an unknown word), then its side effects are repaired:

- circled numbers become ``(1)`` *before* NFKC (NFKC would turn ``①`` into a bare ``1`` and
  glue it to the next digits);
- every tilde (``～`` ``~`` ``∼`` ``〜``) becomes the wave dash ``〜``;
- dashes (``－ ー − ‐ ― – —``) become ``-`` only between two digits, so ``２４９ー１２`` reads
  as ``249-12`` while ``キャンセル`` keeps its long vowel mark;
- ``㈱`` becomes ``(株)`` (NFKC does that one).

:func:`normalize` is the fast path the classifier uses; :func:`normalize_with_offsets` gives
the same text plus, for every output character, the index of the input character it came
from, for showing spans to people.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

# ①–⑳ (U+2460–2473), ⓪, ⓫–⓴ and the dingbat circles ❶–❿ ➀–➉ ➊–➓.
_CIRCLED: Final[dict[int, str]] = {
    **{0x2460 + i: f"({i + 1})" for i in range(20)},
    0x24EA: "(0)",
    **{0x24EB + i: f"({i + 11})" for i in range(10)},
    **{0x2776 + i: f"({i + 1})" for i in range(10)},
    **{0x2780 + i: f"({i + 1})" for i in range(10)},
    **{0x278A + i: f"({i + 1})" for i in range(10)},
}
_TILDES: Final[dict[int, str]] = {ord(c): "〜" for c in "~～∼〜〰"}
# A character class holding every character ``\d`` matches (the decimal digits of every script,
# str.isdecimal: tests/nlp check it) and no kana, kanji, Latin letter or common punctuation.
# A pattern that starts with it and checks ``\d`` by a look-behind after it lets the engine
# skip to candidates by a bitmap test, where a leading ``\d`` (or a class holding it) looks up
# each character's Unicode category.
DIGITS_AND_MORE: Final = "0-9\u0660-\u1c59\ua620-\uabf9\uff10-\uff19\U00010000-\U0010ffff"
# The dash first and the digit before it as a look-behind after it (not ``(?<=\d)`` first):
# a pattern that starts with a character class lets the engine skip to the dashes, while a
# leading look-behind is tried at every position.
_DASH_IN_DIGITS: Final = re.compile(r"[‐‑‒–—―−ー─━﹣-](?<=\d.)(?=\d)")
# Marks that combine with the character before them (half-width voiced marks included).
_JOINERS: Final = frozenset("\uff9e\uff9f\u3099\u309a")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text and, per output character, the index of its source character."""

    text: str
    offsets: tuple[int, ...]
    source_length: int

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced ``text[start:end]``."""
        if start >= end:
            origin = self.offsets[start] if start < len(self.offsets) else self.source_length
            return origin, origin
        first = self.offsets[start]
        last = self.offsets[end - 1]
        # The end is the start of the next source character that is not part of the span.
        stop = self.offsets[end] if end < len(self.offsets) else self.source_length
        return first, max(stop, last + 1)


def _fold_digit_dashes(text: str) -> str:
    return _DASH_IN_DIGITS.sub("-", text)


_HAS_CIRCLED: Final = re.compile("[" + "".join(chr(c) for c in _CIRCLED) + "]")
_HAS_TILDE: Final = re.compile("[~～∼〰]")
# (A dash after a digit: the dash first, as in _DASH_IN_DIGITS.)
_HAS_DASH: Final = re.compile(r"[‐‑‒–—―−ー─━﹣-](?<=\d.)")
# Any of the three in one scan: on NFKC-stable text without them no step has anything to do.
# Written as one character class and a condition on what precedes (a dash must follow a
# digit): a pattern that starts with a class lets the engine skip to the candidate characters,
# while an alternation of classes is tried at every position; and a class without ``\d`` is
# one bitmap test per character, where ``\d`` in it looks up each character's category.
_CIRCLED_OR_TILDE: Final = _HAS_CIRCLED.pattern[1:-1] + _HAS_TILDE.pattern[1:-1]
_HAS_ANY: Final = re.compile(
    rf"[{_CIRCLED_OR_TILDE}‐‑‒–—―−ー─━﹣-](?:(?<=[{_CIRCLED_OR_TILDE}])|(?<=\d.))"
)


# Characters NFKC leaves alone and that never combine with what follows: ASCII, kana, the
# long vowel mark, common CJK ideographs and Japanese punctuation. NFKC runs only on the
# stretches between them (plus the character before, which a voiced mark may join).
_NFKC_STABLE: Final = "\t\n\r\x20-\x7e\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff\u3001\u3002\u3005\u300c-\u300f\u301c\u30fb"
_NFKC_UNSTABLE_RUN: Final = re.compile(f"[^{_NFKC_STABLE}]+")


# A run (with the character before it) → its NFKC form. The same few hundred recur in mail
# (「す！」「？」「（」): a look-up costs less than normalising. Filled up to the cap, then only read.
_NFKC_PIECES: Final[dict[str, str]] = {}
_MAX_NFKC_PIECES: Final = 10_000


def _nfkc_runs(text: str) -> str:
    """NFKC applied to each maximal run of unstable characters together with the (stable)
    character before it, which a voiced mark may join; the rest of ``text`` as it is."""
    pieces = []
    done = 0
    for m in _NFKC_UNSTABLE_RUN.finditer(text):
        start, end = m.span()
        # Runs are maximal, so the character before one is stable and not in the last run.
        start = start - 1 if start > 0 else 0
        pieces.append(text[done:start])
        piece = text[start:end]
        folded = _NFKC_PIECES.get(piece)
        if folded is None:
            folded = unicodedata.normalize("NFKC", piece)
            if len(_NFKC_PIECES) < _MAX_NFKC_PIECES:
                _NFKC_PIECES[piece] = folded
        pieces.append(folded)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, normalising only the runs that need it (each
    remembered) instead of the whole text."""
    return text if unicodedata.is_normalized("NFKC", text) else _nfkc_runs(text)


def normalize(text: str) -> str:
    """Normalise ``text`` for matching and tokenising (see the module docstring)."""
    # Each step is skipped when a cheap scan shows it has nothing to do (the common case).
    stable = unicodedata.is_normalized("NFKC", text)
    if stable and not _HAS_ANY.search(text):
        return text
    if _HAS_CIRCLED.search(text):
        text = text.translate(_CIRCLED)
        stable = unicodedata.is_normalized("NFKC", text)
    if not stable:
        text = _nfkc_runs(text)
    if _HAS_TILDE.search(text):
        text = text.translate(_TILDES)
    if _HAS_DASH.search(text):
        text = _fold_digit_dashes(text)
    return text


def _units(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (start, unit) where a unit is a character and its combining marks."""
    units: list[tuple[int, str]] = []
    for i, ch in enumerate(text):
        if units and (ch in _JOINERS or unicodedata.combining(ch)):
            start, unit = units[-1]
            units[-1] = (start, unit + ch)
        else:
            units.append((i, ch))
    return units


def normalize_with_offsets(text: str) -> NormalizedText:
    """Like :func:`normalize`, keeping for each output character its index in ``text``."""
    pieces: list[str] = []
    offsets: list[int] = []
    for start, unit in _units(text):
        folded = unicodedata.normalize("NFKC", unit.translate(_CIRCLED)).translate(_TILDES)
        pieces.append(folded)
        offsets.extend([start] * len(folded))
    # The dash fold replaces one character by one, so the offsets stay valid.
    return NormalizedText(_fold_digit_dashes("".join(pieces)), tuple(offsets), len(text))
