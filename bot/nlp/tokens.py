"""Tokenising with fugashi + unidic-lite: one tagger per process, created on first use.

Only what the classifier needs is read from each word: its lemma and a one-letter role code
(below). MeCab writes one short line per word that names its dictionary entry (ids, cost,
surface), which avoids a Python node object per word and MeCab's reading of the word's
feature string. Each distinct line is analysed once per process, the first time it is seen
(an unknown word from the line itself, a dictionary word from its entry, read where MeCab
mapped the dictionary; failing that, by tagging the word alone or with the few words around
it, or from the whole text's nodes), and then looked up, which keeps the cost per word close
to the tagger's own.

Role codes, one character per token, so that clause scans are plain string operations:

- ``C`` a content predicate (verb, adjective) — starts a clause scan and stops one;
- ``n`` a noun (stops a scan; heads a predicate when a light verb ``L`` follows: キャンセルする);
- ``L`` a light verb (為る, 出来る, 致す); ``H`` other helpers, particles and endings, of
  which ``K`` marks the particles that link a noun to a verb (が, は, に, で…) and ``X`` the
  verbs of existence and becoming (有る, 成る);
- ``N`` negation (ず, ない, ぬ), ``P`` past (た), ``R`` request (下さる, 頂く, たい, 欲しい…),
  ``Q`` the question particle か; ``q`` a question mark; ``E`` any other clause stop.
"""

from __future__ import annotations

import csv
import itertools
import re
import struct
import sys
from pathlib import Path
from typing import Final, NamedTuple, TypeVar

import fugashi
import unidic_lite

from bot.nlp.dictpages import (
    CHARSET_FIELD,
    ENTRIES_FIELD,
    FEATURES_SIZE_FIELD,
    HEADER,
    mapped_bytes,
    sections,
    system_dictionary_mappings,
)
from bot.nlp.normalize import DIGITS_AND_MORE

_tagger: fugashi.GenericTagger | None = None
_V = TypeVar("_V")
# Words, numbers, "?", "!" and a full stop that ends a sentence (before a space or the end:
# not the dots of "amazon.co.jp" or "1.5"): [a-z]+(?:'[a-z]+)?|\d+|\?|!|\.(?=\s|$) written as
# one leading class and a look-behind for each kind (a leading alternation of classes is tried
# at every position; the digits through a class without categories, see DIGITS_AND_MORE).
# Same matches. The marks end a negation's reach (bot.nlp.features).
_ASCII_WORD: Final = re.compile(
    rf"[a-z?!.{DIGITS_AND_MORE}]"
    rf"(?:(?<=[a-z])[a-z]*(?:'[a-z]+)?|(?<=\d)\d*|(?<=[?!])|(?<=\.)(?=\s|$))"
)

# The marks among English tokens (the rest are words and numbers): each ends a sentence.
EN_MARKS: Final = frozenset({"?", "!", "."})

_HELPER_VERBS: Final = frozenset(
    {"居る", "有る", "置く", "仕舞う", "成る", "見る", "行く", "遣る", "上げる",
     "差し上げる", "御座る", "申す", "存ずる", "参る", "頂ける", "思う", "下さる", "頂く",
     "貰う", "呉れる", "願う"}
)  # fmt: skip
_LIGHT_VERBS: Final = frozenset({"為る", "出来る", "致す"})
_NEGATIONS: Final = frozenset({"ず", "ない", "ぬ", "無い"})
_REQUESTS: Final = frozenset({"下さる", "頂く", "欲しい", "たい", "願う", "貰う", "呉れる"})
_CONTINUING_POS: Final = frozenset({"助詞", "助動詞", "接尾辞"})
# Formal nouns carry grammar, not content: 「キャンセルするつもりはありません」「届くはずです」.
_FORMAL_NOUNS: Final = frozenset({"事", "積り", "筈", "訳", "所", "物", "の"})
_LINKS: Final = frozenset({"が", "は", "も", "に", "と", "で", "じゃ", "だ", "では"})
# ございます is the polite 有る: 「在庫がございません」 negates like 「在庫がありません」.
_EXISTENCE: Final = frozenset({"有る", "成る", "御座る"})


class Analysis(NamedTuple):
    """What the classifier keeps of one token's dictionary analysis."""

    lemma: str
    code: str
    # The lemma's feature name, built once: ``w:`` for content words, ``x:`` for the rest.
    name: str
    # A verb in the imperative (「返金しろ」「早く返せ」), not a polite request (ください).
    imperative: bool = False


