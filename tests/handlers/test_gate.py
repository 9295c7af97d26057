"""The gate in ``bot.act``: whatever a handler wants, unsafe answers go to a human."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.act import GateFacts, Outcome, decide
from bot.config import PROJECT_ROOT, ShopSettings
from bot.nlp import Understanding
from bot.router import HandlerContext, NoReply, Reply, Router, TicketView
from bot.templates import Renderer
from handlers import build_router
from tests.templates.cases import IN_TRANSIT, MORNING, SHOP, Case, mail_for

FAQ = '[[faq]]\nid = "battery"\nkeywords = ["電池", "付属"]\nanswer = "電池は不要です。"\n'
SHIPPING = Understanding(intent="shipping_status", confidence=0.93, angry=False, action="auto")


async def gate(
    nlu: Understanding,
    *,
    shop: ShopSettings = SHOP,
    body: str = "いつ届きますか？",
    router: Router | None = None,
    templates: Path = PROJECT_ROOT / "templates",
    replies_today: int = 0,
    sender: str | None = None,
) -> Outcome:
    mail = mail_for(Case("gate", nlu.intent, body))
    if sender:
        mail = replace(mail, from_addr=sender)
    ctx = HandlerContext(
        mail=mail,
        nlu=nlu,
        shop=shop,
        ticket=TicketView(id=1, is_new=True),
        now=MORNING,
        order=IN_TRANSIT,
        orders=(IN_TRANSIT,),
    )
    facts = GateFacts(shop_addresses=shop.addresses, auto_replies_to_sender_24h=replies_today)
    return await decide(router or build_router(), Renderer(templates), ctx, facts)


async def test_a_confident_calm_japanese_mail_is_answered() -> None:
    outcome = await gate(SHIPPING)
    assert outcome.kind == "reply" and outcome.body and "123456789013" in outcome.body


async def test_angry_mail_is_handed_off_with_the_answer_as_a_draft() -> None:
    outcome = await gate(replace(SHIPPING, angry=True, action="handoff"))
    assert outcome.kind == "handoff" and "angry" in outcome.reason
    assert outcome.draft and "123456789013" in outcome.draft and outcome.body is None


async def test_a_claim_threat_is_handed_off_even_if_the_classifier_said_auto() -> None:
    outcome = await gate(replace(SHIPPING, claim_risk=True))
    assert outcome.kind == "handoff" and "threatens a claim" in outcome.reason


async def test_low_confidence_is_handed_off() -> None:
    outcome = await gate(replace(SHIPPING, confidence=0.5, action="handoff"))
    assert outcome.kind == "handoff" and "not confident enough" in outcome.reason


async def test_the_shops_own_threshold_applies_on_top() -> None:
    outcome = await gate(SHIPPING, shop=replace(SHOP, confidence_threshold=0.95))
    assert outcome.kind == "handoff" and "under the shop's 0.95" in outcome.reason


async def test_intents_the_seller_turned_off_are_handed_off() -> None:
    outcome = await gate(SHIPPING, shop=replace(SHOP, auto_intents=frozenset({"invoice"})))
    assert outcome.kind == "handoff" and "automatic answers are off" in outcome.reason


async def test_a_faq_answer_needs_confidence_and_a_single_question(tmp_path: Path) -> None:
    faq = tmp_path / "faq.toml"
    faq.write_text(FAQ, encoding="utf-8")
    shop = replace(SHOP, faq_file=faq)
    question = Understanding(
        intent="product_question", confidence=0.9, angry=False, action="handoff"
    )
    body = "電池は付属していますか？"
    assert (await gate(question, shop=shop, body=body)).kind == "reply"
    unsure = await gate(replace(question, confidence=0.6), shop=shop, body=body)
    assert unsure.kind == "handoff" and "not confident enough" in unsure.reason
    two_asks = await gate(replace(question, other_intents=["cancel"]), shop=shop, body=body)
    assert two_asks.kind == "handoff" and "also asks about cancel" in two_asks.reason


async def test_english_without_an_english_template_and_other_languages_are_handed_off(
    tmp_path: Path,
) -> None:
    only_ja = tmp_path / "templates"
    (only_ja / "ja").mkdir(parents=True)
    (only_ja / "ja" / "x.txt").write_text("{{ shop.name }}", encoding="utf-8")
    router = Router()

    @router.intent("shipping_status")
    async def answer() -> Reply:
        return Reply("x.txt", reason="test")

    english = await gate(replace(SHIPPING, language="en"), router=router, templates=only_ja)
    assert english.kind == "handoff" and "no en template x.txt" in english.reason
    chinese = await gate(replace(SHIPPING, language="other"), body="我的包裹在哪里？")
    assert chinese.kind == "handoff" and "language the bot does not answer" in chinese.reason


async def test_a_template_that_fails_to_render_is_handed_off_not_crashed(tmp_path: Path) -> None:
    broken = tmp_path / "templates"
    (broken / "ja").mkdir(parents=True)
    (broken / "ja" / "x.txt").write_text("{{ missing.value }}", encoding="utf-8")
    router = Router()

    @router.intent("shipping_status")
    async def answer() -> Reply:
        return Reply("x.txt", reason="test")

    outcome = await gate(SHIPPING, router=router, templates=broken)
    assert outcome.kind == "handoff" and "template ja/x.txt failed" in outcome.reason


async def test_a_reply_breaking_a_marketplace_rule_is_held_with_the_rule() -> None:
    shop = replace(SHOP, signature="ミライ雑貨店（TEL 03-1234-5678）")
    outcome = await gate(SHIPPING, shop=shop)
    assert outcome.kind == "handoff"
    assert outcome.facts["policy"] == ["phone_number: phone numbers are not allowed"]


async def test_no_reply_needs_the_classifier_to_be_sure() -> None:
    thanks = Understanding(intent="thanks", confidence=0.95, angry=False, action="none")
    assert (await gate(thanks, body="ありがとうございました。")).kind == "none"
    unsure = await gate(replace(thanks, action="handoff"), body="ありがとうございました。")
    assert unsure.kind == "handoff"
    router = Router()

    @router.intent("shipping_status")
    async def nothing() -> NoReply:
        return NoReply("nothing to say")

    angry = await gate(replace(SHIPPING, angry=True, action="none"), router=router)
    assert angry.kind == "handoff"


async def test_noreply_senders_and_busy_senders_are_not_answered_automatically() -> None:
    noreply = await gate(SHIPPING, sender="no-reply@shop-notice.example.jp")
    assert noreply.kind == "handoff" and "does not accept replies" in noreply.reason
    busy = await gate(SHIPPING, replies_today=3)
    assert busy.kind == "handoff" and "already 3 automatic replies" in busy.reason
