"""The ticket card: facts an agent needs, the seller's one-line gist, safe buyer text, buttons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.config import DEFAULT_TEMPLATES_DIR
from bot.orders import Order, Shipment
from bot.slack import ids
from bot.slack.card import card_blocks, card_text
from bot.slack.snapshot import EarlierTicket, InboundMail, TicketSnapshot
from bot.slack.texts import SlackTexts
from bot.templates import Renderer

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 10:00 in Japan


def snapshot(**changes: Any) -> TicketSnapshot:
    """A realistic waiting ticket; ``changes`` replace fields."""
    mail = InboundMail(
        row_id=7,
        message_id="<CAB7x-buyer-001@mail.gmail.com>",
        subject="注文した商品がまだ届きません",
        from_name="山田 太郎",
        from_addr="k2x7q9w3e5r1t8y@marketplace.amazon.co.jp",
        sent_at=NOW - timedelta(minutes=3),
        text="11月20日に注文した加湿器がまだ届きません。\n\n> 以前の引用",
        new_text="11月20日に注文した加湿器がまだ届きません。\nいつ届くのでしょうか。",
        attachments=(),
        intent="shipping_status",
        confidence=0.82,
        evidence=("届きません", "まだ"),
        references=(),
    )
    order = Order(
        order_id="249-1234567-1234567",
        status="shipped",
        buyer_email=mail.from_addr,
        items="スチーム式加湿器 HM-300（ホワイト）",
        shipped_at=NOW - timedelta(days=5),
        promised_from=date(2026, 11, 22),
        promised_to=date(2026, 11, 24),
        shipments=(
            Shipment("yamato", "123456789013", NOW - timedelta(days=5), "in_transit", None),
        ),
    )
    base = TicketSnapshot(
        id=12,
        subject=mail.subject,
        status="waiting",
        intent="shipping_status",
        angry=False,
        claim_risk=False,
        buyer_name="山田 太郎",
        buyer_address=mail.from_addr,
        assignee=None,
        order_id=order.order_id,
        created_at=NOW,
        now=NOW,
        latest=mail,
        order=order,
        due_at=NOW + timedelta(hours=5, minutes=12, seconds=30),
        draft="山田 太郎 様\n\nミライ雑貨店でございます。\n…\nミライ雑貨店 カスタマーサポート",
        decision_id=3,
        decision_reason="the parcel is late: a human answers",
        earlier=(EarlierTicket(4, "closed", "領収書について", NOW - timedelta(days=40)),),
        earlier_total=1,
        thread=None,
    )
    from dataclasses import replace

    return replace(base, **changes)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(DEFAULT_TEMPLATES_DIR)


def _texts(renderer: Renderer, lang: str) -> SlackTexts:
    return SlackTexts(renderer, lang, "Asia/Tokyo")


def _all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _buttons(blocks: list[dict[str, Any]]) -> list[str]:
    actions = next(b for b in blocks if b["type"] == "actions")
    return [e["action_id"] for e in actions["elements"]]


def test_the_card_carries_the_facts_an_agent_needs(renderer: Renderer) -> None:
    blocks = card_blocks(snapshot(), _texts(renderer, "en"))
    text = _all_text(blocks)

    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "#12 注文した商品がまだ届きません", "emoji": True},
    }
    assert "いつ届くのでしょうか" in text  # the buyer's new text
    assert "以前の引用" not in text  # the quote is behind "Full mail"
    assert "shipping status · 0.82" in text and "届きません、まだ" in text
    assert "<https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013|track>" in text
    assert "Thu 26 Nov 15:12 · 5 h 12 min left" in text
    assert "promised Sun 22 Nov–Tue 24 Nov" in text
    assert "#4 (⚪ Closed)" in text
    assert "```山田 太郎 様" in text
    assert _buttons(blocks) == [ids.SEND_DRAFT, ids.EDIT_SEND, ids.TAKE, ids.NO_REPLY, ids.CLOSE]
    full_mail = blocks[2]["accessory"]
    assert (full_mail["action_id"], full_mail["value"]) == (ids.FULL_MAIL, "7")


def test_the_gist_is_in_the_sellers_language(renderer: Renderer) -> None:
    zh = card_text(snapshot(), _texts(renderer, "zh"))
    en = card_text(snapshot(), _texts(renderer, "en"))

    assert zh == "#12 🟡 待回复 · 买家询问物流状态 · 订单 249-1234567-1234567 · 承运商 大和运输"
    assert en.endswith(
        "Buyer asks where the parcel is · order 249-1234567-1234567 · carrier Yamato Transport"
    )


def test_state_follows_the_ticket_and_its_deadline(renderer: Renderer) -> None:
    texts = _texts(renderer, "en")
    overdue = snapshot(now=NOW + timedelta(hours=6))
    answered = snapshot(status="answered", due_at=None)
    closed = snapshot(status="closed", due_at=None)

    assert overdue.state == "overdue" and "overdue by 47 min" in _all_text(
        card_blocks(overdue, texts)
    )
    assert answered.state == "answered" and "🟢 Answered" in card_text(answered, texts)
    assert closed.state == "closed" and _buttons(card_blocks(closed, texts)) == [ids.REOPEN]
    assert ids.SEND_DRAFT not in _buttons(card_blocks(snapshot(draft=None), texts))


def test_flags_and_assignee_show_on_the_card(renderer: Renderer) -> None:
    text = _all_text(
        card_blocks(
            snapshot(angry=True, claim_risk=True, assignee="U0AGENT01"), _texts(renderer, "ja")
        )
    )

    assert "😠 お怒り ⚠️ クレームの恐れ" in text
    assert "<@U0AGENT01>" in text


def test_buyer_text_cannot_ping_the_channel_or_fake_links(renderer: Renderer) -> None:
    sly = snapshot(
        buyer_name="<!channel>",
        latest=snapshot().latest.__class__(  # type: ignore[union-attr]
            **{
                **snapshot().latest.__dict__,  # type: ignore[union-attr]
                "new_text": "<!channel> 至急 <https://evil.example/|Amazon>",
                "evidence": ("<@U0BOSS>",),
            }
        ),
    )

    text = _all_text(card_blocks(sly, _texts(renderer, "en")))

    assert "<!channel>" not in text and "<https://evil.example/" not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U0BOSS&gt;" in text


def test_every_text_fits_slacks_limits(renderer: Renderer) -> None:
    huge = snapshot(
        subject="件名" * 200,
        draft="下書き" * 2000,
        latest=snapshot().latest.__class__(  # type: ignore[union-attr]
            **{**snapshot().latest.__dict__, "new_text": "本文" * 3000}  # type: ignore[union-attr]
        ),
    )

    blocks = card_blocks(huge, _texts(renderer, "en"))

    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
