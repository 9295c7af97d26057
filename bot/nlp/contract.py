"""The ``madoguchi classify`` output line (the design doc's fixed contract), in one place.

A module of its own so that the compiled build covers it: every classified mail ends here
(:func:`bot.nlp.classify.classify_line`), and :meth:`bot.nlp.understanding.Understanding.to_contract`
builds the same line from a full result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.nlp.understanding import TrackingNumber


def contract_line(
    item_id: Any,
    intent: str,
    confidence: float,
    angry: bool,
    action: str,
    order_ids: list[str],
    tracking_numbers: list[TrackingNumber],
    evidence: list[str],
) -> dict[str, Any]:
    """The ``madoguchi classify`` output line for these values (design doc's fixed contract)."""
    return {
        "id": item_id,
        "intent": intent,
        "confidence": round(confidence, 4),
        "angry": angry,
        "action": action,
        "order_ids": list(order_ids),
        "tracking_numbers": [{"carrier": t.carrier, "number": t.number} for t in tracking_numbers],
        "evidence": list(evidence),
    }
