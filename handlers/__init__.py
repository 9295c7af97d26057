"""Intent handlers: one module per intent family, each with its own ``Router``.

Handlers are plain async functions that read like the business rule they implement: look at
the order, choose a template, return a decision. They never open sockets or transactions.
"""

from bot.router import Router


def build_router() -> Router:
    """The desk's router: every handler module's router, composed."""
    from handlers import everything_else, invoice, shipping, thanks

    root = Router("desk")
    for module in (shipping, invoice, thanks, everything_else):
        root.include_router(module.router)
    return root
