"""``madoguchi classify --jsonl``: one contract line out per record in, in order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bot.mail.quotes import new_text
from bot.nlp.understanding import understand


def classify_records(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Classify each record's ``subject`` and the new text of its ``body``."""
    for record in records:
        item_id = record.get("id") if isinstance(record, dict) else None
        try:
            subject = str(record.get("subject") or "")
            body = str(record.get("body") or "")
        except AttributeError:
            yield {
                "id": item_id,
                "intent": "other",
                "confidence": 0.0,
                "angry": False,
                "action": "handoff",
                "order_ids": [],
                "tracking_numbers": [],
                "evidence": ["invalid input: not an object"],
            }
            continue
        yield understand(subject, new_text(body)).to_contract(item_id)
