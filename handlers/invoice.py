"""``invoice``: receipts, invoices and qualified invoices."""

from bot.config import ShopSettings
from bot.orders import Order
from bot.router import Decision, Handoff, Reply, Router

router = Router("invoice")


@router.intent("invoice")
async def invoice(order: Order | None, shop: ShopSettings) -> Decision:
    """On Amazon the buyer downloads the receipt from the order history; else an agent helps."""
    if shop.marketplace == "amazon_jp":
        return Reply(
            "invoice/amazon.txt", {"order": order}, reason="Amazon: download from order history"
        )
    return Handoff("invoice request on the shop's own store", draft_template="drafts/generic.txt")
