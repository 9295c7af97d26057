"""``thanks``: nothing to answer (Amazon forbids thank-you-only messages)."""

from bot.router import Decision, NoReply, Router

router = Router("thanks")


@router.intent("thanks")
async def thanks() -> Decision:
    """Close the ticket as "no response needed"."""
    return NoReply("thanks or acknowledgement only: no response needed")
