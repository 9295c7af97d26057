"""The tagger's per-line analysis cache: bounded, and never changing what a text reads as."""

from __future__ import annotations

import pytest

from bot.nlp import tokens

TEXTS = [
    "注文した商品がまだ届いていません。",
    "キャンセルをお願いできますか？",
    "領収書を発行していただけますか。",
    "返品したいのですが、手続きを教えてください。",
    "荷物の追跡番号を教えてください。",
]


def test_a_full_cache_forgets_its_oldest_lines_and_reads_texts_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = [tokens.tokenize(text) for text in TEXTS]
    monkeypatch.setattr(tokens, "_ANALYSES", {})
    monkeypatch.setattr(tokens, "_MAX_ANALYSES", 8)
    for _ in range(3):
        assert [tokens.tokenize(text) for text in TEXTS] == expected
        assert 0 < len(tokens._ANALYSES) <= 8
