"""``shipping_status``: has it shipped, when does it arrive, where is it."""

from bot import carriers
from bot.config import ShopSettings
from bot.orders import Order
from bot.router import Decision, Handoff, Reply, Router

router = Router("shipping")


@router.intent("shipping_status")
async def shipping_status(order: Order | None, shop: ShopSettings) -> Decision:
    """Tell the buyer where the parcel is, from the seller's own order data."""
    if order is None:
        return Reply("shipping/ask_order_number.txt", reason="no order found: ask for the number")
    if order.status == "cancelled":
        return Handoff(
            "the order is cancelled", draft_template="drafts/generic.txt", data={"order": order}
        )
    shipment = order.shipment
    if order.status == "unshipped" or shipment is None:
        return Reply("shipping/not_shipped.txt", {"order": order}, reason="not shipped yet")
    if order.status == "delivered":
        return Handoff(
            "the carrier shows the parcel delivered but the buyer asks where it is",
            draft_template="drafts/generic.txt",
            data={"order": order},
        )
    if carriers.check_digit_ok(shipment.carrier, shipment.tracking_number) is False:
        return Handoff("the tracking number on file is invalid", data={"order": order})
    return Reply(
        "shipping/shipped.txt",
        {
            "order": order,
            "shipment": shipment,
            "carrier_ja": carriers.carrier_name(shipment.carrier, "ja", dict(shop.carrier_names)),
            "url": carriers.tracking_url(
                shipment.carrier, shipment.tracking_number, dict(shop.carrier_tracking_urls)
            ),
        },
        reason="shipped: tracking number and link",
    )
