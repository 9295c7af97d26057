"""Every intent the bot does not answer by itself goes to an agent with a draft."""

from bot.nlp import Understanding
from bot.orders import Order
from bot.router import Decision, Handoff, Router

router = Router("agents")


@router.fallback
async def hand_to_agent(nlu: Understanding, order: Order | None) -> Decision:
    """Hand the ticket to an agent with a suggested draft."""
    return Handoff(
        f"{nlu.intent}: an agent answers",
        draft_template="drafts/generic.txt",
        data={"order": order},
    )
