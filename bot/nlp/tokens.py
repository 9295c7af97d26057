"""Tokenising with fugashi + unidic-lite: one tagger per process, created on first use.

Only what the classifier needs is read from each word: its lemma and a one-letter role code
(below), both derived from a line MeCab formats itself (part of speech, lemma, surface), which
avoids a Python node object per word. Each distinct line is analysed once per process and
then looked up, which keeps the cost per word close to the tagger's own.

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

import re
from typing import Final, NamedTuple

import fugashi
import unidic_lite

_tagger: fugashi.GenericTagger | None = None
_ASCII_WORD: Final = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|\?|!")

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


# MeCab formats each token itself as "pos1<TAB>lemma<TAB>conjugated form<TAB>surface"
# (unknown words have neither lemma nor form): one C call per text and one short line per
# token, instead of a Python node object per token and its whole 26-field feature string.
_FORMAT: Final = r'-O "" -F "%f[0]\t%f[7]\t%f[5]\t%m\n" -U "%f[0]\t\t\t%m\n" -E ""'


def tagger() -> fugashi.GenericTagger:
    """The process's tagger, built on first use (loading the dictionary takes ~50 ms)."""
    global _tagger
    if _tagger is None:
        _tagger = fugashi.GenericTagger(
            f'-d "{unidic_lite.DICDIR}" -r "{unidic_lite.DICDIR}/mecabrc" {_FORMAT}'
        )
    return _tagger


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
# Formatted token line → Analysis. The same few thousand lines recur in every mail; past the
# cap (new surfaces keep coming in a long stream) a line is analysed without being kept.
_ANALYSES: dict[str, Analysis] = {}
_MAX_ANALYSES: Final = 40_000


def _analyse(line: str) -> Analysis:
    pos, _, rest = line.partition("\t")
    raw_lemma, _, rest = rest.partition("\t")
    form, _, surface = rest.partition("\t")
    if pos == "空白":
        found = _SPACE
    else:
        lemma = _lemma_of(raw_lemma)
        code = _role(pos, lemma)
        if lemma is None or lemma.isascii():
            # Unknown and ASCII words: the lemma is the word as written, lower-cased.
            lemma = surface.lower()
            code = "q" if lemma == "?" else code
            kind = "w" if code in "nCE" else "x"
        else:
            kind = "w" if code in "nCE" and pos not in ("補助記号", "記号") else "x"
        found = Analysis(lemma, code, f"{kind}:{lemma}", form.startswith("命令形") and code in "CL")
    if len(_ANALYSES) < _MAX_ANALYSES:
        _ANALYSES[line] = found
    return found


def tokenize(text: str) -> TokenizedText:
    """Japanese (or mixed) ``text`` as lemmas and role codes; spaces dropped, ASCII lower-cased."""
    output = tagger().parse(text)
    if not output:
        return TokenizedText((), "", ())
    get = _ANALYSES.get
    found = [get(line) or _analyse(line) for line in output.split("\n")]
    # A space's line, and only a space's, starts with its part of speech 空白 (cheaper to
    # look for in the output than among the analyses).
    if output.startswith("空白\t") or "\n空白\t" in output:
        found = [analysis for analysis in found if analysis is not _SPACE]
        if not found:
            return TokenizedText((), "", ())
    # zip transposes the analyses into columns in C.
    lemmas, codes, names, imperative = zip(*found, strict=True)
    return TokenizedText(lemmas, "".join(codes), names, any(imperative))


def is_dictionary_word(text: str) -> bool:
    """Whether the dictionary reads ``text`` as one word it knows (with a lemma)."""
    output = tagger().parse(text)
    if not output or "\n" in output:
        return False
    return output.split("\t")[1] not in ("", "*")


def tokenize_english(text: str) -> TokenizedText:
    """Latin-script ``text`` as lower-cased words, without the tagger (it adds nothing there)."""
    words = tuple(_ASCII_WORD.findall(text.lower()))
    return TokenizedText(
        words,
        "".join(["q" if w == "?" else "E" for w in words]),
        tuple([f"x:{w}" if w in ("?", "!") else f"w:{w}" for w in words]),
    )
