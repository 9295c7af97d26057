"""Hand-written scans of the classifier say what the patterns they replace say."""

from __future__ import annotations

import random

from bot.nlp import features
from bot.nlp.model import load_model


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
