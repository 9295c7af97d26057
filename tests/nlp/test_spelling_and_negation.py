"""Kana spellings, katakana-written mails, cue negation per trigger, questions and requests.

The examples are written for these tests (none comes from the corpus files).
"""

from __future__ import annotations

import pytest

from bot.nlp.cues import cue_hits
from bot.nlp.features import MailFeatures, extract
from bot.nlp.normalize import normalize
from bot.nlp.respell import respell, unkatakana, written_in_katakana
from bot.nlp.tokens import is_dictionary_word, tokenize


def features(body: str, subject: str = "") -> MailFeatures:
    return extract(normalize(subject), normalize(body))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("はいたつずみです", "配達済みです"),
        ("はいたつです", "配達です"),
        ("りょうしゅうしょうください", "領収証ください"),
        ("りょうしゅうしょください", "領収書ください"),
        ("いつとどきますか", "いつ届きますか"),
        ("ありがとう", "ありがとう"),
    ],
)
def test_respelling_takes_the_longest_known_word(text: str, expected: str) -> None:
    assert respell(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("もう発想されましたか", "もう発送されましたか"),
        ("もう発走していますか", "もう発送していますか"),
        # The word itself, where it is one, stays.
        ("斬新な発想ですね", "斬新な発想ですね"),
    ],
)
def test_kanji_slips_for_shipping_are_written_back(text: str, expected: str) -> None:
    assert respell(text) == expected


@pytest.mark.parametrize(
    "body",
    [
        "了解です!ちなみに何日に着きそうですか?",
        "Thanks! Do you know roughly what day it'll arrive?",
        "I buy the rice cooker, when it will come to my home?",
        "シュレッダーの発送時期のご案内をお願いします。",
        "発注番号 PO-5531 の納品日が決まりましたらお知らせいただけますでしょうか。",
    ],
)
def test_ways_of_asking_when_a_parcel_comes_have_a_shipping_cue(body: str) -> None:
    found = features(body)
    assert any(cue.intent == "shipping_status" for cue, _ in found.cues.values())


def test_a_katakana_mail_is_read_in_hiragana_except_its_loanwords() -> None:
    text = normalize("ﾘｮｳｼｭｳｼｮ ｦ ﾊｯｺｳ ｼﾃｸﾀﾞｻｲ。ｷｬﾝｾﾙ ﾓ ｵﾈｶﾞｲｼﾏｽ")
    assert written_in_katakana(text)
    read = respell(unkatakana(text, is_dictionary_word))
    assert "領収書" in read and "発行" in read and "してください" in read
    assert "キャンセル" in read
    lemmas = tokenize(read).lemmas
    assert "下さる" in lemmas and "願う" in lemmas


@pytest.mark.parametrize(
    "text",
    [
        "キャンセルしたいです",
        "レシートをください",
        "Where is my order?",
        "注文番号 249-1234567-1234567",
    ],
)
def test_mails_in_ordinary_script_are_left_as_they_are(text: str) -> None:
    assert not written_in_katakana(text)
    assert unkatakana(text, is_dictionary_word) == text


def test_katakana_question_keeps_its_grammar() -> None:
    found = features("ﾏﾀﾞﾃﾞｽｶ?")
    assert found.asks
    assert "w:未だ" in found.names


def test_a_negated_cue_is_marked_and_does_not_count_for_its_intent() -> None:
    found = features("キャンセルはしません。いつ届きますか？")
    assert "c:cancel|NEG" in found.names and "c:cancel" not in found.names
    assert "cancel" in found.negated
    assert "c:when_arrive" in found.names


def test_a_cue_is_negated_only_when_every_trigger_that_fired_is() -> None:
    # 宅配ボックス is negated (「ありませんでした」) but 配達完了 is not.
    found = features("宅配ボックスにもありませんでした。配達完了のままです。")
    assert "c:delivered_status" in found.names
    assert "delivered_status" not in found.negated


def test_cue_hits_prefer_a_trigger_that_is_not_negated() -> None:
    names = {"w:返品", "w:返送", "p:返品|NEG"}
    hit = cue_hits(names)["return"]
    assert hit.phrase == "返送"
    assert not hit.negated


def test_a_negated_cue_in_the_subject_is_marked_too() -> None:
    found = features("数量を変えたいです。", subject="キャンセルではありません")
    assert "cs:cancel|NEG" in found.names and "cs:cancel" not in found.names


def test_a_request_after_a_noun_is_a_requested_predicate() -> None:
    assert "p:変更|REQ" in features("宛名を変更いただけますでしょうか").names
    assert "p:確認|REQ" in features("ご確認ください").names


@pytest.mark.parametrize(
    ("body", "asks"),
    [
        ("届かないかと心配していましたが、無事に届きました。", False),
        ("届くかは分かりませんが、待っています。", False),
        ("いつ届くかを教えてください", True),
        ("届きますか", True),
    ],
)
def test_ka_followed_by_a_particle_is_not_a_question(body: str, asks: bool) -> None:
    assert features(body).asks is asks


def test_several_questions_are_noted() -> None:
    assert "f:questions>1" in features("いつ届きますか？色は変えられますか？").names
    assert "f:questions>1" not in features("いつ届きますか？").names
    assert "f:questions>1" in features("When will it ship? Can I pay by card?").names


def test_polite_existence_negates_like_aru() -> None:
    assert "p:在庫|NEG" in features("在庫がございません").names
    assert "c:unanswered" in features("連絡にも反応がございません").names


def test_a_rude_imperative_is_marked_but_a_polite_request_is_not() -> None:
    assert tokenize("返金しろ").imperative
    assert tokenize("早く返せ").imperative
    assert not tokenize("返金してください").imperative
    assert "f:imperative" in features("早く返せ。").names


@pytest.mark.parametrize(
    "body",
    [
        "いつまで待たされるんですか。",
        "信じられない対応です。",
        "まだ？？？",
        "I am very upset with your service.",
        "Still nothing. Where is my order???",
    ],
)
def test_impatience_and_anger_have_cues(body: str) -> None:
    found = features(body)
    intents = {cue.intent for name, (cue, _) in found.cues.items() if name not in found.negated}
    assert intents & {"angry", "angry_mild"}


def test_joyful_exclamations_are_not_anger() -> None:
    found = features("届きました！！ありがとうございます！！")
    assert not {cue.intent for cue, _ in found.cues.values()} & {"angry", "angry_mild"}


def test_something_done_for_the_buyer_is_not_a_request() -> None:
    # 「くれていました」: a request helper, then endings, then the past.
    assert not features("荷物、宅配ボックスに入れてくれていました。ありがとうございます。").asks
    assert features("宅配ボックスに入れてくれますか。").asks
