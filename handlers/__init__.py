"""Intent handlers: one module per intent family, each with its own ``Router``.

Handlers are plain async functions that read like the business rule they implement: look at
the order, choose a template, return a decision. They never open sockets or transactions.
"""

from bot.router import Router


def build_router() -> Router:
    """The desk's router: every handler module's router, composed."""
    from handlers import (
        delivery_problems,
        everything_else,
        invoice,
        order_changes,
        product,
        shipping,
        thanks,
    )

    root = Router("desk")
    for module in (
        shipping,
        invoice,
        thanks,
        delivery_problems,
        order_changes,
        product,
        everything_else,
    ):
        root.include_router(module.router)
    return root
