"""``change_order``, ``cancel`` and ``return_refund``: an agent acts in the seller's account.

The order's state decides what the draft offers: before shipping the order can still be
changed or cancelled; once shipped the buyer can refuse the delivery (受取拒否) or return it
under the seller's return policy.
"""

from __future__ import annotations

from bot.config import ShopSettings
from bot.orders import Order
from bot.router import Decision, Handoff, Router
from handlers.order_facts import is_delivered, parcels

router = Router("order_changes")


def stage(order: Order | None) -> str:
    """Where the order is: ``unknown``, ``unshipped``, ``in_transit``, ``delivered``, ``cancelled``."""
    if order is None:
        return "unknown"
    if order.status == "cancelled":
        return "cancelled"
    if is_delivered(order):
        return "delivered"
    if order.status == "shipped":
        return "in_transit"
    return "unshipped"


def _handoff(
    what: str, template: str, order: Order | None, orders: tuple[Order, ...], shop: ShopSettings
) -> Decision:
    if order is None and len(orders) == 1:
        order = orders[0]
    where = stage(order)
    return Handoff(
        f"{what}; the order is {where.replace('_', ' ')}: an agent acts in the seller's account",
        draft_template=template,
        data={
            "order": order,
            "stage": where,
            "parcels": parcels(order, shop) if order else [],
        },
    )


@router.intent("change_order")
async def change_order(
    order: Order | None, orders: tuple[Order, ...], shop: ShopSettings
) -> Decision:
    """Address, date, quantity, colour or size changes: possible only before shipping."""
    return _handoff("change request", "drafts/change_order.txt", order, orders, shop)


@router.intent("cancel")
async def cancel(order: Order | None, orders: tuple[Order, ...], shop: ShopSettings) -> Decision:
    """Cancel before shipping; after shipping, refuse the delivery or return it."""
    return _handoff("cancellation request", "drafts/cancel.txt", order, orders, shop)


@router.intent("return_refund")
async def return_refund(
    order: Order | None, orders: tuple[Order, ...], shop: ShopSettings
) -> Decision:
    """Returns, exchanges and refunds for reasons other than a defect, per the return policy."""
    return _handoff("return or refund request", "drafts/return_refund.txt", order, orders, shop)
