"""Regenerate ``tests/nlp/fixtures/classify_outputs.jsonl``, the pinned classify outputs.

    PYTHONPATH=. python -m tests.nlp.classify_fixture

The fixture holds ~100 input records sampled from the corpora (every ``_STRIDE``-th mail,
the mails whose output names an order ID or a tracking number, and a full-width and a
katakana-written copy of a few) together with what ``classify_records`` gives for each now.
``test_classify_fixture.py`` checks that the code still gives exactly that. Speed work must
keep the fixture passing untouched; a change that means to change outputs (a retrained
model, a new cue or rule) regenerates it with the command above and commits the diff, which
shows every output that moved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.nlp.batch import classify_records

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "classify_outputs.jsonl"
CORPORA = ("train", "train2", "train3", "dev")
_STRIDE = 45
_WITH_ENTITIES = 16
_VARIANTS = 6


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _corpus() -> list[dict[str, Any]]:
    records = []
    for name in CORPORA:
        path = REPO / "corpus" / f"{name}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                mail = json.loads(line)
                records.append({"id": mail["id"], "subject": mail.get("subject") or "",
                                "body": mail["body"]})  # fmt: skip
    return records


def sample() -> list[dict[str, Any]]:
    """The fixture's input records (deterministic for a given corpus)."""
    corpus = _corpus()
    chosen = corpus[::_STRIDE]
    seen = {r["id"] for r in chosen}
    entities = [
        record
        for record, out in zip(corpus, classify_records(corpus), strict=True)
        if (out["order_ids"] or out["tracking_numbers"]) and record["id"] not in seen
    ]
    chosen += entities[:: max(1, len(entities) // _WITH_ENTITIES)][:_WITH_ENTITIES]
    for record in corpus[7 :: len(corpus) // _VARIANTS][:_VARIANTS]:
        chosen.append({**record, "id": f"fw-{record['id']}", "body": _full_width(record["body"])})
        chosen.append({**record, "id": f"kt-{record['id']}", "body": _katakana(record["body"])})
    return chosen


def main() -> None:
    records = sample()
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    with FIXTURE.open("w", encoding="utf-8") as out:
        for record, output in zip(records, classify_records(records), strict=True):
            line = {"input": record, "output": output}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {FIXTURE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
