"""A shop with realistic orders in a real store, a Maildir desk, and a way to pin the NLU.

End-to-end tests deliver buyer mail into the Maildir and run ``Desk.run_once``. The
understanding can be pinned (intent, language, anger, confidence) so that these tests check
the handlers, templates and gate, not the classifier; order IDs are still extracted for real.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.nlp import Understanding, understand
from bot.orders import OrderRow, import_orders, save_order
from bot.service import Desk, RunSummary
from bot.store import Store
from bot.store.schema import deadlines, decisions, outbox, tickets

RELAY_A = "k2x7q9w3e5r1t8y@marketplace.amazon.co.jp"  # one order in flight
RELAY_B = "m4n6b8v0c2x4z6a@marketplace.amazon.co.jp"  # two orders in flight
RELAY_C = "p1o2i3u4y5t6r7e@marketplace.amazon.co.jp"  # no orders at all

# The seller's export, as Japanese Excel would save it (Japanese headers, a date range).
ORDERS_CSV = f"""注文番号,購入者メールアドレス,ステータス,配送業者,追跡番号,発送日,お届け予定日,商品名
249-1111111-1111111,{RELAY_A},未発送,,,,2026/11/28〜2026/11/30,LEDランタン（充電式・ホワイト）
249-2222222-2222222,late@m.marketplace.amazon.co.jp,unshipped,,,,2026/11/20〜2026/11/22,折りたたみ傘（紺）
249-3333333-3333333,{RELAY_B},shipped,ヤマト運輸,1234-5678-9013,2026/11/25,2026/11/27〜2026/11/28,ステンレスマグ 350ml
250-3434343-3434343,{RELAY_B},shipped,佐川急便,400012345670,2026/11/24,2026/11/26〜2026/11/27,保冷バッグ（L）
249-4444444-4444444,delivered@marketplace.amazon.co.jp,delivered,ヤマト運輸,987654321010,2026/11/23,2026/11/24〜2026/11/25,LEDランタン（充電式・ブラック）
249-5555555-5555555,yun@marketplace.amazon.co.jp,shipped,YunExpress,YT2412345678901234,2026/11/20,2026/11/30〜2026/12/07,スマホスタンド
249-5656565-5656565,s10@marketplace.amazon.co.jp,shipped,日本郵便,LX123456785CN,2026/11/18,,USB充電ケーブル 2本組
249-6767676-6767676,unknown@marketplace.amazon.co.jp,shipped,other,ZX-99812,2026/11/25,,木製コースター 4枚組
249-7777777-7777777,cancelled@marketplace.amazon.co.jp,cancelled,,,,,LEDランタン（充電式・ホワイト）
"""


@pytest.fixture
async def shop_store(store: Store, clock: ManualClock, tmp_path: Path) -> AsyncIterator[Store]:
    """The store with the seller's orders imported (and one with a mistyped tracking number)."""
    csv = tmp_path / "orders.csv"
    csv.write_text(ORDERS_CSV, encoding="utf-8-sig")
    report = await import_orders(store, csv, now=clock.now())
    assert report.errors == [] and report.inserted == 9
    async with store.begin() as conn:
        # The import refuses bad check digits; data edited elsewhere can still hold one.
        await save_order(
            conn,
            OrderRow(
                line=0,
                order_id="249-6666666-6666666",
                status="shipped",
                buyer_email="typo@marketplace.amazon.co.jp",
                carrier="yamato",
                tracking_number="123456789012",
                shipped_at=clock.now(),
                items="アロマディフューザー",
            ),
            now=clock.now(),
        )
    yield store


Pin = Callable[..., None]


@pytest.fixture
def pin_nlu(monkeypatch: pytest.MonkeyPatch) -> Pin:
    """Fix what the understand stage says about every mail (entities are still extracted)."""

    def pin(intent: str, **changes: Any) -> None:
        def fake(subject: str, text: str, *, mail_date: datetime | None = None) -> Understanding:
            real = understand(subject, text, mail_date=mail_date)
            auto = intent in ("shipping_status", "invoice")
            base = {
                "intent": intent,
                "confidence": 0.93,
                "angry": False,
                "claim_risk": False,
                "action": "auto" if auto else ("none" if intent == "thanks" else "handoff"),
                "other_intents": [],
                "language": "ja",
            }
            return replace(real, **{**base, **changes})

        monkeypatch.setattr("bot.analysis.understand", fake)  # analysed in the desk process

    return pin


class ShopDesk:
    """A desk over the test shop: deliver mail, run once, read what happened."""

    def __init__(self, settings: Settings, store: Store, clock: ManualClock) -> None:
        self.settings = settings
        self.store = store
        self.desk = Desk(settings, clock=clock, store=store)
        self._n = itertools.count(1)

    def deliver(self, raw: bytes) -> None:
        path = self.settings.mailboxes[0].path
        assert path is not None
        (path / "new" / f"{next(self._n):04d}.test:2,").write_bytes(raw)

    async def run(self) -> RunSummary:
        return await self.desk.run_once()

    async def decision(self) -> Any:
        async with self.store.connect() as conn:
            return (await conn.execute(select(decisions).order_by(decisions.c.id.desc()))).first()

    async def ticket(self, ticket_id: int) -> Any:
        async with self.store.connect() as conn:
            return (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).first()

    async def sent(self) -> list[Any]:
        async with self.store.connect() as conn:
            return list((await conn.execute(select(outbox).order_by(outbox.c.id))).all())

    async def deadlines(self, ticket_id: int) -> list[Any]:
        async with self.store.connect() as conn:
            rows = await conn.execute(select(deadlines).where(deadlines.c.ticket_id == ticket_id))
            return list(rows.all())


@pytest.fixture
def shop_desk(
    shop_store: Store, db_url: str, clock: ManualClock, make_settings: Callable[..., Settings]
) -> Callable[..., ShopDesk]:
    """Build a desk for the test shop; ``changes`` adjust the shop settings."""

    def build(**shop_changes: Any) -> ShopDesk:
        settings = make_settings(db_url)
        settings = replace(settings, shop=replace(settings.shop, **shop_changes))
        return ShopDesk(settings, shop_store, clock)

    return build