class TokenizedText(NamedTuple):
    """A text as parallel lemmas, role codes and feature names (one each per token)."""

    lemmas: tuple[str, ...]
    codes: str
    names: tuple[str, ...]
    # Some content or light verb is in the imperative: rude in a buyer's mail.
    imperative: bool = False


# MeCab formats each token as "context id, word cost, surface" (unknown words marked with a
# leading "U"): one C call per text and one short line per token, without reading the
# token's 26-field feature string from the dictionary at all. In unidic-lite every entry's
# left and right context ids are equal (checked over all 756,264 entries of sys.dic and the
# 35 of unk.dic, and left-id.def is right-id.def; tests/nlp check it again), so the left id
# alone stands for both. The line identifies the dictionary entry: entries that share
# surface, ids and cost (homographs such as 謁する and 閲する in kana) tie on every path, and
# MeCab's Viterbi then keeps the same one of them whatever the context, so one line always
# stands for one entry. A line seen for the first time is analysed once per process (see
# _analyse_lines).
_FORMAT: Final = r'-O "" -F "%phl %pw %m\n" -U "U%phl %pw %m\n" -E ""'


def tagger() -> fugashi.GenericTagger:
    """The process's tagger, built on first use (loading the dictionary takes ~50 ms)."""
    global _tagger
    if _tagger is None:
        before = system_dictionary_mappings()
        _tagger = fugashi.GenericTagger(
            f'-d "{unidic_lite.DICDIR}" -r "{unidic_lite.DICDIR}/mecabrc" {_FORMAT}'
        )
        _UNKNOWN_POS.update(unknown_parts_of_speech(Path(unidic_lite.DICDIR) / "unk.dic"))
        global _SYSTEM
        _SYSTEM = SystemDictionary.mapped_by(_tagger, before)
    return _tagger


# A word table entry of a compiled MeCab dictionary (the file's layout: bot.nlp.dictpages):
# left id, right id, pos id, cost (16 bits each), feature offset, compound (32 bits each).
_DIC_ENTRY: Final = struct.Struct("<HHHhII")


def unknown_parts_of_speech(path: Path) -> dict[str, str]:
    """For each context id of the unknown-word dictionary that names one part of speech, the
    line prefix of such words (``U`` and the id, see _FORMAT) and that part of speech.

    Numbers, names and Latin words keep coming in mail; with this, a new one is read from its
    line alone instead of tagging its text a second time for the nodes' features. An id shared
    by two parts of speech (unidic-lite has one: 名詞 and 記号) is left out. Empty when the
    file cannot be read as a dictionary: every new word then goes through the nodes.
    """
    try:
        data = path.read_bytes()
        header = HEADER.unpack_from(data)
        start, features = sections(header)
        found: dict[str, set[str]] = {}
        for index in range(int(header[ENTRIES_FIELD])):
            left, _, _, _, offset, _ = _DIC_ENTRY.unpack_from(data, start + index * _DIC_ENTRY.size)
            at = features + offset
            feature = data[at : data.index(b"\0", at)].decode()
            found.setdefault(f"U{left}", set()).add(feature.partition(",")[0])
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        return {}
    return {prefix: next(iter(kinds)) for prefix, kinds in found.items() if len(kinds) == 1}


