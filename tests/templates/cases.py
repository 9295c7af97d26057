"""Realistic situations for every answer and draft: the orders, the mail and the shop.

Each case runs through the real router and act stage (``bot.act.decide``), so the golden
texts show exactly what a buyer or an agent would read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from bot.act import GateFacts, Outcome, decide
from bot.clock import JST
from bot.config import PROJECT_ROOT, ShopSettings
from bot.mail.message import BuyerMail
from bot.nlp import Understanding
from bot.orders import Order, Shipment
from bot.router import HandlerContext, TicketView
from bot.templates import Renderer
from handlers import build_router

RELAY = "k2x7q9w3e5r1t8y@marketplace.amazon.co.jp"
# Thursday 26 November 2026, 10:00 in Japan.
MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=JST)
NIGHT = datetime(2026, 11, 26, 22, 30, tzinfo=JST)

SHOP = ShopSettings(
    name="ミライ雑貨店",
    addresses=("shop@mirai-zakka.example.jp",),
    marketplace="amazon_jp",
    signature="ミライ雑貨店 カスタマーサポート",
    return_policy="商品到着後30日以内であれば、未使用品に限り返品を承ります。",
    invoice_registration_number="T1234567890123",
)
OWN_STORE = replace(
    SHOP,
    marketplace="own_store",
    invoice_policy="ご注文完了メールに記載のリンクから、適格請求書（PDF）をダウンロードいただけます。"
    "宛名の変更をご希望の場合は、このメッセージでお知らせください。",
)
RAKUTEN = replace(SHOP, marketplace="rakuten")


def jst(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=JST).astimezone(UTC)


def order(
    order_id: str,
    status: str,
    *,
    promised: tuple[date, date] | None = None,
    shipped: datetime | None = None,
    parcels: tuple[tuple[str, str], ...] = (),
    parcel_status: str = "in_transit",
    items: str | None = "LEDランタン（充電式・ホワイト）",
    buyer: str | None = RELAY,
) -> Order:
    return Order(
        order_id=order_id,
        status=status,
        buyer_email=buyer,
        items=items,
        shipped_at=shipped,
        promised_from=promised[0] if promised else None,
        promised_to=promised[1] if promised else None,
        shipments=tuple(
            Shipment(carrier, number, shipped, parcel_status, None) for carrier, number in parcels
        ),
    )


UNSHIPPED = order(
    "249-1111111-1111111", "unshipped", promised=(date(2026, 11, 28), date(2026, 11, 30))
)
LATE_UNSHIPPED = order(
    "249-2222222-2222222", "unshipped", promised=(date(2026, 11, 20), date(2026, 11, 22))
)
IN_TRANSIT = order(
    "249-3333333-3333333",
    "shipped",
    promised=(date(2026, 11, 27), date(2026, 11, 28)),
    shipped=jst(2026, 11, 25),
    parcels=(("yamato", "123456789013"),),
)
LATE_IN_TRANSIT = order(
    "503-3434343-3434343",
    "shipped",
    promised=(date(2026, 11, 21), date(2026, 11, 23)),
    shipped=jst(2026, 11, 19),
    parcels=(("sagawa", "400012345670"),),
)
TWO_PARCELS = order(
    "250-3535353-3535353",
    "shipped",
    promised=(date(2026, 11, 27), date(2026, 11, 27)),
    shipped=jst(2026, 11, 25),
    parcels=(("yamato", "123456789013"), ("japanpost", "112233445564")),
)
DELIVERED = order(
    "249-4444444-4444444",
    "delivered",
    promised=(date(2026, 11, 24), date(2026, 11, 25)),
    shipped=jst(2026, 11, 23),
    parcels=(("yamato", "987654321010"),),
    parcel_status="delivered",
)
YUNEXPRESS = order(
    "249-5555555-5555555",
    "shipped",
    promised=(date(2026, 11, 30), date(2026, 12, 7)),
    shipped=jst(2026, 11, 20),
    parcels=(("yunexpress", "YT2412345678901234"),),
)
S10_FROM_CHINA = order(
    "249-5656565-5656565",
    "shipped",
    shipped=jst(2026, 11, 18),
    parcels=(("japanpost", "LX123456785CN"),),
)
INVALID_TRACKING = order(
    "249-6666666-6666666",
    "shipped",
    shipped=jst(2026, 11, 25),
    parcels=(("yamato", "123456789012"),),
)
UNKNOWN_CARRIER = order(
    "249-6767676-6767676",
    "shipped",
    shipped=jst(2026, 11, 25),
    parcels=(("other", "ZX-99812"),),
)
CANCELLED = order("249-7777777-7777777", "cancelled")


@dataclass(frozen=True)
class Case:
    """One situation and the template the desk is expected to use for it."""

    name: str
    intent: str
    body: str
    order: Order | None = None
    orders: tuple[Order, ...] = ()
    shop: ShopSettings = SHOP
    now: datetime = MORNING
    first_contact: bool = True
    language: str = "ja"
    subject: str = "お問い合わせ"
    order_ids: tuple[str, ...] = ()
    sender_name: str | None = "山田 太郎"
    confidence: float = 0.92
    faq_file: Path | None = None
    expect: str = "reply"  # reply | handoff
    template: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def mail_for(case: Case) -> BuyerMail:
    return BuyerMail(
        message_id=f"<{case.name}@mail.example.jp>",
        in_reply_to=None,
        references=[],
        from_addr=RELAY,
        from_name=case.sender_name,
        reply_to=None,
        to=["shop@mirai-zakka.example.jp"],
        subject=case.subject,
        date=case.now,
        text=case.body,
        new_text=case.body,
        is_auto=False,
    )


def understanding_for(case: Case) -> Understanding:
    auto = case.intent in SHOP.auto_intents
    return Understanding(
        intent=case.intent,
        confidence=case.confidence,
        angry=False,
        action="auto" if auto else ("none" if case.intent == "thanks" else "handoff"),
        order_ids=list(case.order_ids),
        language=case.language,
    )


async def run_case(case: Case, templates_dir: Path = PROJECT_ROOT / "templates") -> Outcome:
    """The act stage's outcome for ``case``, through the real router and templates."""
    shop = replace(case.shop, faq_file=case.faq_file) if case.faq_file else case.shop
    ctx = HandlerContext(
        mail=mail_for(case),
        nlu=understanding_for(case),
        shop=shop,
        ticket=TicketView(id=1, is_new=case.first_contact),
        now=case.now.astimezone(UTC),
        order=case.order,
        orders=case.orders or ((case.order,) if case.order else ()),
    )
    return await decide(
        build_router(), Renderer(templates_dir), ctx, GateFacts(shop_addresses=shop.addresses)
    )


