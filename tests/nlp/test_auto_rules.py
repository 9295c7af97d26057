"""The rules that keep an automatic answer away from mail it would answer wrongly.

The examples are written for these tests (none comes from the corpus files).
"""

from __future__ import annotations

import pytest

from bot.nlp import understand
from bot.nlp.classify import _auto_blockers, prepare


@pytest.mark.parametrize(
    "body",
    [
        # A change the bot cannot make, worded as a shipping or invoice question.
        "発送日を少し遅らせてもらえますか？12月10日以降に届くようにしたいです。",
        "宛名を「サンプル株式会社 総務部 御中」に変更いただけますでしょうか。",
        "年明けまで発送を保留してもらえますか？帰省中なので。",
        # A new date asked for is a change, even when worded around the delivery.
        "出張で留守にしますので、発送を12月15日以降にしていただけますか。",
        # A question only a person can answer.
        "再入荷はいつ頃になりそうですか？",
        # "If it has not shipped yet": a change asked for, worded around the parcel.
        "まだ発送前でしたら、ゆうパックに切り替えていただけますか。いつ届くかも教えてください。",
        "If it hasn't shipped yet, could you send it by express? When will it arrive?",
        # Before buying: by when to order for a date.
        "年末に実家へ贈りたいのですが、12月28日に届けるには何日までに注文すれば大丈夫ですか？",
        "If I order today, will it get to Osaka by Saturday?",
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
        ("", "今日発送ですか？", "shipping_status"),
        ("", "キャンセルではありません。いつ届くか知りたいだけです。", "shipping_status"),
    ],
)
def test_plain_questions_are_answered_automatically(subject: str, body: str, intent: str) -> None:
    result = understand(subject, body)
    assert result.intent == intent
    assert result.action == "auto"


@pytest.mark.parametrize(
    ("subject", "body", "held"),
    [
        # 「今どこですか？」 alone could be about anything; under the subject 「配送」 it is about a
        # parcel.
        ("配送", "今どこですか？", False),
        ("", "今どこですか？", True),
        # Carriers, parcel words and a receipt's parts.
        ("", "ヤマトで置き配って出てるけど、まだ置かれてない。今日中？", False),
        ("", "搬入日の目処はいつ頃になりますか。", False),
        ("", "但し書きは「お品代」でお願いできますか。", False),
        ("", "宛名を会社名にしてもらえますか？", False),
    ],
)
def test_shop_words_from_the_subject_or_the_body(subject: str, body: str, held: bool) -> None:
    # Asked of the rule itself: whether the mail is answered automatically also takes the
    # model's confidence, which moves with each retraining.
    mail = prepare(subject, body)
    blockers = _auto_blockers("shipping_status", [], {"shipping_status"}, mail, {"thanks": 0.0})
    assert ("no-shop-words" in blockers) is held


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("", "249-0038177-5607493いつ発送ですか"),
        ("注文番号249-0038177-5607493について", "いつ発送ですか"),
    ],
)
def test_the_models_read_the_mail_without_its_order_ids(subject: str, body: str) -> None:
    # Read next to the digits, 「いつ」 is the numeral 五 (five) to the tagger; blanked out,
    # it is the question word, and the order ID is still found.
    mail = prepare(subject, body)
    assert mail.order_ids == ["249-0038177-5607493"]
    assert "c:when_arrive" in mail.features.names
    assert "w:五" not in mail.features.names
    names = mail.features.names | mail.features.subject_names
    assert not any(name.startswith("w:") and name[2:].isdigit() for name in names)


def test_a_negated_request_is_no_request() -> None:
    result = understand("", "注文はキャンセルしないでください。届く日だけ教えてください。")
    assert result.intent != "cancel"


@pytest.mark.parametrize(
    "body",
    [
        # A fake carrier notice: buyers asking about a parcel rarely send links.
        "お荷物をお届けに伺いましたが、ご不在のため持ち帰りました。再配達のご依頼は "
        "https://redelivery.example.test/ からお願いします。",
        # Naming a delivery slot is a change only a person makes.
        "追跡では明後日のお届け予定になっていますが、夕方の時間帯を指定できますか？",
    ],
)
def test_links_and_slot_requests_go_to_a_person(body: str) -> None:
    assert understand("", body).action != "auto"


@pytest.mark.parametrize(
    "body",
    [
        "This is my 3rd request for the receipt of my order. Please send it.",
        "領収書を3度にわたりお願いしています。まだいただけていません。",
    ],
)
def test_asking_again_is_a_complaint(body: str) -> None:
    result = understand("", body)
    assert result.angry
    assert result.action != "auto"
