"""Hand-written scans of the classifier say what the patterns they replace say."""

from __future__ import annotations

import random
import re

from bot.nlp import cleanup, features
from bot.nlp.model import load_model

# The plain forms the buyer-text cut's scans replace (each test below compares them).
RELAY_LINE = re.compile(
    r"^\s*amazon(?:\.co\.jp)?\s*(?:を通じて|経由で|より)|(?:を通じて|経由で).{0,40}メッセージが届"
    r"|you have received a message|(?:via|through) amazon(?:\.co\.jp)?\.?\s*$"
    r"|^[\s\-ー─━=＝_*]*(?:メッセージ|message|end message|メッセージの終了)[\s:：]*[\-ー─━=＝_*]*$"
    r"|^\s*(?:購入者|buyer|customer|お客様)(?:名)?\s*[:：]|^\s*\[amazon[^\]]*\]"
    r"|購入者とのやり取り|このメッセージに返信すると|reply to this (?:e-?mail|message)",
    re.IGNORECASE,
)
MARKERS = (
    r"amazon|購入者|メッセージ|message|書きました|wrote|original|差出人|from\s*[:：]|"
    r"返信すると|reply to this|buyer|customer|お客様|"
    r"のメール|様より|<[^\n]*[>＞]|＜[^\n]*[>＞]|から送信|sent from|get outlook|"
    + "|".join(
        f"{re.escape(c)}[{re.escape(cleanup._RULE_CHARS)}]{{3,}}" for c in cleanup._RULE_CHARS
    )
)


def test_head_scan_finds_the_heads_pattern_matches() -> None:
    rng = random.Random(3)
    samples = ["", "C", "nL", "nKKKL", "nKKKKL", "nR", "nKR", "nnKN", "CnKXnR", "nK"]
    samples += ["".join(rng.choice("CnKLNXRHPQqES") for _ in range(rng.randrange(25))) for _ in range(20_000)]  # fmt: skip
    for codes in samples:
        expected = [
            (m.start(), m.end() if m.group()[0] == "n" else m.start() + 1)
            for m in features._HEADS.finditer(codes)
        ]
        assert features._head_spans(codes) == expected, codes


def test_language_of_counts_within_the_first_400_characters() -> None:
    assert features.language_of("Where is my parcel?") == "en"
    assert features.language_of("ab") == "other"
    assert features.language_of("荷物はまだですか") == "ja"
    assert features.language_of("漢字四文字ア") == "ja"
    assert features.language_of("漢字 abc") == "other"
    assert features.language_of("漢 abc") == "en"
    # Letters past the 400th character do not count.
    assert features.language_of("." * 399 + "abc") == "other"
    assert features.language_of("." * 397 + "abc") == "en"


def test_contributions_are_the_strongest_positive_weights_in_weight_then_name_order() -> None:
    model = load_model()
    rng = random.Random(5)
    names = sorted(model.rows)
    for _ in range(200):
        scores = model.score(set(rng.sample(names, 60)))
        for column, intent in enumerate(model.intents):
            pairs = sorted(
                [(row[column], n) for row, n in zip(scores.rows, scores.known, strict=True) if row[column] > 0.0],
                reverse=True,
            )  # fmt: skip
            assert model.contributions(scores, intent, 5) == [n for _, n in pairs[:5]]


def test_names_score_alike_whether_or_not_they_are_the_models_own_string_objects() -> None:
    # The model's names are interned and a mail's usually are the same objects; a name built
    # anew (an English word, a name past the caches' caps) must score all the same.
    model = load_model()
    rng = random.Random(7)
    names = sorted(model.rows)
    for _ in range(50):
        chosen = [*rng.sample(names, 40), "w:no-such-feature"]
        copies = {("." + name)[1:] for name in chosen}
        assert not any(copy is name for copy in copies for name in chosen)
        own, fresh = model.score(set(chosen)), model.score(copies)
        assert fresh.probabilities == own.probabilities and fresh.angry == own.angry
        assert sorted(fresh.known) == sorted(own.known) == sorted(chosen[:-1])


