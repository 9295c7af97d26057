"""The understanding of whole mails: intents, negation, multi-ask, anger, action, evidence.

The examples are written for these tests (none comes from the corpus files).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.nlp import understand
from bot.nlp.understanding import TrackingNumber

JST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("subject", "body", "intent"),
    [
        ("", "先週注文した商品がまだ届いていません。いつ届きますか？", "shipping_status"),
        ("", "配達完了になっていますが、荷物が見当たりません。", "not_received"),
        ("", "届いた箱を開けたら空でした。中身が入っていません。", "not_received"),
        ("", "届け先の住所を変更したいのですが、可能でしょうか。", "change_order"),
        ("", "注文をキャンセルしたいです。", "cancel"),
        ("", "ｷｬﾝｾﾙできますか？", "cancel"),
        ("", "サイズが合わなかったので返品したいです。", "return_refund"),
        ("", "届いた商品が壊れていました。電源も入りません。", "defective"),
        ("", "この商品はiPhone 15に対応していますか？", "product_question"),
        ("", "領収書を発行していただけますでしょうか。", "invoice"),
        ("", "同じ注文で二重に請求されています。", "payment"),
        ("", "無事に受け取りました。ありがとうございました。", "thanks"),
        ("SEO対策のご提案", "弊社はSEO対策で御社の売上アップをお手伝いします。", "other"),
        ("", "Where is my order? It has not arrived yet.", "shipping_status"),
        ("", "The item arrived broken and does not work.", "defective"),
        ("", "Please cancel my order.", "cancel"),
        ("", "Could you send me an invoice for this order?", "invoice"),
        ("", "へんぴんしたいです", "return_refund"),
    ],
)
def test_intents(subject: str, body: str, intent: str) -> None:
    assert understand(subject, body).intent == intent


def test_negation_turns_a_status_question_into_thanks() -> None:
    missing = understand("", "商品がまだ届いていません。")
    arrived = understand("", "商品が届きました。ありがとうございました。")
    assert missing.intent == "shipping_status"
    assert arrived.intent == "thanks"
    assert arrived.action == "none"
    assert missing.action != "none"


def test_a_question_inside_thanks_is_the_question() -> None:
    result = understand(
        "", "商品届きました、ありがとうございます。ところで領収書はいただけますか？"
    )
    assert result.intent == "invoice"
    assert result.action != "none"


def test_do_not_cancel_is_not_a_cancellation() -> None:
    result = understand("", "キャンセルはしないでください。お届け先だけ実家に変更したいです。")
    assert result.intent == "change_order"


def test_several_asks_report_the_others() -> None:
    result = understand("", "返品したいです。それと、領収書も発行していただけますか。")
    assert {result.intent, *result.other_intents} >= {"return_refund", "invoice"}


def test_quoted_old_text_is_not_classified() -> None:
    body = (
        "キャンセルをお願いします。\n\n"
        "2026年11月20日(金) 10:00 ショップ <shop@example.jp>:\n"
        "> 商品を発送しました。届きましたらご確認ください。\n"
        "> 領収書はマイページから発行できます。"
    )
    assert understand("Re: 発送のお知らせ", body).intent == "cancel"


def test_polite_shipping_question_is_answered_automatically() -> None:
    body = (
        "お世話になっております。\n注文番号249-1234567-1234567の商品はいつ頃届きますでしょうか。\n"
        "よろしくお願いいたします。"
    )
    result = understand("配送状況について", body)
    assert result.intent == "shipping_status"
    assert result.action == "auto"
    assert result.order_ids == ["249-1234567-1234567"]
    assert 0.0 < result.confidence <= 1.0


def test_angry_mail_is_never_automatic() -> None:
    body = (
        "注文番号249-1234567-1234567の商品がまだ届きません。何度も問い合わせているのに返事がありません。"
        "このままなら星1の評価をつけてAmazonに報告します。"
    )
    result = understand("", body)
    assert result.angry
    assert result.claim_risk
    assert result.action == "handoff"


@pytest.mark.parametrize(
    "body",
    [
        "返金されないならAmazonマーケットプレイス保証を申請します。",
        "消費者センターに相談します。",
        "I will file an A-to-z claim and leave negative feedback.",
        "カード会社にチャージバックを申し立てます。",
    ],
)
def test_claim_threats(body: str) -> None:
    result = understand("", body)
    assert result.claim_risk and result.angry and result.action == "handoff"


def test_mild_disappointment_is_not_a_claim() -> None:
    result = understand("", "少し残念でしたが、交換していただけますか。")
    assert not result.claim_risk


def test_short_phone_mail() -> None:
    result = understand("", "キャンセルできますか？")
    assert result.intent == "cancel"
    assert result.action == "handoff"


def test_evidence_names_the_words_that_decided() -> None:
    result = understand("", "注文した商品がまだ届いていません。")
    assert result.evidence
    assert any("届" in e for e in result.evidence)


def test_entities_and_dates_in_the_understanding() -> None:
    body = "ヤマトの追跡番号1234-5678-9013で調べると、明日届くそうです。注文番号２４９－１２３４５６７－１２３４５６７"
    result = understand("", body, mail_date=datetime(2026, 11, 27, 12, 0, tzinfo=JST))
    assert result.order_ids == ["249-1234567-1234567"]
    assert result.tracking_numbers == [TrackingNumber("yamato", "123456789013", True)]
    assert result.dates == [date(2026, 11, 28)]


def test_language_of_the_result() -> None:
    assert understand("", "Where is my package?").language == "en"
    assert understand("", "荷物はどこですか").language == "ja"
    assert understand("", "我的订单在哪里").language == "other"


def test_contract_keys_are_exactly_the_design_docs() -> None:
    line = understand("", "いつ届きますか").to_contract("x-1")
    assert set(line) == {
        "id", "intent", "confidence", "angry", "action", "order_ids", "tracking_numbers",
        "evidence",
    }  # fmt: skip


def test_empty_mail_is_handed_off() -> None:
    result = understand("", "")
    assert result.action == "handoff"


def test_a_very_long_mail_is_read_from_its_start() -> None:
    body = "注文番号249-1234567-1234567をキャンセルしてください。\n" + "ログ行です。" * 20000
    result = understand("", body)
    assert result.intent == "cancel"
    assert result.order_ids == ["249-1234567-1234567"]
