"""Kana spellings of shop words, written back in kanji before tokenising.

Phone mails are often sent unconverted (「へんぴんしたいです」「ﾘｮｳｼｭｳｼｮ」), and unidic splits
such kana into nonsense (へんぴん → 辺鄙 + ん). Only long, unambiguous spellings are listed,
in hiragana; the katakana forms are derived. Half-width kana are already full-width here
(normalisation runs first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

_HIRAGANA_TO_KANJI: Final[dict[str, str]] = {
    "へんぴん": "返品", "へんきん": "返金", "へんそう": "返送", "こうかん": "交換",
    "りょうしゅうしょ": "領収書", "りょうしゅーしょ": "領収書", "りょうしゅしょ": "領収書",
    "にもつ": "荷物", "りょうかい": "了解", "りょうしゅうしょう": "領収証",
    "せいきゅうしょ": "請求書", "みつもりしょ": "見積書", "みつもり": "見積もり",
    "じゅうしょ": "住所", "まちがえ": "間違え", "まちがい": "間違い", "まちがっ": "間違っ",
    "さいはいたつ": "再配達", "はいたつずみ": "配達済み", "はいたつかんりょう": "配達完了",
    "はいたつ": "配達", "ざいこ": "在庫", "しょうひん": "商品", "きゃんせる": "キャンセル",
    "ちゅうもん": "注文", "へんこう": "変更", "はっそう": "発送", "しゅっか": "出荷",
    "とどかない": "届かない", "とどいてない": "届いてない", "とどいていない": "届いていない",
    "とどいてません": "届いてません", "とどきません": "届きません", "とどきました": "届きました",
    "とどいた": "届いた", "とどく": "届く", "ふりょう": "不良", "こしょう": "故障",
    "こわれて": "壊れて", "こわれた": "壊れた", "うごかない": "動かない", "でんげん": "電源",
    "しはらい": "支払い", "だいびき": "代引き", "ついせき": "追跡", "ほしょう": "保証",
    "つかいかた": "使い方", "へんじ": "返事", "れんらく": "連絡", "ひょうか": "評価",
    "さいあく": "最悪", "あてな": "宛名", "うけとり": "受け取り", "うけとれ": "受け取れ",
    "とりけし": "取り消し", "なかみ": "中身", "からばこ": "空箱", "たりない": "足りない",
    "しんよう": "信用", "けっさい": "決済",
    "せいきゅう": "請求", "ふりょうひん": "不良品", "はそん": "破損",
    "ありがとうございました": "有難うございました", "ありがとうございます": "有難うございます",
    "ふりこんだ": "振り込んだ", "ふりこみ": "振込", "せつめいしょ": "説明書", "にほんご": "日本語",
    "はっこう": "発行", "かぶしきがいしゃ": "株式会社", "ついせきばんごう": "追跡番号",
    "でんぴょう": "伝票", "おとどけ": "お届け", "よていび": "予定日", "ふざいひょう": "不在票",
    "てきかくせいきゅうしょ": "適格請求書", "とうろくばんごう": "登録番号",
    "とどき": "届き", "とどい": "届い", "とどか": "届か", "とどけ": "届け", "でんち": "電池",
    "じゅうでん": "充電", "はいそう": "配送", "ほんとう": "本当", "てすと": "テスト",
}  # fmt: skip


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


# Wrong kanji the IME offers for shop words, kept only where the slip cannot be the other
# word (「発想されましたか」 is a parcel, never an idea).
_KANJI_SLIPS: Final[dict[str, str]] = {
    "発想され": "発送され", "発想しま": "発送しま", "発想して": "発送して", "発想済": "発送済",
    "発走": "発送",
}  # fmt: skip

_TABLE: Final[dict[str, str]] = {
    **_HIRAGANA_TO_KANJI,
    **{_katakana(k): v for k, v in _HIRAGANA_TO_KANJI.items()},
    **_KANJI_SLIPS,
}

_Trie = dict[str, "_Trie"]


def _trie_pattern(words: list[str]) -> str:
    """One regex for ``words`` shaped as a trie, longest match first.

    A flat alternation of 130 words makes the engine try each word at every position; the
    trie tries one branch per character (about twice as fast on a typical mail).
    """
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: _Trie) -> str:
        options = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not options:
            return ""
        group = options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"
        # A word may end here: the longer continuation is tried first (greedy "?").
        if "" in node:
            return f"(?:{'|'.join(options)})?"
        return group

    return branch(trie)


_PATTERN: Final = re.compile(_trie_pattern(list(_TABLE)))

# Kana and kanji of the words that are rare in buyers' mail, rarest first (as counted over the
# training mails), chosen so that every word holds one.
_RARE: Final = "走ヘ想ゴぴぶナガふウダひゅデュハツびゃコテケへげほクドそャみちどこつあけらうなと"


def _anchored_pattern(words: list[str]) -> str:
    """One regex that matches where one of ``words`` stands, only to find out whether the text
    holds any: each word is looked for at its rarest character (by :data:`_RARE`), with the
    letters before it as a look-behind and those after it as they come.

    A pattern that starts with a character class lets the engine skip to the candidate
    characters; anchored at rare ones, few positions are candidates, where the trie of
    :data:`_PATTERN` is tried at nearly every kana. Finding one word says the same as the
    trie's search (any match of it is a word of the table).
    """
    rank = {char: place for place, char in enumerate(_RARE)}
    by_anchor: dict[str, list[tuple[str, str]]] = {}
    for word in words:
        at = min(range(len(word)), key=lambda i: (rank.get(word[i], len(_RARE)), i))
        by_anchor.setdefault(word[at], []).append((word[: at + 1], word[at + 1 :]))
    options = []
    for anchor, found in sorted(by_anchor.items(), key=lambda item: rank.get(item[0], len(_RARE))):
        rests = [
            (f"(?<={re.escape(before)})" if len(before) > 1 else "") + re.escape(after)
            for before, after in sorted(set(found))
        ]
        options.append(re.escape(anchor) + (f"(?:{'|'.join(rests)})" if rests != [""] else ""))
    return "|".join(options)


_ANY_WORD: Final = re.compile(_anchored_pattern(list(_TABLE)))


def respell(text: str) -> str:
    """``text`` with known kana spellings of shop words replaced by their kanji."""
    if _ANY_WORD.search(text) is None:
        # Most text holds none (the whole pattern matches where this one does).
        return text
    return _PATTERN.sub(lambda m: _TABLE[m.group()], text)


_HIRAGANA: Final = re.compile(r"[ぁ-ゖ]")
_KATAKANA: Final = re.compile(r"[ァ-ヺ]")
_KANJI: Final = re.compile(r"[\u3400-\u9fff]")
_KATAKANA_RUN: Final = re.compile(r"[ァ-ヺー]+")
# Twenty katakana from the start of a text, anchored and without backtracking: one pass that
# stops at the twentieth (counting them all would build a list of every one).
_TWENTY_KATAKANA: Final = re.compile(r"(?:[^ァ-ヺ]*+[ァ-ヺ]){20}")


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def written_in_katakana(text: str) -> bool:
    """Whether ``text`` is Japanese written in katakana throughout (old phones' half-width
    kana, after normalisation), where kanji and hiragana would normally be."""
    # The common case first: some hiragana and under twenty katakana (the rules below then
    # say no whatever the count); a text of under twenty characters has under twenty.
    if _HIRAGANA.search(text) is not None and (
        len(text) < 20 or _TWENTY_KATAKANA.match(text) is None
    ):
        return False
    katakana = len(_KATAKANA.findall(text))
    if katakana < 4:
        return False
    # Under twenty katakana a single hiragana is already one in twenty.
    if katakana < 20 and _HIRAGANA.search(text) is not None:
        return False
    if katakana >= 20 and len(_HIRAGANA.findall(text)) * 20 > katakana:
        return False
    return katakana >= len(_KANJI.findall(text))


def unkatakana(text: str, is_word: Callable[[str], bool]) -> str:
    """A katakana-written ``text`` with its katakana in hiragana, word runs the dictionary
    knows as they are (loanwords: キャンセル, レシート; runs of three letters or more, as
    the short ones are particles and endings: ヲ, ハ, デス); other text unchanged.

    The dictionary reads 「シテクダサイ」 or 「マダデスカ」 as unknown nouns, so the grammar
    (a request, a question, a negation) would be lost; in hiragana it is read as usual.
    """
    if not written_in_katakana(text):
        return text
    return _KATAKANA_RUN.sub(
        lambda m: m.group() if len(m.group()) >= 3 and is_word(m.group()) else _hiragana(m.group()),
        text,
    )
