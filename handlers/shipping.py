"""``shipping_status``: has it shipped, when does it arrive, where is it.

Find the order (the one the mail names, else the buyer's only order, else ask for the number),
then answer from its state: not shipped yet, shipped in Japan, or on its way from abroad.
A parcel the carrier shows as delivered, a tracking number that fails its check digit and a
carrier nobody can look up go to an agent.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import ShopSettings
from bot.nlp import Understanding
from bot.orders import Order
from bot.router import Decision, Handoff, Reply, Router
from handlers.delivery_problems import not_received_handoff
from handlers.order_facts import IN_FLIGHT, days_late, is_delivered, parcels

router = Router("shipping")


@router.intent("shipping_status")
async def shipping_status(
    order: Order | None,
    orders: tuple[Order, ...],
    nlu: Understanding,
    shop: ShopSettings,
    now: datetime,
) -> Decision:
    """Tell the buyer where the parcel is, from the seller's own order data."""
    if order is not None:
        return about_order(order, shop, now)
    if nlu.order_ids:
        return Handoff(
            f"the buyer names order {', '.join(nlu.order_ids)}, which is not in the seller's data",
            draft_template="drafts/order_unknown.txt",
            data={"named": list(nlu.order_ids)},
        )
    if len(orders) == 1:
        return about_order(orders[0], shop, now)
    in_flight = [o for o in orders if o.status in IN_FLIGHT]
    if len(in_flight) == 1:
        # The buyer's other orders arrived or were cancelled: the question is about this one.
        return about_order(in_flight[0], shop, now, note="the buyer's only order in flight")
    if orders:
        return Reply(
            "shipping/choose_order.txt",
            {"orders": list(orders)},
            reason=f"{len(orders)} orders of this buyer and none named: ask which one",
        )
    return Reply(
        "shipping/ask_order_number.txt",
        reason="no order found for this mail or sender: ask for the order number",
    )


def about_order(order: Order, shop: ShopSettings, now: datetime, *, note: str = "") -> Decision:
    """The answer for one known order, chosen by its state."""
    suffix = f" ({note})" if note else ""
    late = days_late(order, now, shop)
    if order.status == "cancelled":
        return Handoff(
            "the order is cancelled: an agent explains" + suffix,
            draft_template="drafts/order_cancelled.txt",
            data={"order": order},
        )
    if is_delivered(order):
        return not_received_handoff(order, shop, now, asked_as="asks where a delivered parcel is")
    if order.status == "unshipped":
        reason = "not shipped yet" + (f", {late} day(s) past the promised date" if late else "")
        return Reply(
            "shipping/not_shipped.txt",
            {"order": order, "late": late > 0, "apology": late > 0},
            reason=reason + suffix,
        )
    found = parcels(order, shop)
    if not found:
        return Handoff(
            "shipped, but no tracking number on file" + suffix,
            draft_template="drafts/tracking_problem.txt",
            data={"order": order, "parcels": [], "apology": True},
        )
    invalid = [p.number for p in found if p.number_ok is False]
    unknown = [p.number for p in found if not p.traceable]
    if invalid or unknown:
        problem = (
            f"tracking number {', '.join(invalid)} fails the carrier's check"
            if invalid
            else f"no known carrier or tracking page for {', '.join(unknown)}"
        )
        return Handoff(
            problem + suffix,
            draft_template="drafts/tracking_problem.txt",
            data={"order": order, "parcels": found, "apology": True},
        )
    data = {"order": order, "parcels": found, "late": late > 0, "apology": late > 0}
    lateness = f", {late} day(s) past the promised date" if late else ""
    if any(p.international for p in found):
        return Reply(
            "shipping/international.txt",
            {**data, "transit_days": shop.international_transit_days},
            reason="shipped from abroad: international leg, customs, local delivery"
            + lateness
            + suffix,
        )
    return Reply(
        "shipping/shipped.txt",
        data,
        reason="shipped: carrier, tracking number and link" + lateness + suffix,
    )
