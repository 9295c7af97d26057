"""Each handler family through the real pipeline: Maildir in, store, decision, outbox out.

The understanding is pinned (see conftest) so these tests are about what the desk does with
an intent and the seller's data; the classifier has its own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

from tests.handlers.conftest import RELAY_A, RELAY_B, RELAY_C, Pin, ShopDesk
from tests.mailfactory import buyer_mail

Build = Callable[..., ShopDesk]


def _body(raw: bytes) -> str:
    message = message_from_bytes(raw, policy=default_policy)
    return message.get_body().get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


async def test_shipped_order_named_in_the_mail_is_answered_with_tracking(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(
        buyer_mail(
            "注文番号：２４９－３３３３３３３－３３３３３３３\n荷物はいつ届きますか？",
            sender="someone-else@marketplace.amazon.co.jp",
            subject="配送状況について",
        )
    )
    summary = await desk.run()
    assert summary.counts() == {"reply": 1} and summary.sent == 1
    [row] = await desk.sent()
    body = _body(row.raw)
    assert "11月25日（水）にヤマト運輸にて発送いたしました" in body
    assert "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013" in body
    assert "お届け予定日は11月27日（金）〜11月28日（土）です。" in body
    assert row.rcpt_to == ["someone-else@marketplace.amazon.co.jp"]
    assert row.subject == "Re: 配送状況について"
    ticket = await desk.ticket(row.ticket_id)
    assert ticket.status == "answered" and ticket.order_id == "249-3333333-3333333"
    assert all(d.close_reason == "replied_bot" for d in await desk.deadlines(row.ticket_id))


async def test_the_buyers_only_order_is_found_by_relay_address_with_a_case_tag(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    tagged = RELAY_A.replace("@", "+case123@")
    desk.deliver(buyer_mail("注文した商品はいつ発送されますか？", sender=tagged))
    await desk.run()
    [row] = await desk.sent()
    body = _body(row.raw)
    assert "249-1111111-1111111" in body and "発送の準備を進めております" in body
    assert row.rcpt_to == [tagged]


async def test_a_late_unshipped_order_gets_an_apology(shop_desk: Build, pin_nlu: Pin) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(
        buyer_mail("まだ発送されていないようですが。", sender="late@m.marketplace.amazon.co.jp")
    )
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "reply" and "4 day(s) past the promised date" in decision.reason
    body = _body((await desk.sent())[0].raw)
    assert "11月20日（金）〜11月22日（日）を過ぎても、まだ発送できておりません" in body
    assert "誠に申し訳ございません" in body


async def test_several_orders_and_none_named_asks_which(shop_desk: Build, pin_nlu: Pin) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(buyer_mail("荷物の配送状況を教えてください。", sender=RELAY_B))
    await desk.run()
    body = _body((await desk.sent())[0].raw)
    assert "・注文番号：249-3333333-3333333（発送済み）" in body
    assert "・注文番号：250-3434343-3434343（発送済み）" in body
    assert "注文番号をお知らせいただけますでしょうか" in body


async def test_no_order_found_asks_for_the_order_number(shop_desk: Build, pin_nlu: Pin) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(buyer_mail("注文した商品がいつ届くか知りたいです。", sender=RELAY_C))
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "reply" and decision.template == "shipping/ask_order_number.txt"
    assert "Amazon.co.jp の「注文履歴」" in _body((await desk.sent())[0].raw)


async def test_an_order_number_we_do_not_know_goes_to_an_agent(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(
        buyer_mail("注文番号 250-9999999-9999999 の商品はいつ届きますか？", sender=RELAY_C)
    )
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "handoff" and "250-9999999-9999999" in decision.reason
    assert "250-9999999-9999999" in decision.draft
    assert await desk.sent() == []


async def test_parcels_from_abroad_explain_customs_and_the_local_carrier(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(buyer_mail("いつ届きますか？", sender="s10@marketplace.amazon.co.jp"))
    desk.deliver(
        buyer_mail(
            "追跡が更新されません。",
            sender="yun@marketplace.amazon.co.jp",
            message_id="<buyer-2@mail.example.jp>",
        )
    )
    await desk.run()
    s10, yun = [_body(r.raw) for r in await desk.sent()]
    assert "中国から日本郵便の国際配送にて発送いたしました" in s10
    assert "通関" in s10 and "日本国内の配送業者（日本郵便）に引き継がれ" in s10
    assert "通常、発送からお届けまで7〜14日ほどかかります。" in s10
    assert "https://www.yuntrack.com/parcelTracking?id=YT2412345678901234" in yun
    assert "お届け予定日は11月30日（月）〜12月7日（月）です。" in yun


async def test_delivered_but_missing_is_a_not_received_handoff_with_claim_risk(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(
        buyer_mail(
            "配達済みになっていますがどこですか？", sender="delivered@marketplace.amazon.co.jp"
        )
    )
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "handoff" and decision.template == "drafts/not_received.txt"
    assert decision.facts["claim_risk"] is True
    assert "宅配ボックス" in decision.draft and "調査を依頼" in decision.draft
    ticket = await desk.ticket(decision.ticket_id)
    assert ticket.claim_risk and ticket.status == "waiting"
    assert await desk.sent() == []


async def test_invalid_or_unknown_tracking_goes_to_an_agent(shop_desk: Build, pin_nlu: Pin) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(buyer_mail("追跡できません。", sender="typo@marketplace.amazon.co.jp"))
    await desk.run()
    invalid = await desk.decision()
    desk.deliver(
        buyer_mail(
            "どこの業者ですか？",
            sender="unknown@marketplace.amazon.co.jp",
            message_id="<buyer-2@mail.example.jp>",
        )
    )
    await desk.run()
    unknown = await desk.decision()
    assert invalid.kind == unknown.kind == "handoff"
    assert "123456789012 fails the carrier's check" in invalid.reason
    assert "no known carrier or tracking page for ZX99812" in unknown.reason
    assert await desk.sent() == []


async def test_invoice_on_amazon_is_answered_and_an_addressee_goes_to_an_agent(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("invoice")
    desk = shop_desk(invoice_registration_number="T1234567890123")
    desk.deliver(buyer_mail("領収書を発行していただけますか。", sender=RELAY_A))
    desk.deliver(
        buyer_mail(
            "宛名を株式会社サンプルにして領収書をください。",
            sender=RELAY_C,
            message_id="<buyer-2@mail.example.jp>",
        )
    )
    await desk.run()
    [row] = await desk.sent()
    body = _body(row.raw)
    assert "「領収書／購入明細書」" in body and "T1234567890123" in body
    decision = await desk.decision()
    assert decision.kind == "handoff" and "宛名" in decision.reason
    assert "ご指定の宛名での領収書の発行" in decision.draft


async def test_invoice_on_the_own_store_follows_the_sellers_policy(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("invoice")
    policy = "マイページの注文詳細から、適格請求書（PDF）をダウンロードいただけます。"
    desk = shop_desk(marketplace="own_store", invoice_policy=policy)
    desk.deliver(buyer_mail("請求書をお願いします。", sender=RELAY_A))
    await desk.run()
    assert policy in _body((await desk.sent())[0].raw)


async def test_thanks_closes_the_ticket_without_a_reply(shop_desk: Build, pin_nlu: Pin) -> None:
    pin_nlu("thanks")
    desk = shop_desk()
    desk.deliver(buyer_mail("商品を受け取りました。ありがとうございました。", sender=RELAY_A))
    summary = await desk.run()
    assert summary.counts() == {"none": 1} and summary.sent == 0
    decision = await desk.decision()
    ticket = await desk.ticket(decision.ticket_id)
    assert ticket.status == "closed"
    assert await desk.deadlines(decision.ticket_id) == []


async def test_other_intents_are_handed_off_with_state_aware_drafts(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    desk = shop_desk()
    cases = [
        ("cancel", RELAY_A, "drafts/cancel.txt", "発送前のため、キャンセルを承ります"),
        ("cancel", "yun@marketplace.amazon.co.jp", "drafts/cancel.txt", "受取拒否"),
        ("not_received", RELAY_A, "drafts/not_received.txt", "まだ発送の準備中です"),
        ("defective", RELAY_A, "drafts/defective.txt", "写真"),
        ("change_order", RELAY_A, "drafts/change_order.txt", "変更を承ることができます"),
        ("return_refund", "delivered@marketplace.amazon.co.jp", "drafts/return_refund.txt", "返品"),
        ("payment", RELAY_A, "drafts/payment.txt", "Amazon.co.jp が管理"),
        ("product_question", RELAY_A, "drafts/product_question.txt", "少々お時間"),
    ]
    for n, (intent, sender, template, phrase) in enumerate(cases):
        pin_nlu(intent)
        desk.deliver(buyer_mail("ご相談です。", sender=sender, message_id=f"<m{n}@example.jp>"))
        await desk.run()
        decision = await desk.decision()
        assert (decision.kind, decision.intent, decision.template) == ("handoff", intent, template)
        assert phrase in decision.draft, (intent, decision.draft)
        assert "draft_policy" not in decision.facts
    pin_nlu("other")
    desk.deliver(buyer_mail("SEO対策のご提案です。", sender="sales@example.com"))
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "handoff" and decision.draft is None
    assert await desk.sent() == []


async def test_a_product_question_the_faq_answers_is_replied(
    shop_desk: Build, pin_nlu: Pin, tmp_path: Path
) -> None:
    faq = tmp_path / "faq.toml"
    faq.write_text(
        '[[faq]]\nid = "battery"\nkeywords = ["電池", "付属|同梱"]\n'
        'answer = "充電式バッテリーを内蔵しているため、電池は不要です。"\n',
        encoding="utf-8",
    )
    pin_nlu("product_question", confidence=0.9)
    desk = shop_desk(faq_file=faq)
    desk.deliver(buyer_mail("電池は付属していますか？", sender=RELAY_A))
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "reply" and decision.reason == "FAQ battery: matched 電池, 付属"
    assert "電池は不要です" in _body((await desk.sent())[0].raw)


async def test_angry_or_unsure_mail_is_never_answered_automatically(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    desk = shop_desk()
    pin_nlu("shipping_status", angry=True, claim_risk=True, action="handoff")
    desk.deliver(buyer_mail("いつまで待たせるのですか。評価を1にします。", sender=RELAY_A))
    await desk.run()
    angry = await desk.decision()
    pin_nlu("shipping_status", confidence=0.41, action="handoff")
    desk.deliver(buyer_mail("えっと", sender=RELAY_C, message_id="<buyer-2@mail.example.jp>"))
    await desk.run()
    unsure = await desk.decision()
    assert angry.kind == unsure.kind == "handoff"
    assert "angry" in angry.reason and "not confident enough" in unsure.reason
    assert "発送の準備を進めております" in angry.draft  # the agent still gets the answer as a draft
    assert await desk.sent() == []


async def test_english_mail_gets_english_and_other_languages_go_to_agents(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    desk = shop_desk()
    pin_nlu("shipping_status", language="en")
    desk.deliver(buyer_mail("When will my order ship?", sender=RELAY_A, name="John Smith"))
    await desk.run()
    [row] = await desk.sent()
    assert _body(row.raw).startswith("Dear John Smith,\n")
    pin_nlu("shipping_status", language="other")
    desk.deliver(buyer_mail("我的包裹什么时候到？", sender=RELAY_C, message_id="<b2@example.jp>"))
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "handoff" and "language" in decision.reason
    pin_nlu("cancel", language="en")
    desk.deliver(buyer_mail("Please cancel my order.", sender=RELAY_A, message_id="<b3@x.jp>"))
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "handoff" and decision.draft is None  # no English drafts yet
    assert len(await desk.sent()) == 1


async def test_buyer_text_that_looks_like_a_template_comes_back_literally(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk()
    desk.deliver(
        buyer_mail(
            "{{ 7*7 }} {% for x in range(3) %}x{% endfor %} いつ届きますか？",
            sender=RELAY_A,
            name="{{ 7*7 }}",
            subject="{{ 7*7 }} の件",
        )
    )
    await desk.run()
    [row] = await desk.sent()
    body = _body(row.raw)
    assert body.startswith("{{ 7*7 }} 様\n")
    assert "49 様" not in body and "xxx" not in body
    assert row.subject == "Re: {{ 7*7 }} の件"


async def test_a_reply_that_fails_the_policy_check_is_held_for_an_agent(
    shop_desk: Build, pin_nlu: Pin
) -> None:
    pin_nlu("shipping_status")
    desk = shop_desk(signature="ミライ雑貨店 support@mirai-zakka.example.jp".replace("@", "＠"))
    desk.deliver(buyer_mail("いつ届きますか？", sender=RELAY_A))
    await desk.run()
    decision = await desk.decision()
    assert decision.kind == "handoff"
    assert "policy: email_address" in decision.reason
    assert decision.facts["policy"] == ["email_address: mail addresses are not allowed"]
    assert await desk.sent() == []


async def test_with_the_real_classifier_a_plain_question_is_answered_and_thanks_closed(
    shop_desk: Build,
) -> None:
    desk = shop_desk()
    desk.deliver(
        buyer_mail(
            "いつもお世話になっております。\n"
            "注文番号 249-3333333-3333333 の配送状況を教えてください。\nよろしくお願いいたします。",
            sender=RELAY_B,
            subject="配送状況の確認",
        )
    )
    desk.deliver(
        buyer_mail(
            "商品を受け取りました。ありがとうございました。",
            sender=RELAY_A,
            subject="受け取りました",
            message_id="<thanks@mail.example.jp>",
        )
    )
    summary = await desk.run()
    assert summary.counts() == {"reply": 1, "none": 1}
    [row] = await desk.sent()
    assert "123456789013" in _body(row.raw)