def test_respell_check_finds_a_word_where_the_trie_does() -> None:
    from bot.nlp import respell

    rng = random.Random(11)
    words = list(respell._TABLE)
    letters = "".join(sorted(set("".join(words)))) + "はのにをがですま。、 abc1"
    samples = [""] + words + [w[:-1] for w in words] + [w[1:] for w in words]
    for _ in range(20_000):
        pieces = []
        for _ in range(rng.randrange(1, 6)):
            word = rng.choice(words)
            start = rng.randrange(len(word))
            pieces.append(word[start : rng.randrange(start, len(word)) + 1])
            pieces.append("".join(rng.choice(letters) for _ in range(rng.randrange(3))))
        samples.append("".join(pieces))
    for text in samples:
        expected = respell._PATTERN.search(text) is not None
        assert (respell._ANY_WORD.search(text) is not None) == expected, text


def test_digits_and_more_holds_every_decimal_digit() -> None:
    import re

    from bot.nlp.normalize import DIGITS_AND_MORE

    digits = [chr(c) for c in range(0x110000) if chr(c).isdecimal()]
    assert re.findall(rf"[{DIGITS_AND_MORE}]", "".join(digits)) == digits
    # Nor kana, kanji and the punctuation Japanese mail is written with.
    assert not re.search(rf"[{DIGITS_AND_MORE}]", "あア亜。、「」ー〜・…※→★①")


def test_digit_patterns_match_what_their_plain_forms_match() -> None:
    import re

    from bot.nlp import classify, entities, normalize

    plain = {
        classify._THREE_DIGITS: r"\d\d\d",
        entities._THREE_DIGITS: r"\d\d\d",
        entities._SEVEN_DIGITS: r"\d\d\d\d\d\d\d",
        entities._TWELVE_DIGITS: r"\d\d\d\d\d\d\d\d\d\d\d\d",
        entities._S10_DIGITS: r"\d\d\d[ -]?\d\d\d[ -]?\d\d\d",
        entities._DIGIT_RUN: r"\d(?<![\d-]\d)\d{2,}(?:[ -]\d{3,})*(?!\d)",
        entities._SEVENTEEN: r"(\d(?<![\d-]\d)\d{16})(?![\d-])",
        entities._ORDER_ID: rf"(\d(?<![\d-]\d)\d{{2}})(?:{entities._SEP})(\d{{7}})"
        rf"(?:{entities._SEP})(\d{{7}})(?![\d-])",
        normalize._HAS_DASH: r"\d[‐‑‒–—―−ー─━﹣-]",
        normalize._HAS_ANY: rf"[{normalize._CIRCLED_OR_TILDE}\d]"
        rf"(?:(?<=[{normalize._CIRCLED_OR_TILDE}])|[‐‑‒–—―−ー─━﹣-])",
    }
    rng = random.Random(13)
    letters = "0123456789٣७๓０-ー— あ漢a①〜~"
    samples = [
        "".join(rng.choice(letters) for _ in range(rng.randrange(30))) for _ in range(20_000)
    ]
    samples += ["249-1234567-1234567", "2491234567123456 7", "１２３", "12 345 678 901"]
    # Whether they match is all the normaliser asks of these two (they match at the dash).
    existence = {normalize._HAS_DASH, normalize._HAS_ANY}
    for fast, slow in plain.items():
        reference = re.compile(slow)
        for text in samples:
            if fast in existence:
                assert (fast.search(text) is None) == (reference.search(text) is None), text
                continue
            found = [(m.span(), m.groups()) for m in fast.finditer(text)]
            assert found == [(m.span(), m.groups()) for m in reference.finditer(text)], text


