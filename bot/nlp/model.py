"""The trained linear models (intent and anger) and how they score a set of features.

The weights live in ``bot/nlp/model/intent_model.json``, written by ``python -m
bot.nlp.train``. Scoring is a sparse dot product in pure Python: a mail has a hundred or so
features, so numpy would cost more to import than it saves.
"""

from __future__ import annotations

import json
import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

MODEL_PATH: Final = Path(__file__).parent / "model" / "intent_model.json"


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds, chosen on cross-validation folds of the training set."""

    auto: float = 0.9
    none: float = 0.95
    angry: float = 0.5
    other_intent: float = 0.35


@dataclass(frozen=True)
class IntentModel:
    """Multinomial logistic regression over intents plus a binary one for anger."""

    intents: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    angry_bias: float
    angry_weights: dict[str, float]
    temperature: float = 1.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    options: dict[str, Any] = field(default_factory=dict)
    # Each feature's mean weight over the intents, for evidence (filled in __post_init__).
    means: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.means:
            self.means.update({n: sum(row) / len(row) for n, row in self.weights.items()})

    def logits(self, names: AbstractSet[str]) -> list[float]:
        """Raw per-intent scores of a feature set."""
        weights = self.weights
        # The set intersection runs in C; only the mail's known features are looked up.
        rows = [weights[n] for n in names & weights.keys()]
        # zip(*rows) transposes in C: one sum per intent instead of a Python loop per weight.
        return [sum(column) for column in zip(self.bias, *rows, strict=True)]

    def probabilities(self, names: AbstractSet[str]) -> list[float]:
        """Calibrated per-intent probabilities (temperature-scaled softmax)."""
        return softmax(self.logits(names), self.temperature)

    def angry_probability(self, names: AbstractSet[str]) -> float:
        """Probability that the mail is angry."""
        weights = self.angry_weights
        score = self.angry_bias + sum(map(weights.__getitem__, names & weights.keys()))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    def contributions(self, names: AbstractSet[str], intent: str) -> list[tuple[str, float]]:
        """Features that pushed towards ``intent`` more than the average intent, strongest first."""
        index = self.intents.index(intent)
        weights, means = self.weights, self.means
        found = [(n, weights[n][index] - means[n]) for n in names & weights.keys()]
        found = [pair for pair in found if pair[1] > 0]
        found.sort(key=lambda pair: -pair[1])
        return found

    def angry_contributions(self, names: AbstractSet[str]) -> list[tuple[str, float]]:
        """Features that pushed towards anger, strongest first."""
        weights = self.angry_weights
        found = [(n, weights[n]) for n in names & weights.keys() if weights[n] > 0]
        found.sort(key=lambda pair: -pair[1])
        return found


def softmax(scores: list[float], temperature: float = 1.0) -> list[float]:
    """Softmax of ``scores / temperature``."""
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def model_from_json(data: dict[str, Any]) -> IntentModel:
    """Build a model from its JSON form (see :func:`model_to_json`)."""
    return IntentModel(
        intents=tuple(data["intents"]),
        bias=tuple(data["bias"]),
        weights={k: tuple(v) for k, v in data["weights"].items()},
        angry_bias=float(data["angry_bias"]),
        angry_weights={k: float(v) for k, v in data["angry_weights"].items()},
        temperature=float(data.get("temperature", 1.0)),
        thresholds=Thresholds(**data.get("thresholds", {})),
        options=dict(data.get("options", {})),
    )


def model_to_json(model: IntentModel, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON form of a model; ``extra`` (training facts, CV figures) is stored beside it."""
    t = model.thresholds
    return {
        "intents": list(model.intents),
        "bias": [round(b, 4) for b in model.bias],
        "temperature": round(model.temperature, 4),
        "thresholds": {
            "auto": round(t.auto, 3), "none": round(t.none, 3), "angry": round(t.angry, 3),
            "other_intent": round(t.other_intent, 3),
        },
        "options": model.options,
        **(extra or {}),
        "angry_bias": round(model.angry_bias, 4),
        "angry_weights": {k: round(v, 3) for k, v in sorted(model.angry_weights.items())},
        "weights": {k: [round(w, 3) for w in v] for k, v in sorted(model.weights.items())},
    }  # fmt: skip


@cache
def load_model(path: Path = MODEL_PATH) -> IntentModel:
    """The committed model, read once per process (it is read-only data)."""
    return model_from_json(json.loads(path.read_text(encoding="utf-8")))
