"""The trained linear models (intent and anger) and how they score a set of features.

The weights live in ``bot/nlp/model/intent_model.json``, written by ``python -m
bot.nlp.train``. Scoring is a sparse dot product in pure Python: a mail has a hundred or so
features, so numpy would cost more to import than it saves.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

# Found from the package, not from this file: the compiled build of this module lives elsewhere.
MODEL_PATH: Final = Path(str(resources.files("bot.nlp"))) / "model" / "intent_model.json"


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds, chosen on cross-validation folds of the training set."""

    auto: float = 0.9
    none: float = 0.95
    angry: float = 0.5
    other_intent: float = 0.35


class Feature:
    """One feature of the model as a mail's scoring reads it: one look-up per feature of the
    mail finds its row (``IntentModel.rows``), that row packed (see :class:`ExactSums`) and
    its place in each column's ranking (see :meth:`IntentModel.contributions`).
    """

    __slots__ = ("name", "packed", "places", "row")

    def __init__(self, name: str, row: tuple[float, ...], packed: int) -> None:
        self.name = name
        self.row = row
        self.packed = packed
        # Per column, three bytes (big-endian): one more than the feature's place among the
        # features with a positive weight there, strongest first; zero where its weight is
        # not positive (set by IntentModel.__post_init__). One bytes object rather than a
        # list of integers: evidence reads a few dozen features' places per mail, and from
        # compiled code a byte is read in place, where a list's item is one more object to
        # fetch from memory.
        self.places = b""


