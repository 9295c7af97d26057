"""The result of the understand stage and the entry point that produces it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from bot.errors import ModelError
from bot.nlp.contract import contract_line


@dataclass(frozen=True)
class TrackingNumber:
    """A tracking number found in text, with the carrier guessed from its form."""

    carrier: str
    number: str
    # True/False when the carrier's check-digit rule is known, None when it is not.
    check_digit_ok: bool | None = None


@dataclass(frozen=True)
class Understanding:
    """What a buyer wants, how sure we are, and the evidence for it.

    ``action`` is the decision the bot would take if the order data a handler needs were
    present (design doc, ``madoguchi classify``): ``auto`` only for intents the bot answers by
    itself, with enough confidence, not angry; ``none`` only for pure thanks.
    """

    intent: str
    confidence: float
    angry: bool
    action: str
    order_ids: list[str] = field(default_factory=list)
    tracking_numbers: list[TrackingNumber] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    # Further asks found in the same mail, most important first (the main one excluded).
    other_intents: list[str] = field(default_factory=list)
    # "ja", "en" or "other": which answer templates can be used.
    language: str = "ja"
    # Dates the buyer mentions, resolved against the mail's date.
    dates: list[date] = field(default_factory=list)
    # Threats of A-to-z claims, negative feedback, chargebacks or the consumer centre.
    claim_risk: bool = False

    def to_contract(self, item_id: Any) -> dict[str, Any]:
        """One ``madoguchi classify`` output line (design doc's fixed contract)."""
        return contract_line(
            item_id,
            self.intent,
            self.confidence,
            self.angry,
            self.action,
            self.order_ids,
            self.tracking_numbers,
            self.evidence,
        )


def understand(subject: str, text: str, *, mail_date: datetime | None = None) -> Understanding:
    """Classify a buyer's new text (quotes and signature already removed) and its subject."""
    return _classifier()(subject, text, mail_date=mail_date)


def warm_up() -> None:
    """Load what classifying needs (the model, the tagger and its dictionary, the cue table)
    now rather than at the first mail; a model that cannot be read fails here, by name."""
    from bot.nlp.model import MODEL_PATH, load_model

    try:
        load_model()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"the intent model {MODEL_PATH} cannot be read ({exc}); "
            "rebuild it with `python -m bot.nlp.train`"
        ) from exc
    understand("ご注文の件", "注文した商品はいつ届きますか？")


@cache
def _classifier() -> Callable[..., Understanding]:
    # Imported on first use (bot.nlp.classify imports this module); an import statement in
    # understand() itself would cost a few microseconds on every mail.
    from bot.nlp.classify import classify

    return classify
