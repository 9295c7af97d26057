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

# The tags of the labelled corpus (corpus/GUIDELINES.md), in the order its files list them;
# for analysis only (the corpus tools check and order them), no part of the classify contract.
CORPUS_TAGS: Final[tuple[str, ...]] = (
    "keigo",
    "casual",
    "english",
    "halfwidth",
    "typo",
    "multi",
    "quoted",
    "signature",
    "relay",
    "phone",
    "long",
    "question_in_thanks",
    "negation",
)

# Intents the bot may answer by itself when it is confident and the buyer is not angry.
AUTO_INTENTS: Final[frozenset[str]] = frozenset({"shipping_status", "invoice"})
