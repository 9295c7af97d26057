"""The seller's FAQ: explainable matches, and clear errors for a bad file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.faq import FaqBook, load_faq, parse_faq

BOOK = parse_faq(
    """
[[faq]]
id = "battery"
keywords = ["電池|バッテリー", "付属|同梱|入って"]
exclude = ["液漏れ"]
answer = "充電式バッテリーを内蔵しています。"

[[faq]]
id = "lantern-waterproof"
keywords = ["防水"]
items = ["ランタン"]
answer = "生活防水（IPX4相当）です。"

[[faq]]
id = "mug-waterproof"
keywords = ["防水|水漏れ"]
items = ["マグ"]
answer = "蓋を閉めれば横にしても漏れません。"
"""
)


def test_every_keyword_group_must_match_and_the_evidence_says_which_word() -> None:
    [match] = BOOK.matches("ﾊﾞｯﾃﾘｰは同梱されていますか？")
    assert (match.entry.id, match.found) == ("battery", ("バッテリー", "同梱"))
    assert BOOK.matches("バッテリーの持ちはどのくらいですか？") == []


def test_an_excluded_word_stops_the_match() -> None:
    assert BOOK.matches("付属の電池が液漏れしていました") == []


def test_items_tie_an_answer_to_a_product_from_the_text_or_the_order() -> None:
    assert [m.entry.id for m in BOOK.matches("防水ですか？", items="LEDランタン")] == [
        "lantern-waterproof"
    ]
    assert [m.entry.id for m in BOOK.matches("このマグは防水ですか？")] == ["mug-waterproof"]
    assert BOOK.answer("防水ですか？") is None  # no product known: no entry applies


def test_two_matching_entries_are_no_answer() -> None:
    both = BOOK.matches("ランタンとマグは防水ですか？")
    assert sorted(m.entry.id for m in both) == ["lantern-waterproof", "mug-waterproof"]
    assert BOOK.answer("ランタンとマグは防水ですか？") is None


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("[[faq]]\nkeywords = ['送料']\n", "faq[0].answer"),
        ("[[faq]]\nanswer = '無料です'\n", "faq[0].keywords"),
        ("[[faq]]\nkeywords = [1]\nanswer = 'x'\n", "faq[0].keywords"),
        (
            "[[faq]]\nid='a'\nkeywords=['x']\nanswer='1'\n[[faq]]\nid='a'\nkeywords=['y']\nanswer='2'\n",
            "faq[1].id",
        ),
        ("[[faq]\n", "MADOGUCHI_FAQ_FILE"),
    ],
)
def test_a_bad_file_names_the_entry_and_field(text: str, setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_faq(text, source="faq.toml")
    assert setting in caught.value.setting


def test_the_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "faq.toml"
    path.write_text("[[faq]]\nkeywords = ['送料']\nanswer = '無料です。'\n", encoding="utf-8")
    first = load_faq(path)
    assert load_faq(path) is first
    path.write_text(
        "[[faq]]\nkeywords = ['送料']\nanswer = '全国一律500円です。'\n", encoding="utf-8"
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    [match] = load_faq(path).matches("送料はいくらですか")
    assert match.entry.answer == "全国一律500円です。"


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_faq(tmp_path / "nope.toml")


def test_an_empty_book_matches_nothing() -> None:
    assert FaqBook().matches("何でも") == []
