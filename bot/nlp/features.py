"""Features of a buyer mail for the linear models: lemmas, predicates with negation, cues.

Feature names carry a prefix saying where they come from, which the evidence shown to
agents keeps readable:

- ``w:届く`` a lemma (English words lower-cased);
- ``p:届く|NEG`` a predicate and what follows it in its clause (``NEG`` negated, ``PAST``
  done, ``REQ`` asked for, ``Q`` questioned), so 「届いていません」 and 「届きました」 differ;
- ``s:発送`` a lemma of the subject line;
- ``c:not_arrived`` a hand-written cue (:mod:`bot.nlp.cues`), ``f:`` a form feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from bot.nlp.cues import Cue, cue_hits, strip_closings
from bot.nlp.tokens import Token, tokenize, tokenize_english

_PREDICATE_POS: Final = frozenset({"動詞", "形容詞"})
# Verbs that only carry grammar after a predicate (ている, てください, ていただく, …).
_HELPER_VERBS: Final = frozenset(
    {"居る", "為る", "下さる", "頂く", "貰う", "置く", "仕舞う", "有る", "来る", "出来る",
     "致す", "成る", "呉れる", "見る", "行く", "願う", "遣る", "上げる", "差し上げる", "御座る",
     "申す", "存ずる", "思う", "参る", "頂ける", "居る"}
)  # fmt: skip
# Nouns become predicates when one of these follows (キャンセルする, キャンセルできる).
_LIGHT_VERBS: Final = frozenset({"為る", "出来る", "致す", "頂く", "下さる"})
_NEGATIONS: Final = frozenset({"ず", "ない", "ぬ", "無い"})
_REQUESTS: Final = frozenset({"下さる", "頂く", "欲しい", "たい", "願う", "貰う", "呉れる"})
_QUESTIONS: Final = frozenset({"か", "?", "かしら", "の"})
_CLAUSE_END: Final = frozenset({"。", "?", "!", "、", ",", ".", "\n", "…"})
_SKIP_POS: Final = frozenset({"補助記号", "記号"})
# Subject lines are short: their particles and endings add nothing but noise.
_SUBJECT_POS: Final = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "接尾辞", "en"})
_JAPANESE: Final = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_KANA: Final = re.compile(r"[\u3040-\u30ff]")
_LATIN: Final = re.compile(r"[A-Za-z]")
_SUBJECT_NOISE: Final = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|転送|返信)\s*[:：]\s*)+", re.IGNORECASE)


@dataclass
class MailFeatures:
    """The features of one mail and the cue phrases behind them (for evidence)."""

    names: set[str] = field(default_factory=set)
    cues: dict[str, tuple[Cue, str]] = field(default_factory=dict)
    language: str = "ja"


def language_of(text: str) -> str:
    """``ja`` when the text has kana, ``en`` when it is mostly Latin letters, else ``other``."""
    kana = len(_KANA.findall(text))
    if kana >= 2 or (kana and len(_JAPANESE.findall(text)) >= 4):
        return "ja"
    latin = len(_LATIN.findall(text))
    han = len(_JAPANESE.findall(text))
    if latin >= 3 and latin >= 2 * han:
        return "en"
    return "other"


def _modality(tokens: list[Token], start: int) -> str:
    """What the clause says about the predicate ending at ``start - 1``."""
    flags: set[str] = set()
    for token in tokens[start : start + 8]:
        lemma, pos = token.lemma, token.pos
        if lemma in _CLAUSE_END or pos in ("名詞", "副詞", "代名詞", "接頭辞", "連体詞"):
            if lemma == "?":
                flags.add("Q")
            break
        if pos in _PREDICATE_POS and lemma not in _HELPER_VERBS and lemma not in _NEGATIONS:
            if lemma not in _REQUESTS:
                break
        if lemma in _NEGATIONS:
            flags.add("NEG")
        elif lemma == "た" and "NEG" not in flags:
            flags.add("PAST")
        elif lemma in _REQUESTS:
            flags.add("REQ")
        elif lemma in _QUESTIONS and pos == "助詞" and lemma != "の":
            flags.add("Q")
    if "NEG" in flags:
        flags.discard("PAST")
    return "+".join(sorted(flags))


def _token_features(tokens: list[Token], prefix: str, names: set[str], bigrams: bool) -> None:
    previous = ""
    for i, token in enumerate(tokens):
        if token.pos in _SKIP_POS and token.lemma not in ("?", "!"):
            previous = ""
            continue
        names.add(f"{prefix}{token.lemma}")
        if previous and bigrams:
            names.add(f"{prefix}{previous}_{token.lemma}")
        previous = token.lemma
        if prefix != "w:":
            continue
        is_predicate = token.pos in _PREDICATE_POS and token.lemma not in _HELPER_VERBS
        after = i + 1
        if token.pos == "名詞" and after < len(tokens) and tokens[after].lemma in _LIGHT_VERBS:
            is_predicate = True
        if is_predicate:
            mood = _modality(tokens, after)
            if mood:
                names.add(f"p:{token.lemma}|{mood}")


def _tokens_for(text: str, language: str) -> list[Token]:
    if not text.strip():
        return []
    return tokenize_english(text) if language == "en" else tokenize(text)


def clean_subject(subject: str) -> str:
    """The subject without reply and forward prefixes (``Re:``, ``Fwd:``, ``転送:``)."""
    return _SUBJECT_NOISE.sub("", subject).strip()


def extract(subject: str, body: str, *, use_bigrams: bool = True) -> MailFeatures:
    """Features of a mail from its normalised subject and normalised new text."""
    language = language_of(body if body.strip() else subject)
    features = MailFeatures(language=language)
    names = features.names
    body_tokens = _tokens_for(body, language)
    _token_features(body_tokens, "w:", names, use_bigrams)
    subject = clean_subject(subject)
    if subject:
        subject_tokens = _tokens_for(subject, language_of(subject))
        content = [t for t in subject_tokens if t.pos in _SUBJECT_POS]
        _token_features(content, "s:", names, False)
    lowered = body.lower()
    for cue, phrase in cue_hits(strip_closings(lowered)):
        features.cues[cue.name] = (cue, phrase)
        names.add(f"c:{cue.name}")
    for cue, phrase in cue_hits(subject.lower()):
        if cue.intent not in ("ask", "angry"):
            names.add(f"cs:{cue.name}")
            features.cues.setdefault(cue.name, (cue, phrase))
    names.add(f"f:lang={language}")
    length = len(body)
    names.add("f:len<40" if length < 40 else ("f:len<200" if length < 200 else "f:len>=200"))
    return features
