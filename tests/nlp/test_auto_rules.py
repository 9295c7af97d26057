"""The rules that keep an automatic answer away from mail it would answer wrongly.

The examples are written for these tests (none comes from the corpus files).
"""

from __future__ import annotations

import pytest

from bot.nlp import understand


@pytest.mark.parametrize(
    "body",
    [
        # A change the bot cannot make, worded as a shipping or invoice question.
        "発送日を少し遅らせてもらえますか？12月10日以降に届くようにしたいです。",
        "宛名を「サンプル株式会社 総務部 御中」に変更いただけますでしょうか。",
        "年明けまで発送を保留してもらえますか？帰省中なので。",
        # A question only a person can answer.
        "再入荷はいつ頃になりそうですか？",
        # Two questions, one of them for a person.
        "いつ届きますか？あと、色を青に変えることはできますか？",
    ],
)
def test_asks_only_a_person_can_handle_are_not_answered_automatically(body: str) -> None:
    assert understand("", body).action != "auto"


@pytest.mark.parametrize(
    "body",
    [
        "もう12月なんだけど。いつになったら発送するの？",
        "注文したのにまだ届かない。おそすぎ。いつ届くの？",
        "今日届くって言ったよね？いつ届くんですか？",
        "2度お問い合わせしておりますが、ご回答がございません。いつ発送されますか。",
    ],
)
def test_impatient_or_accusing_mail_is_not_answered_automatically(body: str) -> None:
    assert understand("", body).action != "auto"


@pytest.mark.parametrize(
    ("subject", "body", "intent"),
    [
        ("", "ﾘｮｳｼｭｳｼｮ ｦ ﾊｯｺｳ ｼﾃｸﾀﾞｻｲ。ｱﾃﾅ ﾊ ｻﾝﾌﾟﾙ ﾃﾞｽ。", "invoice"),
        ("", "ﾁｭｳﾓﾝｼﾀﾓﾉ ｲﾂﾄﾄﾞｸﾉﾃﾞｼｮｳｶ", "shipping_status"),
        ("配送", "今どこですか？", "shipping_status"),
        ("", "キャンセルではありません。いつ届くか知りたいだけです。", "shipping_status"),
    ],
)
def test_plain_questions_are_answered_automatically(subject: str, body: str, intent: str) -> None:
    result = understand(subject, body)
    assert result.intent == intent
    assert result.action == "auto"


def test_a_negated_request_is_no_request() -> None:
    result = understand("", "注文はキャンセルしないでください。届く日だけ教えてください。")
    assert result.intent != "cancel"