def test_buyer_text_checks_say_what_the_full_patterns_say() -> None:
    import re

    from bot.nlp import cleanup

    markers = re.compile(MARKERS)
    words = [
        "amazon", "購入者", "メッセージ", "message", "書きました", "wrote", "original", "差出人",
        "from :", "from：", "返信すると", "reply to this", "buyer", "customer", "お客様",
        "のメール", "様より", "<a>", "＜b＞", "から送信", "sent from", "get outlook", "----",
        "ーー・ー", "を通じて", "経由で", "メッセージが届", "you have received a message",
        "via amazon", "end message", "reply to this email", "[amazon x]", "購入者とのやり取り",
        "このメッセージに返信すると", "Amazon.co.jp を通じて", "BUYER:", "Customer：", "お客様名:",
        "through amazon.co.jp.", "Via Amazon ", "REPLY TO THIS E-MAIL", "reply to this meſſage",
        "You Have Received A Message", "経由で 山田さんから メッセージが届", " [Amazon.co.jp] ",
        "--- End Message ---", "メッセージの終了", "お客様 名 :",
    ]  # fmt: skip
    rng = random.Random(17)
    letters = "aozmgeyrbcKſİı の お か客様信送 \n:：<>-ー.vtIS"
    samples = list(words)
    for _ in range(30_000):
        pieces = []
        for _ in range(rng.randrange(1, 4)):
            word = rng.choice(words)
            if rng.random() < 0.5:
                word = word.upper() if rng.random() < 0.3 else word
                start = rng.randrange(len(word))
                word = word[start : rng.randrange(start, len(word)) + 1]
            pieces.append(word)
            pieces.append("".join(rng.choice(letters) for _ in range(rng.randrange(4))))
        samples.append("".join(pieces))
    for text in samples:
        low = text.lower()
        assert (cleanup._ANY_MARKER.search(low) is None) == (markers.search(low) is None), low
        relay = RELAY_LINE.search(text) is not None
        if relay:
            assert cleanup._RELAY_SIGNS.search(text) is not None, text
        parts = cleanup._RELAY_LINE_START.match(text) or cleanup._RELAY_LINE_ANYWHERE.search(text)
        assert relay == (parts is not None), text


def test_quote_cut_substring_checks_say_what_its_patterns_say() -> None:
    import re

    from bot.mail import quotes

    quote_signs = re.compile(r"[>＞:：-](?:(?<=[>＞:：])|-)")
    rng = random.Random(19)
    letters = "sSſeEnNtToOuUlLkKKİ送信 >＞:：-a"
    words = ["sent", "SENT", "ſent", "outlook", "OUTLOOK", "送信", "--", "Sent from", "outloo"]
    samples = []
    for _ in range(30_000):
        pieces = [rng.choice(words) if rng.random() < 0.3 else "" for _ in range(2)]
        pieces.insert(1, "".join(rng.choice(letters) for _ in range(rng.randrange(8))))
        samples.append("".join(pieces))
    for text in samples:
        assert quotes._has_footer_word(text) == (quotes._FOOTER_WORDS.search(text) is not None), (
            text
        )
        assert quotes._has_quote_signs(text) == (quote_signs.search(text) is not None), text


def test_word_and_blanking_shortcuts_say_what_their_plain_forms_say() -> None:
    import re

    from bot.nlp import entities, tokens

    plain = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|\?|!|\.(?=\s|$)")
    rng = random.Random(23)
    letters = "ab'z09٣?!. -\nİi̇あ٠ـ"
    for _ in range(20_000):
        text = "".join(rng.choice(letters) for _ in range(rng.randrange(20)))
        assert tokens._ASCII_WORD.findall(text) == plain.findall(text), text
        spans = sorted(
            (start, rng.randrange(start, len(text) + 1))
            for start in rng.sample(range(len(text) + 1), min(2, len(text) + 1))
        )
        chars = list(text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        assert entities.blank(text, spans) == "".join(chars), (text, spans)


def test_line_start_searches_find_the_first_match_of_their_patterns() -> None:
    import json
    from pathlib import Path

    from bot.nlp import cleanup

    pairs = [
        (cleanup._QUOTE_HEADERS, cleanup._QUOTE_HEADERS_AT),
        (cleanup._SIGNATURE, cleanup._SIGNATURE_AT),
        (cleanup._RULED_BLOCK, cleanup._RULED_BLOCK_AT),
    ]
    pieces = [
        "\n", "\n\n", " ", "本文です。", "-- ", "--", "---- ", "━━━━", "TEL 03", "〒100",
        "On Mon, Jan 1, 2024 someone wrote:", "山田様より:", "差出人: a\n送信日時: b",
        "From: x\nSent: y", "2024年5月1日 10:00 店 <s@example.jp>:", "iPhoneから送信",
        "Sent from my iPhone", "-----Original Message-----", "のメール：", "@", "ｘ",
    ]  # fmt: skip
    rng = random.Random(29)
    samples = ["".join(rng.choice(pieces) for _ in range(rng.randrange(8))) for _ in range(20_000)]
    corpus = Path(__file__).resolve().parents[2] / "corpus" / "train.jsonl"
    if corpus.exists():
        with corpus.open(encoding="utf-8") as lines:
            samples += [json.loads(line)["body"] for line in lines if line.strip()]
    for pattern, at_line_start in pairs:
        for text in samples:
            m = pattern.search(text)
            assert at_line_start.start(text) == (m.start() if m is not None else -1), text
