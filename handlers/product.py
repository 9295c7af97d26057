"""``product_question``: answered from the seller's FAQ when exactly one entry fits; else an agent.

The seller opts in by configuring a FAQ file; the answer is the seller's own text, and the
reason recorded with the decision names the entry and the words that matched.
"""

from __future__ import annotations

from bot.config import ShopSettings
from bot.errors import ConfigError
from bot.faq import load_faq
from bot.mail.message import BuyerMail
from bot.nlp import Understanding
from bot.orders import Order
from bot.router import Decision, Handoff, Reply, Router

router = Router("product")


def _to_agent(reason: str, order: Order | None) -> Handoff:
    return Handoff(reason, draft_template="drafts/product_question.txt", data={"order": order})


@router.intent("product_question")
async def product_question(
    mail: BuyerMail,
    nlu: Understanding,
    order: Order | None,
    orders: tuple[Order, ...],
    shop: ShopSettings,
) -> Decision:
    """Answer from the FAQ on a single, explainable match; otherwise hand to an agent."""
    if order is None and len(orders) == 1:
        order = orders[0]
    if shop.faq_file is None:
        return _to_agent("product question and no FAQ configured: an agent answers", order)
    try:
        book = load_faq(shop.faq_file)
    except ConfigError as exc:
        return _to_agent(f"product question; the FAQ file cannot be used: {exc}", order)
    text = f"{mail.subject}\n{mail.new_text}"
    found = book.matches(text, order.items if order else None)
    if not found:
        return _to_agent("product question that no FAQ entry matches: an agent answers", order)
    if len(found) > 1:
        ids = ", ".join(m.entry.id for m in found)
        return _to_agent(f"product question matching several FAQ entries ({ids})", order)
    match = found[0]
    if nlu.language == "en" and not match.entry.answer_en:
        return _to_agent(f"FAQ {match.entry.id} has no English answer", order)
    return Reply(
        "faq/answer.txt",
        {"order": order, "faq": match.entry},
        reason=f"FAQ {match.entry.id}: matched {', '.join(match.found)}",
    )