class Scores:
    """One mail scored by both models, with what is needed to explain the scores.

    A plain class rather than a dataclass: one is made per mail, and a compiled class is
    built several times faster than a dataclass (whose generated ``__init__`` is not
    compiled). Treat it as read-only.
    """

    __slots__ = ("angry", "features", "probabilities")

    def __init__(self, probabilities: list[float], angry: float, features: list[Feature]) -> None:
        self.probabilities = probabilities
        self.angry = angry
        # The mail's features that the models know.
        self.features = features

    @property
    def known(self) -> list[str]:
        """The names of the mail's features that the models know."""
        return [feature.name for feature in self.features]

    @property
    def rows(self) -> list[tuple[float, ...]]:
        """For each of ``known``, its row of ``IntentModel.rows``."""
        return [feature.row for feature in self.features]

    def __repr__(self) -> str:
        return f"Scores(probabilities={self.probabilities!r}, angry={self.angry!r})"


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
    # Per feature: its intent weights minus their mean, then its anger weight (filled in
    # __post_init__; ``dataclasses.replace`` passes it on, so replace only the thresholds or
    # the temperature). Centring changes no probability (softmax ignores a shift shared by
    # all intents) and makes each weight the feature's push towards that intent over the others.
    rows: dict[str, tuple[float, ...]] = field(default_factory=dict, compare=False, repr=False)
    # The same rows packed for exact column sums (see :class:`ExactSums`); passed on by
    # ``dataclasses.replace`` like ``rows``.
    sums: ExactSums | None = field(default=None, compare=False, repr=False)
    # Each feature's packed row and places (see :class:`Feature`), by name; filled in
    # __post_init__ and passed on like ``rows``.
    features: dict[str, Feature] = field(default_factory=dict, compare=False, repr=False)
    # The names of ``features``, as a set (see :meth:`score`); filled in __post_init__.
    names: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # Per column (the places in ``features`` with it): the features with a positive weight
    # there, strongest first (see :func:`_strongest`); filled in __post_init__.
    ranks: dict[int, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.rows:
            empty = (0.0,) * len(self.intents)
            for name in self.weights.keys() | self.angry_weights.keys():
                row = self.weights.get(name, empty)
                mean = sum(row) / len(row)
                self.rows[name] = (*(w - mean for w in row), self.angry_weights.get(name, 0.0))
        if self.sums is None:
            object.__setattr__(self, "sums", ExactSums.pack(self.rows, len(self.intents) + 1))
        if not self.features:
            packed = self.sums.packed if self.sums is not None else {}
            for name, row in self.rows.items():
                # Interned, as the mail's names are (bot.nlp.tokens, bot.nlp.features): the
                # look-up of a known name then finds the same object, with no characters to
                # compare.
                self.features[sys.intern(name)] = Feature(name, row, packed.get(name, 0))
        if not self.names:
            object.__setattr__(self, "names", frozenset(self.features))
        if not self.ranks:
            self._rank()

    def _rank(self) -> None:
        """Each column's features by weight, and each feature's places (about 30 ms)."""
        columns = len(self.intents) + 1
        places = {name: bytearray(3 * columns) for name in self.rows}
        for column in range(columns):
            # (weight, name) pairs, largest first: equal weights fall back on the name.
            order = sorted(
                [(row[column], name) for name, row in self.rows.items() if row[column] > 0.0],
                reverse=True,
            )
            if len(order) >= 1 << 24:
                raise ValueError("a model column has more positive weights than places hold")
            self.ranks[column] = [name for _, name in order]
            at = 3 * column
            for place, (_, name) in enumerate(order, 1):
                found = places[name]
                found[at] = place >> 16
                found[at + 1] = (place >> 8) & 255
                found[at + 2] = place & 255
        for name, feature in self.features.items():
            feature.places = bytes(places[name])

    def score(self, names: AbstractSet[str]) -> Scores:
        """Both models' verdicts on a feature set."""
        table = self.features
        known = []
        # Packed rows add up exactly (see ExactSums), so the total does not depend on the
        # set's (hash-seeded) order: the same mail gets the same confidence in every process.
        packed = 0
        # Most of a mail's names are not the model's: one intersection, in C and by the
        # names' stored hashes, drops them before the table is asked for the rest.
        for name in names & self.names:
            feature = table[name]
            known.append(feature)
            packed += feature.packed
        sums = self.sums
        if not known:
            totals = [0.0] * (len(self.intents) + 1)
        elif sums is not None:
            totals = sums.unpack(packed, len(known))
        else:
            # zip(*rows) transposes in C: one sum per column instead of a loop per weight.
            rows = [feature.row for feature in known]
            totals = list(map(math.fsum, zip(*rows, strict=True)))
        angry = totals.pop()
        logits = [b + t for b, t in zip(self.bias, totals, strict=True)]
        return Scores(
            softmax(logits, self.temperature),
            _sigmoid(self.angry_bias + angry),
            known,
        )

    def logits(self, names: AbstractSet[str]) -> list[float]:
        """Per-intent scores of a feature set (up to a shift shared by all intents)."""
        rows = [self.rows[n] for n in names & self.rows.keys()]
        totals = (
            [math.fsum(column) for column in zip(*rows, strict=True)][:-1]
            if rows
            else [0.0] * len(self.bias)
        )
        return [b + t for b, t in zip(self.bias, totals, strict=True)]

    def probabilities(self, names: AbstractSet[str]) -> list[float]:
        """Calibrated per-intent probabilities (temperature-scaled softmax)."""
        return self.score(names).probabilities

    def angry_probability(self, names: AbstractSet[str]) -> float:
        """Probability that the mail is angry."""
        return self.score(names).angry

    def contributions(self, scores: Scores, intent: str, top: int) -> list[str]:
        """Up to ``top`` features that pushed towards ``intent`` more than the average intent."""
        column = self.intents.index(intent)
        return _strongest(scores, column, self.ranks[column], top)

    def angry_contributions(self, scores: Scores, top: int) -> list[str]:
        """Up to ``top`` features that pushed towards anger, strongest first."""
        column = len(self.intents)
        return _strongest(scores, column, self.ranks[column], top)


# Weights are summed to the nearest 2**-40 (about 1e-12): far below any figure the classifier
# prints or compares, and narrow enough that a packed row (below) stays a few hundred bits.
_SUM_SCALE: Final = 40


class ExactSums:
    """Column sums of model rows, exact, as one integer addition per row.

    Each weight, scaled by ``2**scale`` and rounded, is an integer; a row is packed into one
    integer holding its columns side by side, each raised by ``bias`` so that none is
    negative, in fields wide enough for the sum of every row. Adding a mail's rows adds all
    columns at once, exactly; each column's sum then converts to the nearest float. The
    result is the same whatever order the mail's features come in (unlike a float sum), at
    about half the cost of :func:`math.fsum`.
    """

    def __init__(self, packed: dict[str, int], columns: int, scale: int, bias: int, width: int):
        self.packed = packed
        self.columns = columns
        self.scale = scale
        self.bias = bias
        self.width = width
        self.mask = (1 << width) - 1
        # The packed sum as bytes and back as one 64-bit integer per column, when the fields
        # are 64 bits wide.
        self.fields = struct.Struct(f"<{columns}Q") if width == 64 else None
        # 2**-scale: multiplying by it is exact (every sum is an integer of at least one
        # unit, so no product falls below the normal range) and cheaper than math.ldexp.
        self.factor = math.ldexp(1.0, -scale)

    @classmethod
    def pack(cls, rows: dict[str, tuple[float, ...]], columns: int) -> ExactSums | None:
        """The packed rows, or None when some weight is not finite."""
        if not all(math.isfinite(w) for row in rows.values() for w in row):
            return None
        scale = _SUM_SCALE
        scaled = {name: [round(math.ldexp(w, scale)) for w in row] for name, row in rows.items()}
        largest = max((abs(v) for row in scaled.values() for v in row), default=0)
        bias = 1 << largest.bit_length()
        # A mail's known features are distinct rows: at most all of them add up.
        width = (2 * bias * max(1, len(rows))).bit_length() + 1
        # Whole 64-bit fields where they suffice: the sum then splits into its columns in one
        # call (see unpack), each column a machine-sized integer.
        width = 64 if width <= 64 else width
        packed = {}
        for name, row in scaled.items():
            value = 0
            for column, v in enumerate(row):
                value |= (v + bias) << (width * column)
            packed[name] = value
        return cls(packed, columns, scale, bias, width)

    def totals(self, known: list[str]) -> list[float]:
        """The exact sum of each column over the rows of ``known`` (distinct names)."""
        return self.unpack(sum(map(self.packed.__getitem__, known)), len(known))

    def unpack(self, total: int, count: int) -> list[float]:
        """Each column's sum from the sum of ``count`` packed rows."""
        offset = count * self.bias
        factor = self.factor
        fields = self.fields
        found = []
        if fields is not None:
            columns: tuple[int, ...] = fields.unpack(total.to_bytes(fields.size, "little"))
            for column in columns:
                # float() rounds the exact integer once; the power-of-two factor adds no
                # rounding.
                found.append(float(column - offset) * factor)
            return found
        width, mask = self.width, self.mask
        for _ in range(self.columns):
            found.append(float((total & mask) - offset) * factor)
            total >>= width
        return found


def _strongest(scores: Scores, column: int, by_place: list[str], top: int) -> list[str]:
    # Only positive weights are named. The mail's features in the column's order over the
    # whole model (by weight, then name, largest first) are in their own (weight, name)
    # order, which does not depend on the set's iteration order. Their places are sorted
    # (plain integers: no key function to call per item) and read back as names.
    at = 3 * column
    places = []
    for feature in scores.features:
        found = feature.places
        place = (found[at] << 16) | (found[at + 1] << 8) | found[at + 2]
        if place:
            places.append(place)
    places.sort()
    return [by_place[place - 1] for place in places[:top]]


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))


def softmax(scores: list[float], temperature: float = 1.0) -> list[float]:
    """Softmax of ``scores / temperature``."""
    # max() and sum() written out: compiled, the loops work on plain floats. The total adds
    # from 0.0 left to right, as sum() does (Python 3.11).
    top = scores[0]
    for s in scores:
        if s > top:
            top = s
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = 0.0
    for e in exps:
        total += e
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
        # Two decimals: a mail's hundred features then move a score by ~0.05 at most, and
        # no decision on the training mails changes; the file is a seventh smaller.
        "angry_weights": {k: round(v, 2) for k, v in sorted(model.angry_weights.items())},
        # A weight that rounds to zero is written "0", not "-0.0": a tenth of the file.
        "weights": {k: [round(w, 2) or 0 for w in v] for k, v in sorted(model.weights.items())},
    }  # fmt: skip


@cache
def load_model(path: Path = MODEL_PATH) -> IntentModel:
    """The committed model, read once per process (it is read-only data)."""
    return model_from_json(json.loads(path.read_text(encoding="utf-8")))
