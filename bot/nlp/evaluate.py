"""``madoguchi eval FILE.jsonl``: how well the classifier does on a labelled file.

The file has the ``madoguchi classify`` input format plus ``intent`` and optionally ``also``
(other acceptable intents) and ``angry``. Figures:

- per-intent precision, recall and F1 against ``intent``, and their macro average;
- accuracy: the predicted intent is ``intent`` or one of ``also``;
- precision of ``action = auto``: right intent (as for accuracy) and the mail is not angry;
- share of ``shipping_status`` + ``invoice`` mails (by ``intent``) that were given ``auto``;
- precision of ``action = none``: the mail is labelled ``thanks`` and not angry;
- recall (and precision) of ``angry``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.intents import AUTO_INTENTS, INTENTS
from bot.nlp.batch import classify_records


@dataclass(frozen=True)
class IntentScore:
    """Precision, recall and F1 of one intent, with its number of gold mails."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True)
class EvalReport:
    """Every figure ``madoguchi eval`` prints."""

    total: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, IntentScore]
    auto_count: int
    auto_precision: float | None
    auto_share: float | None
    none_count: int
    none_precision: float | None
    angry_support: int
    angry_recall: float | None
    angry_precision: float | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON-able data (errors list only ids and labels, no text)."""
        data = asdict(self)
        data["per_intent"] = {k: asdict(v) for k, v in self.per_intent.items()}
        return data


def _ratio(good: int, total: int) -> float | None:
    return good / total if total else None


def score(gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> EvalReport:
    """Compare gold records (``intent``, ``also``, ``angry``) with classify output lines."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold records but {len(predicted)} predictions")
    per_intent: dict[str, IntentScore] = {}
    labels = [i for i in INTENTS if any(g["intent"] == i for g in gold) or any(
        p["intent"] == i for p in predicted)]  # fmt: skip
    for intent in labels:
        tp = sum(
            1 for g, p in zip(gold, predicted, strict=True) if g["intent"] == p["intent"] == intent
        )
        support = sum(1 for g in gold if g["intent"] == intent)
        guessed = sum(1 for p in predicted if p["intent"] == intent)
        precision = tp / guessed if guessed else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = IntentScore(precision, recall, f1, support, guessed)
    right = [
        p["intent"] == g["intent"] or p["intent"] in (g.get("also") or [])
        for g, p in zip(gold, predicted, strict=True)
    ]
    angry_gold = [bool(g.get("angry")) for g in gold]
    autos = [i for i, p in enumerate(predicted) if p["action"] == "auto"]
    nones = [i for i, p in enumerate(predicted) if p["action"] == "none"]
    answerable = [i for i, g in enumerate(gold) if g["intent"] in AUTO_INTENTS]
    angry_idx = [i for i, a in enumerate(angry_gold) if a]
    angry_pred = [i for i, p in enumerate(predicted) if p.get("angry")]
    errors = [
        {"id": g.get("id"), "intent": g["intent"], "predicted": p["intent"], "action": p["action"]}
        for g, p, ok in zip(gold, predicted, right, strict=True)
        if not ok
    ]
    return EvalReport(
        total=len(gold),
        accuracy=sum(right) / len(gold) if gold else 0.0,
        macro_f1=sum(s.f1 for s in per_intent.values()) / len(per_intent) if per_intent else 0.0,
        per_intent=per_intent,
        auto_count=len(autos),
        auto_precision=_ratio(sum(1 for i in autos if right[i] and not angry_gold[i]), len(autos)),
        auto_share=_ratio(
            sum(1 for i in answerable if predicted[i]["action"] == "auto"), len(answerable)
        ),
        none_count=len(nones),
        none_precision=_ratio(
            sum(1 for i in nones if gold[i]["intent"] == "thanks" and not angry_gold[i]), len(nones)
        ),
        angry_support=len(angry_idx),
        angry_recall=_ratio(sum(1 for i in angry_idx if predicted[i].get("angry")), len(angry_idx)),
        angry_precision=_ratio(sum(1 for i in angry_pred if angry_gold[i]), len(angry_pred)),
        errors=errors,
    )


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """The records of a labelled JSONL file (blank lines skipped)."""
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record, dict) or record.get("intent") not in INTENTS:
                raise ValueError(f"{path}:{number}: a record needs an 'intent' from {INTENTS}")
            records.append(record)
    return records


def evaluate_records(records: Iterable[dict[str, Any]]) -> EvalReport:
    """Classify labelled records and score the result."""
    gold = list(records)
    return score(gold, list(classify_records(gold)))


def evaluate_file(path: Path) -> EvalReport:
    """Classify every record of a labelled JSONL file and score the result."""
    return evaluate_records(read_labelled(path))


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def format_report(report: EvalReport) -> str:
    """A readable table of the report."""
    lines = [f"{'intent':<18}{'prec':>7}{'recall':>7}{'f1':>7}{'gold':>6}{'pred':>6}"]
    for intent, s in report.per_intent.items():
        lines.append(
            f"{intent:<18}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.support:6d}{s.predicted:6d}"
        )
    lines += [
        "",
        f"mails                         {report.total:6d}",
        f"accuracy (intent or also)     {_fmt(report.accuracy)}",
        f"macro-F1                      {_fmt(report.macro_f1)}",
        f"auto: precision               {_fmt(report.auto_precision)}  ({report.auto_count} mails)",
        f"auto: share of shipping+invoice {_fmt(report.auto_share)}",
        f"none: precision               {_fmt(report.none_precision)}  ({report.none_count} mails)",
        f"angry: recall                 {_fmt(report.angry_recall)}  ({report.angry_support} angry)",
        f"angry: precision              {_fmt(report.angry_precision)}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    result = evaluate_file(Path(sys.argv[1]))
    print(format_report(result))
