"""``payment`` and ``other``, and whatever no other router claims: an agent answers."""

from __future__ import annotations

from bot.nlp import Understanding
from bot.orders import Order
from bot.router import Decision, Handoff, Router

router = Router("agents")


@router.intent("payment")
async def payment(order: Order | None, orders: tuple[Order, ...]) -> Decision:
    """Payment method, status, double charges: the marketplace holds the payment facts."""
    if order is None and len(orders) == 1:
        order = orders[0]
    return Handoff(
        "payment question: an agent checks the payment",
        draft_template="drafts/payment.txt",
        data={"order": order},
    )


@router.intent("other")
async def other() -> Decision:
    """Sales pitches, phishing, press, tests: a person decides; no draft is suggested."""
    return Handoff("not a buyer request the desk knows: an agent decides")


@router.fallback
async def hand_to_agent(nlu: Understanding) -> Decision:
    """An intent no router claims goes to an agent."""
    return Handoff(f"{nlu.intent}: no handler, an agent answers")