class SystemDictionary:
    """The tagger's system dictionary (``sys.dic``), read the way MeCab reads it, to find a
    token line's entry and its feature string without tagging anything again.

    The dictionary (layout: bot.nlp.dictpages) is read where MeCab mapped it: no second
    mapping, so no page counts twice in the process's memory, and the trie's pages are the
    ones every text's tagging keeps warm. A surface is walked through the double-array trie,
    one UTF-8 byte at a time (a unit is a 32-bit base and a 32-bit check: from base ``b``,
    byte ``c`` leads to unit ``b + c + 1`` when that unit's check is ``b``); the unit at the
    end holds ``-value - 1``, where ``value >> 8`` is the first of the surface's entries in
    the word table and ``value & 0xff`` how many there are. Of those, the one with the line's
    context id and cost is the line's entry (see _FORMAT).
    """

    def __init__(
        self,
        owner: object,
        data: memoryview,
        units: memoryview,
        words_at: int,
        features_at: int,
    ) -> None:
        # The tagger whose mapping this is: held, so the mapping lives as long as this does.
        self.owner = owner
        self.data = data
        self.units = units
        self.words_at = words_at
        self.features_at = features_at

    @staticmethod
    def mapped_by(tagger: object, before: dict[int, int]) -> SystemDictionary | None:
        """The dictionary as ``tagger`` mapped it (the one mapping of ``sys.dic`` that is
        new since ``before``); None when that mapping is not found or is not a UTF-8 MeCab
        dictionary (new words are then read by tagging them again)."""
        new = [(s, e) for s, e in system_dictionary_mappings().items() if s not in before]
        if len(new) != 1:
            return None
        start, end = new[0]
        data = mapped_bytes(start, end)
        try:
            header = HEADER.unpack_from(data)
        except struct.error:
            return None
        charset = bytes(header[CHARSET_FIELD]).rstrip(b"\0").lower()
        words_at, features_at = sections(header)
        if charset not in (b"utf-8", b"utf8") or features_at + int(
            header[FEATURES_SIZE_FIELD]
        ) > len(data):
            return None
        units = data[HEADER.size : words_at].cast("i")
        return SystemDictionary(tagger, data, units, words_at, features_at)

    def features(self, context: int, cost: int, surface: str) -> str | None:
        """The feature string of a known word's entry (a token line's context id, cost and
        surface); None when the trie has no such entry, or when entries of the same surface,
        context id and cost differ in features (homographs: the text's reading tells them
        apart)."""
        units = self.units
        size: int = len(units)
        base: int = units[0]
        for byte in surface.encode():
            at = 2 * (base + byte + 1)
            if at < 0 or at >= size:
                return None
            check: int = units[at + 1]
            if check != base:
                return None
            base = units[at]
        at = 2 * base
        if at < 0 or at >= size:
            return None
        check = units[at + 1]
        value: int = -units[at] - 1
        if check != base or value < 0:
            return None
        data = self.data
        found: str | None = None
        for index in range(value >> 8, (value >> 8) + (value & 0xFF)):
            left, _, _, weight, offset, _ = _DIC_ENTRY.unpack_from(
                data, self.words_at + index * _DIC_ENTRY.size
            )
            if left != context or weight != cost:
                continue
            feature = _string_in(data, self.features_at + offset)
            if found is not None and feature != found:
                return None
            found = feature
        return found


def _string_in(data: memoryview, start: int) -> str:
    """The NUL-terminated UTF-8 string at ``start`` of ``data``. A feature string of
    unidic-lite is 208 bytes on average and 905 at most: one copy of 512 bytes nearly always
    holds it, NUL and all."""
    size = 512
    while True:
        chunk = bytes(data[start : start + size])
        end = chunk.find(b"\0")
        if end >= 0 or start + size >= len(data):
            return chunk[: end if end >= 0 else len(chunk)].decode("utf-8", "replace")
        size *= 4


# The process's system dictionary, opened with the tagger (None where it cannot be read).
_SYSTEM: SystemDictionary | None = None


def _lemma_of(lemma: str) -> str | None:
    if lemma in ("", "*"):
        return None
    # Loanwords carry an English gloss (キャンセル-cancel); the gloss adds nothing here.
    head, dash, gloss = lemma.partition("-")
    if dash and head and gloss.isascii():
        return head
    return lemma


def _role(pos: str, lemma: str | None) -> str:
    if lemma in _NEGATIONS:
        return "N"
    if lemma == "た" and pos == "助動詞":
        return "P"
    if lemma in _REQUESTS:
        return "R"
    if lemma in _LIGHT_VERBS:
        return "L"
    if pos == "助詞" and lemma in ("か", "かしら"):
        return "Q"
    if lemma in _EXISTENCE:
        return "X"
    if pos in ("動詞", "形容詞"):
        return "H" if lemma in _HELPER_VERBS else "C"
    if pos in _CONTINUING_POS and lemma in _LINKS:
        return "K"
    if pos in _CONTINUING_POS or lemma in _FORMAL_NOUNS:
        return "H"
    if pos == "名詞":
        return "n"
    if lemma in ("?", "？"):
        return "q"
    return "E"


_SPACE: Final = Analysis("", "S", "")
# Formatted token line → Analysis. The same few thousand lines recur in every mail (the
# training corpora's 3,000 mails hold ~5,000). At the cap (new surfaces keep coming in a long
# stream) the oldest quarter is forgotten: a line not kept costs a second reading of its word
# or its text (for the features), so lines in use must stay.
_ANALYSES: dict[str, Analysis] = {}
_MAX_ANALYSES = 40_000  # not Final: tests lower it
# Unknown words' line prefix (``U`` and context id) → part of speech, where the id tells it
# (filled with the tagger, see unknown_parts_of_speech).
_UNKNOWN_POS: dict[str, str] = {}


def _features(node: fugashi.Node) -> tuple[str, str, str]:
    """A node's part of speech, lemma and conjugated form (unknown words have only the first)."""
    feature: str = node.feature_raw
    if node.is_unk:
        return feature.partition(",")[0], "", ""
    return _fields(feature)


