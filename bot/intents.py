"""The fixed intent vocabulary (design doc, "Fixed contracts"). Outside tools depend on it."""

from typing import Final, Literal, get_args

Intent = Literal[
    "shipping_status",
    "not_received",
    "change_order",
    "cancel",
    "return_refund",
    "defective",
    "product_question",
    "invoice",
    "payment",
    "thanks",
    "other",
]

INTENTS: Final[tuple[str, ...]] = get_args(Intent)  # in the design doc's order

Action = Literal["auto", "handoff", "none"]
ACTIONS: Final[tuple[str, ...]] = get_args(Action)

# Intents the bot may answer by itself when it is confident and the buyer is not angry.
AUTO_INTENTS: Final[frozenset[str]] = frozenset({"shipping_status", "invoice"})
