"""The tagger's per-line analysis cache: bounded, and never changing what a text reads as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import unidic_lite

from bot.nlp import dictpages, native, tokens

# These tests replace module functions to see which path a text takes; the compiled build
# calls its functions directly, so they run on the plain sources (``make test`` runs tests/nlp
# both ways).
patches_internals = pytest.mark.skipif(
    native.in_use(), reason="replaces module functions: checked on the plain sources"
)

TEXTS = [
    "注文した商品がまだ届いていません。",
    "キャンセルをお願いできますか？",
    "領収書を発行していただけますか。",
    "返品したいのですが、手続きを教えてください。",
    "荷物の追跡番号を教えてください。",
]


def never_tagged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a text whose lines are read from its whole nodes fails the test."""

    def no_nodes(text: str, lines: list[str]) -> list[tokens.Analysis]:
        raise AssertionError(f"tagged again: {text}")

    monkeypatch.setattr(tokens, "_analyse_nodes", no_nodes)


def read_with_an_empty_cache(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> tuple[tokens.TokenizedText, list[str]]:
    """How ``text`` reads with every line new (its nodes' reading), and its token lines."""
    monkeypatch.setattr(tokens, "_ANALYSES", {})
    return tokens.tokenize(text), tokens.tagger().parse(text).split("\n")


def read_with_one_line_new(
    monkeypatch: pytest.MonkeyPatch, text: str, surface: str
) -> tuple[tokens.TokenizedText, str]:
    """How ``text`` reads with every line new, and the line of the word ``surface``, which
    is then the one line of the text not in the cache."""
    expected, lines = read_with_an_empty_cache(monkeypatch, text)
    (line,) = [line for line in lines if line.endswith(f" {surface}")]
    del tokens._ANALYSES[line]
    return expected, line


def test_a_full_cache_forgets_its_oldest_lines_and_reads_texts_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = [tokens.tokenize(text) for text in TEXTS]
    monkeypatch.setattr(tokens, "_ANALYSES", {})
    monkeypatch.setattr(tokens, "_MAX_ANALYSES", 8)
    for _ in range(3):
        assert [tokens.tokenize(text) for text in TEXTS] == expected
        assert 0 < len(tokens._ANALYSES) <= 8


def test_the_unknown_word_dictionary_names_a_part_of_speech_per_context_id(tmp_path: Path) -> None:
    found = tokens.unknown_parts_of_speech(Path(unidic_lite.DICDIR) / "unk.dic")
    # unidic-lite's unk.dic has nine context ids; one is shared by 名詞 and 記号.
    assert 5 <= len(found) < 9
    assert all(prefix.startswith("U") and prefix[1:].isdigit() for prefix in found)
    assert {"名詞", "空白"} <= set(found.values())
    not_a_dictionary = tmp_path / "unk.dic"
    not_a_dictionary.write_bytes(b"not a dictionary")
    assert tokens.unknown_parts_of_speech(not_a_dictionary) == {}
    assert tokens.unknown_parts_of_speech(tmp_path / "missing.dic") == {}


@patches_internals
def test_new_unknown_words_are_read_from_their_lines_as_the_nodes_read_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    known = "注文番号はです。追跡番号はです。"
    texts = ["注文番号は5820417です。", "追跡番号はZQXWVBです。", "注文番号は9917です。"]
    # The nodes' reading, for every line new.
    monkeypatch.setattr(tokens, "_ANALYSES", {})
    expected = [tokens.tokenize(text) for text in texts]
    # Known words cached, the unknown ones new: no second tagging of the text.
    monkeypatch.setattr(tokens, "_ANALYSES", {})
    tokens.tokenize(known)

    never_tagged_again(monkeypatch)
    assert [tokens.tokenize(text) for text in texts] == expected
    assert any(line.startswith("U") for line in tokens._ANALYSES)


def _entry_features(line: str) -> str | None:
    context, cost, surface = line.split(" ", 2)
    assert tokens._SYSTEM is not None
    return tokens._SYSTEM.features(int(context), int(cost), surface)


def test_a_token_lines_dictionary_entry_has_the_features_its_node_has() -> None:
    tagger = tokens.tagger()
    corpus = Path(__file__).resolve().parents[2] / "corpus" / "train.jsonl"
    with corpus.open(encoding="utf-8") as lines:
        texts = TEXTS + [json.loads(line)["body"] for line in list(lines)[:300]]
    read = ties = 0
    for text in texts:
        nodes = tagger.parseToNodeList(text)
        lines = tagger.parse(text).split("\n")
        assert len(nodes) == len(lines)
        for line, node in zip(lines, nodes, strict=True):
            if line.startswith("U"):
                continue
            found = _entry_features(line)
            if found is None:
                ties += 1
            else:
                assert found == node.feature_raw, line
                read += 1
    assert read > 10_000
    assert ties < read / 500


def test_entries_that_tie_or_do_not_exist_are_not_read_from_the_dictionary() -> None:
    text = "ラムレーズンのケーキ"
    (line,) = [line for line in tokens.tagger().parse(text).split("\n") if line.endswith(" ラム")]
    # Two entries of ラム (lamb and rum) share context id and cost: the line does not say
    # which, so the dictionary gives neither.
    assert _entry_features(line) is None
    context, cost, _ = line.split(" ", 2)
    assert tokens._SYSTEM is not None
    assert tokens._SYSTEM.features(int(context), int(cost), "ランドセ") is None
    assert tokens._SYSTEM.features(int(context), int(cost) + 1, "ランドセル") is None
    assert _entry_features("5133 5240 注文") is not None
    # A mapping seen before the tagger was built is not taken for the tagger's.
    seen = dictpages.system_dictionary_mappings()
    assert tokens.SystemDictionary.mapped_by(tokens.tagger(), seen) is None


@patches_internals
def test_a_new_dictionary_word_is_read_from_its_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "ランドセルの配送状況を教えてください。"
    expected, new = read_with_one_line_new(monkeypatch, text, "ランドセル")

    never_tagged_again(monkeypatch)

    def not_alone(stretch: str, line: str) -> tokens.Analysis | None:
        raise AssertionError(f"tagged alone: {stretch}")

    monkeypatch.setattr(tokens, "_analyse_in", not_alone)
    assert tokens.tokenize(text) == expected
    assert new in tokens._ANALYSES


@patches_internals
def test_a_word_whose_entry_ties_is_read_by_tagging_it_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "ラムレーズンのケーキ"
    expected, new = read_with_one_line_new(monkeypatch, text, "ラム")
    never_tagged_again(monkeypatch)
    assert tokens.tokenize(text) == expected
    assert new in tokens._ANALYSES


@patches_internals
def test_without_the_dictionary_a_new_word_is_read_by_tagging_it_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_SYSTEM", None)
    text = "ランドセルの配送状況を教えてください。"
    # Every line known but the one of ランドセル: it alone is tagged again, not the text.
    expected, new = read_with_one_line_new(monkeypatch, text, "ランドセル")

    never_tagged_again(monkeypatch)
    assert tokens.tokenize(text) == expected
    assert new in tokens._ANALYSES
    # A word the tagger reads otherwise alone falls back on the text's nodes.
    assert tokens._analyse_word(new.replace(" ランドセル", " ランドセ")) is None


@patches_internals
def test_a_new_word_read_otherwise_alone_is_read_from_the_words_around_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_SYSTEM", None)
    text = "商品を受け取りましたが、箱が潰れていました。"
    expected, new = read_with_one_line_new(monkeypatch, text, "潰れ")
    # Alone, 潰れ is another entry (a noun): its line does not come back.
    assert tokens._analyse_word(new) is None

    never_tagged_again(monkeypatch)
    assert tokens.tokenize(text) == expected
    assert tokens._ANALYSES[new].lemma == "潰れる"


@patches_internals
def test_a_word_not_found_in_its_context_falls_back_on_the_texts_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_SYSTEM", None)
    text = "商品を受け取りましたが、箱が潰れていました。"
    expected, lines = read_with_an_empty_cache(monkeypatch, text)
    for line in set(lines):
        del tokens._ANALYSES[line]
    monkeypatch.setattr(tokens, "_analyse_in_context", lambda *args: None)
    calls = []
    nodes = tokens._analyse_nodes

    def counted(text: str, lines: list[str]) -> list[tokens.Analysis]:
        calls.append(text)
        return nodes(text, lines)

    monkeypatch.setattr(tokens, "_analyse_nodes", counted)
    assert tokens.tokenize(text) == expected
    assert calls == [text]
    # Spans of every word, in order, where MeCab found them.
    spans: list[tuple[int, int]] = []
    assert tokens._extend_spans(text, lines, spans, 3)
    assert len(spans) == 3
    assert tokens._extend_spans(text, lines, spans, len(lines))
    assert [text[a:b] for a, b in spans] == [line.split(" ", 2)[2] for line in lines]
    assert not tokens._extend_spans("別の文", lines, [], len(lines))