def _fields(feature: str) -> tuple[str, str, str]:
    """The part of speech, lemma and conjugated form in a dictionary word's feature string."""
    # Fields with a comma are quoted (the lemma of 「,」); MeCab's own CSV rules are csv's.
    fields = next(csv.reader([feature])) if '"' in feature else feature.split(",", 8)
    return fields[0], fields[7] if len(fields) > 7 else "", fields[5] if len(fields) > 5 else ""


def _analyse(pos: str, raw_lemma: str, form: str, surface: str) -> Analysis:
    if pos == "空白":
        return _SPACE
    lemma = _lemma_of(raw_lemma)
    code = _role(pos, lemma)
    if lemma is None or lemma.isascii():
        # Unknown and ASCII words: the lemma is the word as written, lower-cased.
        lemma = surface.lower()
        code = "q" if lemma == "?" else code
        kind = "w" if code in "nCE" else "x"
    else:
        kind = "w" if code in "nCE" and pos not in ("補助記号", "記号") else "x"
    # The name is interned, as are the model's and the cue table's names (bot.nlp.model,
    # bot.nlp.cues): every set and dict look-up of it then finds the same object there and
    # compares no characters (a tenth of a mail's time went to such look-ups).
    name = sys.intern(f"{kind}:{lemma}")
    return Analysis(lemma, code, name, form.startswith("命令形") and code in "CL")


