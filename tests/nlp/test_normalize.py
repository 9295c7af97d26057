"""Normalisation (domain.md §6) and its offset map."""

from __future__ import annotations

import pytest

from bot.nlp.normalize import normalize, normalize_with_offsets


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｷｬﾝｾﾙ", "キャンセル"),
        ("ﾊﾟｿｺﾝが動きません", "パソコンが動きません"),
        ("１２月５日～７日", "12月5日〜7日"),
        ("10~12時", "10〜12時"),
        ("〜", "〜"),
        ("①注文②発送", "(1)注文(2)発送"),
        ("⑩", "(10)"),
        ("㈱ヤマダ", "(株)ヤマダ"),
        ("２４９－１２３４５６７ー１２３４５６７", "249-1234567-1234567"),
        ("249−1234567‐1234567", "249-1234567-1234567"),
        ("キャンセル−ー", "キャンセル−ー"),
        ("ＡＢＣ　ｄｅｆ", "ABC def"),
        ("Ｑ．届きますか？", "Q.届きますか?"),
    ],
)
def test_normalize_folds_and_repairs_nfkc(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_circled_number_does_not_glue_to_following_digits() -> None:
    # NFKC alone would read ①２３ as the number 123.
    assert normalize("①２３個") == "(1)23個"


def test_long_vowel_mark_outside_digits_is_kept() -> None:
    assert normalize("ー5") == "ー5"
    assert normalize("5ー") == "5ー"
    assert normalize("5ー6") == "5-6"


@pytest.mark.parametrize(
    "raw",
    ["ｷｬﾝｾﾙ①２４９－１２３４５６７ ㈱ ～", "", "plain ascii", "ｶﾞｷﾞｸﾞﾊﾟﾋﾟ", "e\u0301t\u00e9", "⑳⑴❶"],
)
def test_offset_version_gives_the_same_text(raw: str) -> None:
    result = normalize_with_offsets(raw)
    assert result.text == normalize(raw)
    assert len(result.offsets) == len(result.text)
    assert all(0 <= o < max(1, len(raw)) for o in result.offsets)
    assert list(result.offsets) == sorted(result.offsets)


def test_offset_map_points_back_to_the_original_span() -> None:
    raw = "注文番号は２４９ー１２３４５６７－７６５４３２１です"
    result = normalize_with_offsets(raw)
    start = result.text.index("249")
    end = start + len("249-1234567-7654321")
    s, e = result.source_span(start, end)
    assert raw[s:e] == "２４９ー１２３４５６７－７６５４３２１"


def test_offset_map_for_expanding_and_merging_characters() -> None:
    raw = "①ｶﾞ"
    result = normalize_with_offsets(raw)
    assert result.text == "(1)ガ"
    assert result.offsets == (0, 0, 0, 1)
    assert raw[slice(*result.source_span(3, 4))] == "ｶﾞ"
    assert raw[slice(*result.source_span(0, 3))] == "①"


def test_fast_path_equals_plain_nfkc_on_mixed_text() -> None:
    import unicodedata

    raw = "ﾃｽﾄ：ＡＢＣ１２３（株）ｶﾞｷﾞ、か\u3099き\u309a。ℵ№㍻㌔ｱ゛Ⅻ"
    assert normalize(raw) == unicodedata.normalize("NFKC", raw)
