"""Pinned ``madoguchi classify`` outputs: speed work must not move a single byte of them.

When a change is meant to change outputs (a retrained model, a new cue or rule), regenerate
the fixture and commit it with the change: ``PYTHONPATH=. python -m tests.nlp.classify_fixture``.
"""

from __future__ import annotations

import json
from typing import Any

from bot.nlp.batch import classify_records
from tests.nlp.classify_fixture import FIXTURE


def _pinned() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def test_the_fixture_covers_entities_and_variants() -> None:
    pinned = _pinned()
    assert len(pinned) >= 90
    assert any(p["output"]["order_ids"] for p in pinned)
    assert any(p["output"]["tracking_numbers"] for p in pinned)
    assert {str(p["input"]["id"])[:3] for p in pinned} >= {"fw-", "kt-"}


def test_classify_outputs_match_the_pinned_ones_exactly() -> None:
    pinned = _pinned()
    outputs = classify_records([p["input"] for p in pinned])
    moved = [
        (p["input"]["id"], p["output"], out)
        for p, out in zip(pinned, outputs, strict=True)
        if json.dumps(out, ensure_ascii=False) != json.dumps(p["output"], ensure_ascii=False)
    ]
    assert not moved, (
        f"{len(moved)} outputs moved, first: {moved[0]}; if intended, regenerate with "
        "PYTHONPATH=. python -m tests.nlp.classify_fixture"
    )