def remember_bounded(cache: dict[str, _V], key: str, value: _V, cap: int) -> None:
    """Keep ``value`` under ``key`` in ``cache``; at ``cap`` entries the oldest quarter is
    forgotten first (dicts keep insertion order: the first keys are the oldest)."""
    if len(cache) >= cap:
        for old in list(itertools.islice(cache, cap // 4)):
            del cache[old]
    cache[key] = value


def _remember(line: str, analysis: Analysis) -> None:
    remember_bounded(_ANALYSES, line, analysis, _MAX_ANALYSES)


def _analyse_word(line: str) -> Analysis | None:
    """The analysis of a new line from the line alone, its dictionary entry or its word
    tagged alone; None when none of them names the entry (the text's nodes must tell then)."""
    prefix, _, rest = line.partition(" ")
    cost, _, surface = rest.partition(" ")
    pos = _UNKNOWN_POS.get(prefix)
    if pos is not None:
        # An unknown word has only its part of speech.
        return _analyse(pos, "", "", surface)
    if not surface or prefix.startswith("U"):
        return None
    # The line names one entry of the dictionary: its features are read there, a few
    # microseconds instead of tagging again.
    if _SYSTEM is not None and prefix.isdigit():
        feature = _SYSTEM.features(int(prefix), int(cost), surface)
        if feature is not None:
            pos, lemma, form = _fields(feature)
            return _analyse(pos, lemma, form, surface)
    # Tagged alone, a word usually reads as the same entry (the same line: id, cost and
    # surface name the entry); a few dozen characters instead of the whole text again.
    return _analyse_in(surface, line)


def _analyse_in(stretch: str, line: str) -> Analysis | None:
    """The analysis of ``line`` from ``stretch`` tagged alone, when the stretch holds that
    line; else None. The line names one dictionary entry (see _FORMAT), so any node that
    formats as it has that entry's features."""
    found = tagger().parse(stretch).split("\n")
    if line not in found:
        return None
    nodes = tagger().parseToNodeList(stretch)
    if len(nodes) != len(found):
        return None
    node = nodes[found.index(line)]
    return _analyse(*_features(node), node.surface)


def _extend_spans(text: str, lines: list[str], spans: list[tuple[int, int]], count: int) -> bool:
    """Add to ``spans`` where the words of ``lines`` stand in ``text``, up to the first
    ``count`` (MeCab skips only the spaces between words, and no word holds one); False
    when some word is not found where it should be."""
    at = spans[-1][1] if spans else 0
    for line in lines[len(spans) : count]:
        surface = line.rpartition(" ")[2]
        start = text.find(surface, at)
        if not surface or start < 0:
            return False
        at = start + len(surface)
        spans.append((start, at))
    return True


# Words on each side of a new word in the stretch tagged again (see _analyse_in_context).
_CONTEXT: Final = 2


def _analyse_in_context(
    text: str, lines: list[str], spans: list[tuple[int, int]], index: int
) -> Analysis | None:
    """The analysis of line ``index`` from the stretch of ``text`` around its word (a few
    words each side), when that stretch tagged alone holds the same line; else None.
    Cheaper than the whole text's nodes when a word read alone is another entry (a verb stem
    read as a noun, a name split otherwise)."""
    start = spans[max(0, index - _CONTEXT)][0]
    end = spans[min(len(spans) - 1, index + _CONTEXT)][1]
    return _analyse_in(text[start:end], lines[index])


def _analyse_lines(text: str, lines: list[str]) -> list[Analysis]:
    """Analyses of a text whose lines are not all known yet: each new one from its line,
    its dictionary entry or its word alone (:func:`_analyse_word`) or the words around it
    (:func:`_analyse_in_context`), else all from the text's nodes."""
    found = []
    # Where the words stand, found as far as a new word's context needs.
    spans: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        analysis = _ANALYSES.get(line)
        if analysis is None:
            analysis = _analyse_word(line)
            if analysis is None:
                if _extend_spans(text, lines, spans, index + _CONTEXT + 1):
                    analysis = _analyse_in_context(text, lines, spans, index)
                if analysis is None:
                    return _analyse_nodes(text, lines)
            _remember(line, analysis)
        found.append(analysis)
    return found


def _analyse_nodes(text: str, lines: list[str]) -> list[Analysis]:
    """Analyses of a text whose lines are not all known yet: from its nodes' features."""
    nodes = tagger().parseToNodeList(text)
    if len(nodes) != len(lines):
        # Not expected (the same tagger reads the same text); analyse without keeping.
        return [_analyse(*_features(node), node.surface) for node in nodes]
    found = []
    for line, node in zip(lines, nodes, strict=True):
        analysis = _ANALYSES.get(line)
        if analysis is None:
            analysis = _analyse(*_features(node), node.surface)
            _remember(line, analysis)
        found.append(analysis)
    return found


Tokens = tuple[tuple[str, ...], str, tuple[str, ...], bool]
_NO_TOKENS: Final[Tokens] = ((), "", (), False)


def tokenize(text: str) -> TokenizedText:
    """Japanese (or mixed) ``text`` as lemmas and role codes; spaces dropped, ASCII lower-cased."""
    return TokenizedText(*tokens(text))


def tokens(text: str) -> Tokens:
    """:func:`tokenize` as a plain tuple (the classifier's path: no named tuple to build)."""
    output = tagger().parse(text)
    if not output:
        return _NO_TOKENS
    lines = output.split("\n")
    analyses = _ANALYSES
    try:
        # (Compiled, a comprehension indexes the dict directly; map would call its method.)
        found = [analyses[line] for line in lines]
    except KeyError:
        found = _analyse_lines(text, lines)
    joined = "".join([analysis[1] for analysis in found])
    if "S" in joined:
        # Spaces (only they have the code S) are dropped.
        found = [analysis for analysis in found if analysis is not _SPACE]
        if not found:
            return _NO_TOKENS
        joined = "".join([analysis[1] for analysis in found])
    # One comprehension per column: compiled, each is a loop over the list (zip(*found) went
    # through a generic call that first copies the list into an argument tuple). any() tests
    # each bool by identity; "True in" would compare each with True.
    return (
        tuple([analysis[0] for analysis in found]),
        joined,
        tuple([analysis[2] for analysis in found]),
        any([analysis[3] for analysis in found]),
    )


# Token line → whether its entry has a lemma, for texts read as one known word.
_WORDS: dict[str, bool] = {}
_MAX_WORDS: Final = 5_000


def is_dictionary_word(text: str) -> bool:
    """Whether the dictionary reads ``text`` as one word it knows (with a lemma)."""
    # One line is one token; unknown words' lines start with "U" (see _FORMAT).
    line = tagger().parse(text)
    if not line or "\n" in line or line.startswith("U"):
        return False
    known = _WORDS.get(line)
    if known is None:
        nodes = tagger().parseToNodeList(text)
        known = len(nodes) == 1 and not nodes[0].is_unk and _features(nodes[0])[1] not in ("", "*")
        if len(_WORDS) < _MAX_WORDS:
            _WORDS[line] = known
    return known


def tokenize_english(text: str) -> TokenizedText:
    """Latin-script ``text`` as lower-cased words, without the tagger (it adds nothing there)."""
    return TokenizedText(*english_tokens(text))


def english_tokens(text: str) -> Tokens:
    """:func:`tokenize_english` as a plain tuple."""
    words = tuple(_ASCII_WORD.findall(text.lower()))
    return (
        words,
        "".join(["q" if w == "?" else "E" for w in words]),
        tuple([f"x:{w}" if w in EN_MARKS else f"w:{w}" for w in words]),
        False,
    )
