"""``invoice``: receipts, invoices and qualified invoices (適格請求書).

Where the buyer gets the document depends on the marketplace: Amazon issues it from the
buyer's order history; the seller's own store follows the seller's written policy
(``invoice_policy``), and so does Rakuten when the seller wrote one, else its purchase history.
Requests the bot cannot fulfil (an addressee or 但し書き, a quotation, a delivery note) go to
an agent.
"""

from __future__ import annotations

import re
import unicodedata

from bot.config import ShopSettings
from bot.mail.message import BuyerMail
from bot.orders import Order
from bot.router import Decision, Handoff, Reply, Router

router = Router("invoice")

# Asks for a document made out to someone: only a person can say whether that is possible.
_ADDRESSEE = re.compile(r"宛名|宛先の?名|会社名|法人名|社名|株式会社|有限会社|\(株\)|㈱|御中")
_NOTE = re.compile(r"但し?書き?|但書")
_QUOTATION = re.compile(r"見積")
_DELIVERY_NOTE = re.compile(r"納品書")


def custom_request(text: str) -> dict[str, list[str]]:
    """What ``text`` asks to have on the receipt (``宛名``, ``但し書き``) and the words that say so."""
    folded = unicodedata.normalize("NFKC", text)
    found = {
        field: list(dict.fromkeys(m.group(0) for m in pattern.finditer(folded)))
        for field, pattern in (("宛名", _ADDRESSEE), ("但し書き", _NOTE))
    }
    return {field: words for field, words in found.items() if words}


@router.intent("invoice")
async def invoice(
    mail: BuyerMail, order: Order | None, orders: tuple[Order, ...], shop: ShopSettings
) -> Decision:
    """Explain how the buyer gets the receipt; special requests go to an agent."""
    if order is None and len(orders) == 1:
        order = orders[0]
    text = f"{mail.subject}\n{mail.new_text}"
    data = {"order": order}
    document = None
    if _QUOTATION.search(text):
        document = "見積書"
    elif _DELIVERY_NOTE.search(text):
        document = "納品書"
    if document:
        return Handoff(
            f"asks for a {'quotation' if document == '見積書' else 'delivery note'}",
            draft_template="drafts/invoice_request.txt",
            data={**data, "document": document, "custom": []},
        )
    custom = custom_request(text)
    if custom:
        words = ", ".join(w for found in custom.values() for w in found)
        return Handoff(
            f"asks for a receipt with an addressee or note ({words}): an agent checks what can be issued",
            draft_template="drafts/invoice_request.txt",
            data={**data, "document": "領収書", "custom": list(custom)},
        )
    if shop.marketplace == "amazon_jp":
        return Reply(
            "invoice/amazon.txt", data, reason="Amazon: the buyer downloads it from order history"
        )
    if shop.invoice_policy:
        return Reply(
            "invoice/own_store.txt", data, reason="the seller's invoice policy (from settings)"
        )
    if shop.marketplace == "rakuten":
        return Reply(
            "invoice/rakuten.txt",
            data,
            reason="Rakuten: the buyer issues it from purchase history",
        )
    return Handoff(
        "own store without an invoice policy in the settings: an agent answers",
        draft_template="drafts/invoice_request.txt",
        data={**data, "document": "領収書", "custom": []},
    )