FAQ_TOML = """
[[faq]]
id = "battery"
question = "電池は付属していますか？"
keywords = ["電池|バッテリー", "付属|同梱|入って|ついて"]
exclude = ["液漏れ", "交換"]
answer = "本商品には充電式バッテリーが内蔵されており、別途電池をご用意いただく必要はございません。付属のUSBケーブルで充電してお使いください。"
answer_en = "The lantern has a built-in rechargeable battery, so no separate batteries are needed. Charge it with the USB cable in the box."

[[faq]]
id = "waterproof"
question = "防水ですか？"
keywords = ["防水|雨|水に"]
answer = "本商品は生活防水（IPX4相当）です。雨の中でもお使いいただけますが、水に沈めることはお避けください。"
"""

CASES: tuple[Case, ...] = (
    # shipping_status
    Case(
        "shipping_not_shipped",
        "shipping_status",
        "注文した商品はいつ発送されますか？",
        UNSHIPPED,
        template="shipping/not_shipped.txt",
    ),
    Case(
        "shipping_not_shipped_late",
        "shipping_status",
        "予定日を過ぎましたがまだ発送されていないようです。",
        LATE_UNSHIPPED,
        first_contact=False,
        template="shipping/not_shipped.txt",
    ),
    Case(
        "shipping_not_shipped_own_store",
        "shipping_status",
        "いつ発送されますか？",
        UNSHIPPED,
        shop=OWN_STORE,
        template="shipping/not_shipped.txt",
    ),
    Case(
        "shipping_shipped_night",
        "shipping_status",
        "荷物はいつ届きますか？追跡番号を教えてください。",
        IN_TRANSIT,
        now=NIGHT,
        template="shipping/shipped.txt",
    ),
    Case(
        "shipping_shipped_late",
        "shipping_status",
        "お届け予定日を過ぎましたが、まだ届きません。今どこにありますか？",
        LATE_IN_TRANSIT,
        template="shipping/shipped.txt",
    ),
    Case(
        "shipping_two_parcels",
        "shipping_status",
        "配送状況を教えてください。",
        TWO_PARCELS,
        template="shipping/shipped.txt",
    ),
    Case(
        "shipping_international_yunexpress",
        "shipping_status",
        "追跡番号の情報が何日も更新されません。",
        YUNEXPRESS,
        template="shipping/international.txt",
    ),
    Case(
        "shipping_international_s10",
        "shipping_status",
        "海外から発送とありましたが、いつ頃届きますか？",
        S10_FROM_CHINA,
        template="shipping/international.txt",
    ),
    Case(
        "shipping_ask_order_number",
        "shipping_status",
        "注文した商品がいつ届くか知りたいです。",
        template="shipping/ask_order_number.txt",
    ),
    Case(
        "shipping_choose_order",
        "shipping_status",
        "荷物の配送状況を教えてください。",
        orders=(UNSHIPPED, IN_TRANSIT),
        template="shipping/choose_order.txt",
    ),
    Case(
        "shipping_delivered_but_missing",
        "shipping_status",
        "配達済みになっていますが、どこにありますか？",
        DELIVERED,
        expect="handoff",
        template="drafts/not_received.txt",
    ),
    Case(
        "shipping_invalid_tracking",
        "shipping_status",
        "追跡番号で検索しても出てきません。",
        INVALID_TRACKING,
        expect="handoff",
        template="drafts/tracking_problem.txt",
    ),
    Case(
        "shipping_unknown_carrier",
        "shipping_status",
        "どこの配送業者で届きますか？",
        UNKNOWN_CARRIER,
        expect="handoff",
        template="drafts/tracking_problem.txt",
    ),
    Case(
        "shipping_cancelled_order",
        "shipping_status",
        "注文した商品はいつ届きますか？",
        CANCELLED,
        expect="handoff",
        template="drafts/order_cancelled.txt",
    ),
    Case(
        "shipping_named_order_unknown",
        "shipping_status",
        "注文番号 250-9999999-9999999 の商品はいつ届きますか？",
        order_ids=("250-9999999-9999999",),
        expect="handoff",
        template="drafts/order_unknown.txt",
    ),
    # invoice
    Case(
        "invoice_amazon",
        "invoice",
        "領収書を発行していただけますか。",
        IN_TRANSIT,
        template="invoice/amazon.txt",
    ),
    Case(
        "invoice_own_store",
        "invoice",
        "適格請求書をいただけますでしょうか。",
        IN_TRANSIT,
        shop=OWN_STORE,
        template="invoice/own_store.txt",
    ),
    Case(
        "invoice_rakuten",
        "invoice",
        "領収書はどこで発行できますか？",
        IN_TRANSIT,
        shop=RAKUTEN,
        template="invoice/rakuten.txt",
    ),
    Case(
        "invoice_company_name",
        "invoice",
        "宛名を「株式会社サンプル」、但し書きを「備品代として」で領収書をお願いします。",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/invoice_request.txt",
    ),
    Case(
        "invoice_quotation",
        "invoice",
        "10個購入を検討しています。見積書をいただけますか。",
        expect="handoff",
        template="drafts/invoice_request.txt",
    ),
    # not_received
    Case(
        "not_received_in_transit",
        "not_received",
        "まだ届いていません。",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/not_received.txt",
    ),
    Case(
        "not_received_late",
        "not_received",
        "予定日を過ぎても届いていません。",
        LATE_IN_TRANSIT,
        expect="handoff",
        template="drafts/not_received.txt",
    ),
    Case(
        "not_received_unshipped",
        "not_received",
        "まだ届いていないのですが。",
        UNSHIPPED,
        expect="handoff",
        template="drafts/not_received.txt",
    ),
    Case(
        "not_received_no_order",
        "not_received",
        "商品が届いていません。",
        expect="handoff",
        template="drafts/not_received.txt",
    ),
    # defective
    Case(
        "defective",
        "defective",
        "届いたランタンが点灯しません。初期不良でしょうか。",
        DELIVERED,
        expect="handoff",
        template="drafts/defective.txt",
    ),
    # change_order
    Case(
        "change_order_unshipped",
        "change_order",
        "届け先の住所を変更したいです。",
        UNSHIPPED,
        expect="handoff",
        template="drafts/change_order.txt",
    ),
    Case(
        "change_order_in_transit",
        "change_order",
        "色を黒に変更できますか。",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/change_order.txt",
    ),
    Case(
        "change_order_delivered",
        "change_order",
        "サイズを交換したいです。",
        DELIVERED,
        expect="handoff",
        template="drafts/change_order.txt",
    ),
    # cancel
    Case(
        "cancel_unshipped",
        "cancel",
        "注文をキャンセルしたいです。",
        UNSHIPPED,
        expect="handoff",
        template="drafts/cancel.txt",
    ),
    Case(
        "cancel_in_transit",
        "cancel",
        "キャンセルをお願いします。",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/cancel.txt",
    ),
    Case(
        "cancel_delivered",
        "cancel",
        "やはりキャンセルしたいです。",
        DELIVERED,
        expect="handoff",
        template="drafts/cancel.txt",
    ),
    # return_refund
    Case(
        "return_delivered",
        "return_refund",
        "イメージと違ったので返品したいです。",
        DELIVERED,
        expect="handoff",
        template="drafts/return_refund.txt",
    ),
    Case(
        "return_unshipped",
        "return_refund",
        "返品して返金してほしいです。",
        UNSHIPPED,
        expect="handoff",
        template="drafts/return_refund.txt",
    ),
    Case(
        "return_in_transit",
        "return_refund",
        "不要になったので返金をお願いします。",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/return_refund.txt",
    ),
    # product_question
    Case(
        "product_question_to_agent",
        "product_question",
        "このランタンは何時間点灯しますか？",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/product_question.txt",
    ),
    Case(
        "product_question_faq",
        "product_question",
        "電池は付属していますか？別に買う必要がありますか？",
        IN_TRANSIT,
        template="faq/answer.txt",
        extra={"faq": FAQ_TOML},
    ),
    # payment
    Case(
        "payment_amazon",
        "payment",
        "二重に請求されているようです。",
        IN_TRANSIT,
        expect="handoff",
        template="drafts/payment.txt",
    ),
    Case(
        "payment_own_store",
        "payment",
        "銀行振込で支払いましたが確認できましたか。",
        UNSHIPPED,
        shop=OWN_STORE,
        expect="handoff",
        template="drafts/payment.txt",
    ),
    # English
    Case(
        "en_shipping_shipped",
        "shipping_status",
        "Hello, when will my parcel arrive?",
        IN_TRANSIT,
        language="en",
        sender_name="John Smith",
        template="shipping/shipped.txt",
    ),
    Case(
        "en_shipping_not_shipped_late",
        "shipping_status",
        "My order has not shipped yet. Why?",
        LATE_UNSHIPPED,
        language="en",
        sender_name="John Smith",
        template="shipping/not_shipped.txt",
    ),
    Case(
        "en_shipping_international",
        "shipping_status",
        "Where is my package?",
        S10_FROM_CHINA,
        language="en",
        sender_name="John Smith",
        template="shipping/international.txt",
    ),
    Case(
        "en_shipping_ask_order_number",
        "shipping_status",
        "Where is my order?",
        language="en",
        sender_name=None,
        template="shipping/ask_order_number.txt",
    ),
    Case(
        "en_shipping_choose_order",
        "shipping_status",
        "Could you tell me where my parcel is?",
        orders=(UNSHIPPED, IN_TRANSIT),
        language="en",
        sender_name="John Smith",
        template="shipping/choose_order.txt",
    ),
    Case(
        "en_invoice_amazon",
        "invoice",
        "Could I get a receipt for my order?",
        IN_TRANSIT,
        language="en",
        sender_name="John Smith",
        template="invoice/amazon.txt",
    ),
    Case(
        "en_invoice_own_store",
        "invoice",
        "Please send me an invoice.",
        IN_TRANSIT,
        shop=replace(
            OWN_STORE,
            invoice_policy="You can download a PDF invoice from the link in your order confirmation mail.",
        ),
        language="en",
        sender_name="John Smith",
        template="invoice/own_store.txt",
    ),
    Case(
        "en_invoice_rakuten",
        "invoice",
        "How can I get a receipt?",
        IN_TRANSIT,
        shop=RAKUTEN,
        language="en",
        sender_name="John Smith",
        template="invoice/rakuten.txt",
    ),
    Case(
        "en_product_question_faq",
        "product_question",
        "Are batteries included?",
        IN_TRANSIT,
        language="en",
        sender_name="John Smith",
        template="faq/answer.txt",
        extra={
            "faq": FAQ_TOML.replace(
                '"電池|バッテリー"', '"電池|バッテリー|batteries|battery"'
            ).replace('"付属|同梱|入って|ついて"', '"付属|同梱|入って|ついて|included|in the box"')
        },
    ),
)
