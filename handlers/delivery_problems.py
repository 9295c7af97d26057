"""``not_received`` and ``defective``: the parcel is missing or arrived wrong. Agents answer.

Both are where A-to-z claims and bad feedback start, so the bot never answers them alone; it
gives the agent the order's facts and a draft that already asks the right questions.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import ShopSettings
from bot.orders import Order
from bot.router import Decision, Handoff, Router
from handlers.order_facts import days_late, is_delivered, parcels

router = Router("delivery_problems")


def not_received_handoff(
    order: Order | None, shop: ShopSettings, now: datetime, *, asked_as: str = "not_received"
) -> Handoff:
    """Hand a "where is my parcel" to an agent with the carrier-investigation draft.

    A parcel the carrier shows as delivered, or one past its promised date, is a claim risk.
    """
    late = days_late(order, now, shop) if order else 0
    delivered = order is not None and is_delivered(order)
    if order is None:
        state = "no order found"
    elif delivered:
        state = "the carrier shows it delivered"
    elif order.status == "unshipped":
        state = "not shipped yet"
    elif order.status == "cancelled":
        state = "the order is cancelled"
    else:
        state = "still in transit"
    if late and not delivered:
        state += f", {late} day(s) past the promised date"
    claim_risk = delivered or late > 0
    reason = f"{asked_as}: {state}" + (" (claim risk)" if claim_risk else "")
    return Handoff(
        reason,
        draft_template="drafts/not_received.txt",
        data={
            "order": order,
            "parcels": parcels(order, shop) if order else [],
            "delivered": delivered,
            "late": late > 0,
            "apology": claim_risk,
            "claim_risk": claim_risk,
        },
    )


@router.intent("not_received")
async def not_received(
    order: Order | None, orders: tuple[Order, ...], shop: ShopSettings, now: datetime
) -> Decision:
    """Missing, lost, delivered elsewhere, empty box: an agent asks the carrier to investigate."""
    if order is None and len(orders) == 1:
        order = orders[0]
    return not_received_handoff(order, shop, now)


@router.intent("defective")
async def defective(order: Order | None, orders: tuple[Order, ...]) -> Decision:
    """Damaged, broken, wrong item: apologise and ask for photos; an agent decides the remedy."""
    if order is None and len(orders) == 1:
        order = orders[0]
    return Handoff(
        "defective, damaged or wrong item: an agent decides on exchange or refund",
        draft_template="drafts/defective.txt",
        data={"order": order, "apology": True},
    )
