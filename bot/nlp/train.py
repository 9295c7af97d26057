"""Train the intent and anger models from the training corpora: ``python -m bot.nlp.train``.

The corpora are ``corpus/train.jsonl``, ``corpus/train2.jsonl`` … ``corpus/train15.jsonl``
(every ``corpus/trainN.jsonl``), written by fifteen writers who never read each other's mail
(the thirteenth to fifteenth files each by several people under one brief, none of whom read
another's part); the dev file is never read here. Everything is chosen on out-of-fold
predictions of the training files alone:

- writer folds: each writer's mail is predicted by a model fitted on the other writers' mail,
  the closest stand-in for mail from people the models never saw (the L2 strength is chosen
  by their accuracy and macro-F1, and the softmax temperature by their likelihood);
- the decision thresholds must meet the targets in the writer folds, in ordinary stratified
  folds and in style folds (a writing style left out) alike: anger recall in each of them,
  the precision of "auto" and "none" over their decisions together.

The anger model's regularisation is chosen apart, before the intent grid
(:func:`choose_anger`): of a few (L2, lexical factor) pairs, the one that flags the fewest
calm mails at the highest threshold that still finds nine angry mails in ten in every kind
of fold. On thirteen writers that was L2 3 with three times that on words (threshold 0.25,
4.2 % of calm mails flagged out of fold); with the fourteenth writer every candidate flagged
about 5 %, and the lightest, L2 0.3 at threshold 0.1, flagged fewest (4.99 %); with the
fifteenth (and order IDs blanked before tagging), L2 1 with three times that on words at
threshold 0.2 flags fewest (4.26 %, 4.20 % with the latest cues; L2 0.3 at 0.1 4.77 %).

Out of fold on the fifteen writers (writer folds, as this module prints them): accuracy
0.938, macro-F1 0.914, auto precision 0.991, auto share 0.622, none precision 1.000, angry
recall 0.963 (L2 0.1, temperature 1.35; thresholds: auto 0.57, none 0.90, anger 0.2; with the
cues of shipping-change requests and polite anger the style folds reach 0.99 together with the
others from 0.55; before those cues the style folds set the auto threshold at 0.86, where the
writer folds gave 0.993 and share 0.587, and at 0.72 the writer folds alone reached 0.990 with
share 0.613, the style folds 0.984; on fourteen writers: 0.940, 0.915, 0.991, 0.602,
1.000, 0.968 at auto 0.72 and anger 0.1; on thirteen
writers: 0.941, 0.916, 0.993, 0.621, 0.998, 0.958 at L2 0.3, auto 0.67 and anger 0.25; on
twelve: 0.946, 0.922, 0.992, 0.629, 0.998, 0.962 at auto 0.52 and anger 0.2).

``--lowo`` prints the strict leave-one-writer-out figures instead: for each writer, models and
thresholds chosen on the other writers alone (accuracy, macro-F1, auto precision with its
count, auto share, none precision, angry recall). Measured with ``--lowo --quick`` on the
first six writers (before writers 7–12 were added): train.jsonl 0.972, 0.964, 1.000
(151), 0.709, 1.000, 0.962; train2.jsonl 0.931, 0.909, 0.994 (174), 0.688, 0.977, 0.854;
train3.jsonl 0.954, 0.926, 0.995 (197), 0.722, 1.000, 0.960; train4.jsonl 0.943, 0.916, 1.000
(202), 0.622, 1.000, 0.940; train5.jsonl 0.942, 0.917, 1.000 (194), 0.653, 1.000, 0.994;
train6.jsonl 0.947, 0.925, 0.991 (210), 0.719, 1.000, 0.985. Not rerun on fifteen writers:
each of its fifteen folds repeats the whole choice (hours). ``--screen`` is the quick look:
each writer predicted by weights fitted on the others, decided at the committed model's
thresholds (about seven minutes on fifteen writers; the whole training run took 37 minutes
on an AMD EPYC, 18 minutes for fourteen writers on an Intel Xeon, eight and a half minutes
for thirteen writers on a faster one).

The final weights are fitted on all the mails and written, small and sorted, to
``bot/nlp/model/intent_model.json``.

numpy is used here only (it comes with the project's dependencies); scoring is pure Python.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np

from bot.intents import INTENTS
from bot.mail.quotes import new_text
from bot.nlp.classify import PreparedMail, decide, prepare
from bot.nlp.evaluate import EvalReport, score
from bot.nlp.model import MODEL_PATH, IntentModel, Thresholds, load_model, model_to_json

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
# One file per writer: train.jsonl, train2.jsonl, train3.jsonl, … (never dev.jsonl).
TRAIN_PATHS = tuple(
    sorted(
        CORPUS_DIR.glob("train*.jsonl"),
        key=lambda p: int(p.stem.removeprefix("train") or 1),
    )
)
FOLDS = 5
SEED = 20261127
MIN_DF = 2
# Targets the thresholds must meet out of fold in every kind of fold (the writer folds,
# where each writer's mail is judged by a model of the others', are the hardest).
AUTO_PRECISION = 0.99
NONE_PRECISION = 0.99
ANGRY_RECALL = 0.9
# Whatever the folds allow, "auto" needs the intent to be likelier than all others together
# and "none" a very confident model: closing a mail unanswered is the costlier mistake.
AUTO_FLOOR = 0.5
NONE_FLOOR = 0.9
EXCLUDED: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Setting:
    """One point of the hyper-parameter grid."""

    l2: float
    bigrams: bool
    angry_l2: float
    # Extra L2 on lemma and predicate features (w:, p:, s:) over cue and form features: the
    # words one writer happens to use generalise worse than the cues, written for any writer.
    lexical_factor: float = 1.0
    # Share of the target given to the other acceptable intents (``also``) of a mail.
    also_share: float = 0.0
    # Weigh each intent's mails by 1/sqrt(its share), so the small intents count more.
    balanced: bool = False
    # The anger model's own extra L2 on lemma and predicate features (see lexical_factor).
    angry_lexical_factor: float = 1.0


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


class _Sparse:
    """A 0/1 feature matrix kept as its non-zeros, grouped by row and by column.

    Products are sums of gathered weights (``np.add.reduceat``): a mail has ~50 features
    among thousands, so a dense matrix would be nearly all zeros.
    """

    def __init__(self, rows: int, columns: np.ndarray, row_of: np.ndarray) -> None:
        self.rows = rows
        self.columns = columns
        self.row_of = row_of
        # Row groups: non-zeros are stored row by row.
        counts = np.bincount(row_of, minlength=rows)
        self.filled_rows = np.flatnonzero(counts)
        self.row_starts = (np.cumsum(counts) - counts)[self.filled_rows]
        # Column groups: the same non-zeros ordered by column.
        order = np.argsort(columns, kind="stable")
        self.row_by_column = row_of[order]
        self.filled_columns, self.column_starts = np.unique(columns[order], return_index=True)

    def times(self, w: np.ndarray) -> np.ndarray:
        """``X @ w``: each row's sum of its columns' weights."""
        out = np.zeros((self.rows, *w.shape[1:]))
        if len(self.columns):
            out[self.filled_rows] = np.add.reduceat(w[self.columns], self.row_starts)
        return out

    def transposed_times(self, g: np.ndarray, width: int) -> np.ndarray:
        """``X.T @ g``: each column's sum over the rows that have it."""
        out = np.zeros((width, *g.shape[1:]))
        if len(self.columns):
            out[self.filled_columns] = np.add.reduceat(g[self.row_by_column], self.column_starts)
        return out


def _matrix(mails: Sequence[PreparedMail], vocab: dict[str, int]) -> _Sparse:
    columns: list[int] = []
    row_of: list[int] = []
    for row, mail in enumerate(mails):
        found = sorted({vocab[n] for n in mail.features.names if n in vocab})
        columns += found
        row_of += [row] * len(found)
    return _Sparse(len(mails), np.array(columns, dtype=np.int64), np.array(row_of, dtype=np.int64))


def _l2_scale(vocab: dict[str, int], lexical_factor: float) -> np.ndarray:
    """Each feature's L2 multiplier: ``lexical_factor`` for lemma and predicate features (w:,
    p:, s:), 1 for cue and form features."""
    lexical = np.array([n.startswith(("w:", "p:", "s:")) for n in vocab], dtype=np.float64)
    return 1.0 + (lexical_factor - 1.0) * lexical


def _vocabulary(mails: Sequence[PreparedMail], bigrams: bool) -> dict[str, int]:
    df = Counter(name for mail in mails for name in mail.features.names)
    kept = sorted(
        n
        for n, c in df.items()
        if (c >= MIN_DF or n.startswith(("c:", "cs:", "cr:")))
        and (bigrams or "_" not in n or n[0] != "w")
        and not n.startswith("x:")
        and n not in EXCLUDED
    )
    return {name: i for i, name in enumerate(kept)}


class _Adam:
    """Adam steps for one parameter array."""

    def __init__(self, shape: tuple[int, ...], rate: float = 0.1) -> None:
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.rate = rate
        self.step = 0

    def update(self, value: np.ndarray, grad: np.ndarray) -> None:
        beta1, beta2 = 0.9, 0.999
        self.step += 1
        self.m = beta1 * self.m + (1 - beta1) * grad
        self.v = beta2 * self.v + (1 - beta2) * grad**2
        m_hat = self.m / (1 - beta1**self.step)
        v_hat = self.v / (1 - beta2**self.step)
        value -= self.rate * m_hat / (np.sqrt(v_hat) + 1e-8)


def _fit_softmax(
    x: _Sparse,
    width: int,
    target: np.ndarray,
    l2: np.ndarray,
    weight: np.ndarray,
    steps: int = 400,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (soft targets, example weights, L2), by Adam."""
    n, classes = target.shape
    w = np.zeros((width, classes))
    b = np.zeros(classes)
    adam_w, adam_b = _Adam(w.shape), _Adam(b.shape)
    for _ in range(steps):
        logits = x.times(w) + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = weight[:, None] * (p - target) / n
        adam_w.update(w, x.transposed_times(g, width) + l2[:, None] * w / n)
        adam_b.update(b, g.sum(axis=0))
    return w, b


def _fit_binary(
    x: _Sparse, width: int, y: np.ndarray, l2: np.ndarray, steps: int = 400
) -> tuple[np.ndarray, float]:
    """Binary logistic regression, positives weighted up to balance the classes."""
    n = x.rows
    positives = max(1.0, float(y.sum()))
    weight = np.where(y > 0, math.sqrt((n - positives) / positives), 1.0)
    w = np.zeros(width)
    b = np.zeros(1)
    adam_w, adam_b = _Adam(w.shape), _Adam(b.shape)
    for _ in range(steps):
        z = np.clip(x.times(w) + b[0], -30, 30)
        p = 1 / (1 + np.exp(-z))
        g = weight * (p - y) / n
        adam_w.update(w, x.transposed_times(g, width) + l2 * w / n)
        adam_b.update(b, np.array([g.sum()]))
    return w, float(b[0])


def fit(
    mails: Sequence[PreparedMail], records: Sequence[dict[str, Any]], setting: Setting
) -> IntentModel:
    """Fit both models on ``mails`` (labels from ``records``) with one setting."""
    vocab = _vocabulary(mails, setting.bigrams)
    x = _matrix(mails, vocab)
    y = np.array([INTENTS.index(r["intent"]) for r in records])
    target = np.eye(len(INTENTS))[y]
    for row, record in enumerate(records):
        also = [INTENTS.index(a) for a in record.get("also") or [] if a in INTENTS]
        if also and setting.also_share:
            target[row] *= 1.0 - setting.also_share
            target[row, also] += setting.also_share / len(also)
    counts = np.bincount(y, minlength=len(INTENTS)).astype(np.float64)
    weight = np.ones(len(records))
    if setting.balanced:
        weight = np.sqrt(counts.mean() / np.maximum(counts[y], 1.0))
    w, b = _fit_softmax(
        x, len(vocab), target, setting.l2 * _l2_scale(vocab, setting.lexical_factor), weight
    )
    angry = np.array([1.0 if r.get("angry") else 0.0 for r in records])
    aw, ab = _fit_binary(
        x, len(vocab), angry, setting.angry_l2 * _l2_scale(vocab, setting.angry_lexical_factor)
    )
    names = list(vocab)
    # Tiny weights change no decision (below 0.03, none on the training mails); dropping them
    # keeps the committed file small.
    weights = {
        n: tuple(float(v) for v in w[i]) for i, n in enumerate(names) if np.abs(w[i]).max() >= 0.03
    }
    angry_weights = {n: float(aw[i]) for i, n in enumerate(names) if abs(aw[i]) >= 0.03}
    return IntentModel(
        intents=INTENTS,
        bias=tuple(float(v) for v in b),
        weights=weights,
        angry_bias=float(ab),
        angry_weights=angry_weights,
        options={"bigrams": setting.bigrams},
    )


def style_folds(records: Sequence[dict[str, Any]]) -> list[int]:
    """A fold per writing style (English, casual or phone, keigo, the rest): each fold is
    predicted by a model that never saw that style, a stand-in for mail by other writers."""
    groups = []
    for r in records:
        tags = set(r.get("tags") or [])
        if "english" in tags:
            groups.append(0)
        elif tags & {"casual", "phone", "typo", "halfwidth"}:
            groups.append(1)
        elif "keigo" in tags:
            groups.append(2)
        else:
            groups.append(3)
    return groups


def _folds(records: Sequence[dict[str, Any]]) -> list[int]:
    """A fold number per record, stratified by intent, fixed by the seed."""
    rng = random.Random(SEED)
    fold = [0] * len(records)
    by_intent: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_intent.setdefault(r["intent"], []).append(i)
    for indices in by_intent.values():
        rng.shuffle(indices)
        for k, i in enumerate(indices):
            fold[i] = k % FOLDS
    return fold


@dataclass
class OutOfFold:
    """Each record's prepared mail and the model trained without its fold."""

    mails: list[PreparedMail]
    models: list[IntentModel]


def prepare_all(records: Sequence[dict[str, Any]]) -> list[PreparedMail]:
    """Every record's mail as the classifier sees it (quotes cut, normalised, features)."""
    return [prepare(r.get("subject") or "", new_text(r["body"])) for r in records]


def cross_validate(
    mails: Sequence[PreparedMail],
    records: Sequence[dict[str, Any]],
    setting: Setting,
    fold: list[int] | None = None,
) -> OutOfFold:
    """Fit one model per fold, each without the mails of its fold."""
    fold = fold or _folds(records)
    models_by_fold = []
    for k in range(max(fold) + 1):
        train_idx = [i for i in range(len(records)) if fold[i] != k]
        models_by_fold.append(
            fit([mails[i] for i in train_idx], [records[i] for i in train_idx], setting)
        )
    return OutOfFold(list(mails), [models_by_fold[fold[i]] for i in range(len(records))])


def _predictions(
    oof: OutOfFold, temperature: float, thresholds: Thresholds
) -> list[dict[str, Any]]:
    out = []
    for mail, model in zip(oof.mails, oof.models, strict=True):
        d = decide(mail, replace(model, temperature=temperature, thresholds=thresholds))
        out.append({"intent": d.intent, "action": d.action, "angry": d.angry})
    return out


def _temperature(oof: OutOfFold, records: Sequence[dict[str, Any]]) -> float:
    """The temperature that minimises the out-of-fold negative log-likelihood."""
    logits = [m.logits(mail.features.names) for mail, m in zip(oof.mails, oof.models, strict=True)]
    gold = [INTENTS.index(r["intent"]) for r in records]

    def nll(t: float) -> float:
        total = 0.0
        for row, y in zip(logits, gold, strict=True):
            top = max(row)
            z = sum(math.exp((s - top) / t) for s in row)
            total -= (row[y] - top) / t - math.log(z)
        return total / len(gold)

    return min((0.25 + 0.05 * i for i in range(76)), key=nll)


def _pooled(found: Sequence[EvalReport], kind: str) -> float | None:
    """Precision of ``kind`` ("auto" or "none") decisions over all runs together."""
    decided = right = 0.0
    for report in found:
        count, precision = getattr(report, f"{kind}_count"), getattr(report, f"{kind}_precision")
        if precision is not None:
            decided += count
            right += precision * count
    return right / decided if decided else None


def _choose_thresholds(
    runs: Sequence[OutOfFold], records: Sequence[dict[str, Any]], temperature: float
) -> Thresholds:
    """The loosest thresholds whose out-of-fold results meet the targets.

    ``runs`` are the writer folds, the stratified folds and the style folds. Anger recall must
    hold in each run; the precision of "auto" and "none" over all runs' decisions together.
    (Each run alone has only a few hundred, where a few mails that every run gets wrong with
    high confidence can push "auto" to 1.0 for a set of writers: no automatic answer at all.)
    """

    def reports(thresholds: Thresholds) -> list[EvalReport]:
        return [score(records, _predictions(run, temperature, thresholds)) for run in runs]

    # Anger first: the highest threshold that still finds the angry mails (cues included).
    angry_t = ANGER_STEPS[-1]
    for t in ANGER_STEPS[:-1]:
        found = reports(Thresholds(auto=1.01, none=1.01, angry=t))
        if min(r.angry_recall or 0.0 for r in found) >= ANGRY_RECALL:
            angry_t = t
            break
    base = Thresholds(auto=1.01, none=1.01, angry=angry_t)
    grid = [round(0.5 + 0.01 * i, 2) for i in range(50)]
    auto_t = 1.01
    for t in grid:
        precision = _pooled(reports(replace(base, auto=t)), "auto")
        if precision is not None and precision >= AUTO_PRECISION:
            auto_t = t
            break
    none_t = 1.01
    for t in grid:
        precision = _pooled(reports(replace(base, none=t)), "none")
        if precision is not None and precision >= NONE_PRECISION:
            none_t = t
            break
    # One step of margin (a few hundred mails are noisy); "none" must be surer than "auto".
    auto = min(1.0, max(AUTO_FLOOR, auto_t + 0.02))
    none = min(1.0, max(NONE_FLOOR, none_t + 0.02, auto + 0.05))
    return Thresholds(auto=auto, none=none, angry=angry_t)


def _summary(report: EvalReport) -> dict[str, Any]:
    return {
        "accuracy": round(report.accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "auto_precision": report.auto_precision and round(report.auto_precision, 4),
        "auto_share": report.auto_share and round(report.auto_share, 4),
        "none_precision": report.none_precision and round(report.none_precision, 4),
        "angry_recall": report.angry_recall and round(report.angry_recall, 4),
    }


GRID = [Setting(l2=l2, bigrams=False, angry_l2=l2) for l2 in (0.1, 0.3, 1.0, 3.0)]
# The anger model's (L2, lexical factor) candidates, chosen apart (see choose_anger).
ANGER_GRID = [(0.3, 1.0), (1.0, 3.0), (3.0, 3.0), (10.0, 1.0)]
ANGER_STEPS = (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05)


# An anger model that never reaches its threshold: what decide flags with it, the cues flag.
_DEAF: Final = IntentModel(
    intents=INTENTS,
    bias=(0.0,) * len(INTENTS),
    weights={},
    angry_bias=0.0,
    angry_weights={},
    thresholds=Thresholds(angry=1.01),
)


def anger_by_cues(mail: PreparedMail) -> bool:
    """Whether :func:`decide` flags a mail's anger from its cues alone, whatever the anger
    model says (a claim threat, negated or not, or an anger cue that is not negated)."""
    return decide(mail, _DEAF).angry


def _anger_out_of_fold(
    mails: Sequence[PreparedMail], angry: np.ndarray, fold: Sequence[int], l2: float, lexical: float
) -> np.ndarray:
    """Each mail's anger probability from the anger model fitted without its fold."""
    found = np.zeros(len(mails))
    for k in sorted(set(fold)):
        train_idx = [i for i, f in enumerate(fold) if f != k]
        test_idx = [i for i, f in enumerate(fold) if f == k]
        vocab = _vocabulary([mails[i] for i in train_idx], bigrams=False)
        w, b = _fit_binary(
            _matrix([mails[i] for i in train_idx], vocab),
            len(vocab),
            angry[train_idx],
            l2 * _l2_scale(vocab, lexical),
        )
        z = _matrix([mails[i] for i in test_idx], vocab).times(w) + b
        found[test_idx] = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return found


def choose_anger(
    mails: Sequence[PreparedMail], records: Sequence[dict[str, Any]], folds: Sequence[Sequence[int]]
) -> tuple[float, float]:
    """The anger model's (L2, lexical factor) that raises the fewest false alarms.

    For each candidate: out-of-fold probabilities in every kind of fold, the highest step of
    :data:`ANGER_STEPS` at which anger recall (cues included) holds in each, and there the
    share of calm mails flagged in the first kind (the writer folds). An angry buyer missed is
    answered by a form letter; a calm one flagged waits for an agent, and the less an anger
    model leans on the words one writer happens to use, the higher its threshold can be.
    """
    angry = np.array([1.0 if r.get("angry") else 0.0 for r in records])
    by_cues = np.array([anger_by_cues(mail) for mail in mails])
    best: tuple[float, tuple[float, float]] | None = None
    for l2, lexical in ANGER_GRID:
        runs = [_anger_out_of_fold(mails, angry, fold, l2, lexical) for fold in folds]
        step = ANGER_STEPS[-1]
        for t in ANGER_STEPS:
            if all(((p >= t) | by_cues)[angry > 0].mean() >= ANGRY_RECALL for p in runs):
                step = t
                break
        false_alarms = float(((runs[0] >= step) | by_cues)[angry == 0].mean())
        print(
            f"anger l2 {l2} lexical {lexical}: threshold {step}, calm mails flagged "
            f"{false_alarms:.4f}",
            file=sys.stderr,
        )
        if best is None or false_alarms < best[0]:
            best = (false_alarms, (l2, lexical))
    assert best is not None
    return best[1]


@dataclass
class Chosen:
    """A setting with the temperature and thresholds chosen for it, and its fold runs."""

    setting: Setting
    temperature: float
    thresholds: Thresholds
    runs: dict[str, OutOfFold]


def choose(
    mails: Sequence[PreparedMail],
    records: Sequence[dict[str, Any]],
    writers: list[int],
    grid: Sequence[Setting],
) -> Chosen:
    """Pick the setting, temperature and thresholds on out-of-fold predictions of ``records``.

    With two writers or more, the writer folds choose the setting and the temperature;
    with one, the stratified folds do. The thresholds must hold in every kind of fold.
    """
    several = len(set(writers)) > 1
    stratified, styles = _folds(records), style_folds(records)
    kinds = [writers, stratified, styles] if several else [stratified, styles]
    angry_l2, angry_lexical = choose_anger(mails, records, kinds)
    grid = [replace(s, angry_l2=angry_l2, angry_lexical_factor=angry_lexical) for s in grid]
    best: tuple[float, Setting, OutOfFold] | None = None
    for setting in grid:
        oof = cross_validate(mails, records, setting, writers if several else stratified)
        report = score(records, _predictions(oof, 1.0, Thresholds(auto=1.01, none=1.01)))
        print(
            f"{setting}: accuracy {report.accuracy:.4f} macro-F1 {report.macro_f1:.4f}",
            file=sys.stderr,
        )
        key = report.accuracy + report.macro_f1
        if best is None or key > best[0]:
            best = (key, setting, oof)
    assert best is not None
    _, setting, first = best
    temperature = _temperature(first, records)
    runs = {"writer" if several else "stratified": first}
    if several:
        runs["stratified"] = cross_validate(mails, records, setting, stratified)
    runs["style"] = cross_validate(mails, records, setting, styles)
    thresholds = _choose_thresholds(list(runs.values()), records, temperature)
    return Chosen(setting, temperature, thresholds, runs)


def _writers(paths: Sequence[Path]) -> tuple[list[dict[str, Any]], list[int]]:
    records: list[dict[str, Any]] = []
    writers: list[int] = []
    for index, path in enumerate(paths):
        found = _read(path)
        records += found
        writers += [index] * len(found)
    return records, writers


def leave_one_writer_out(
    paths: Sequence[Path], grid: Sequence[Setting]
) -> dict[str, dict[str, Any]]:
    """For each file: everything chosen and fitted on the other files, then scored on it."""
    records, writers = _writers(paths)
    mails = prepare_all(records)
    figures = {}
    for held in sorted(set(writers)):
        train_idx = [i for i, w in enumerate(writers) if w != held]
        train_records = [records[i] for i in train_idx]
        train_mails = [mails[i] for i in train_idx]
        chosen = choose(train_mails, train_records, [writers[i] for i in train_idx], grid)
        model = replace(
            fit(train_mails, train_records, chosen.setting),
            temperature=chosen.temperature,
            thresholds=chosen.thresholds,
        )
        report = _held_out_report(model, mails, records, writers, held)
        figures[paths[held].name] = {
            **_summary(report),
            "auto_count": report.auto_count,
            "none_count": report.none_count,
            "thresholds": _thresholds_json(chosen.thresholds),
        }
    return figures


def _held_out_report(
    model: IntentModel,
    mails: Sequence[PreparedMail],
    records: Sequence[dict[str, Any]],
    writers: Sequence[int],
    held: int,
) -> EvalReport:
    """The figures of writer ``held``'s mail as ``model`` decides it."""
    test_idx = [i for i, w in enumerate(writers) if w == held]
    oof = OutOfFold([mails[i] for i in test_idx], [model] * len(test_idx))
    return score(
        [records[i] for i in test_idx], _predictions(oof, model.temperature, model.thresholds)
    )


def _thresholds_json(thresholds: Thresholds) -> dict[str, float]:
    # Named one by one: the compiled build's Thresholds has no __dict__.
    return {name: getattr(thresholds, name) for name in ("auto", "none", "angry", "other_intent")}


def writer_screen(
    paths: Sequence[Path], model: IntentModel, setting: Setting
) -> dict[str, dict[str, Any]]:
    """Each file predicted by weights fitted on the other files, decided with ``model``'s
    temperature and thresholds (nothing chosen per fold): a quick look at how a change to the
    cues, the rules or the corpus moves each writer's figures, in minutes where ``--lowo``
    takes an hour."""
    records, writers = _writers(paths)
    mails = prepare_all(records)
    figures = {}
    for held in sorted(set(writers)):
        train_idx = [i for i, w in enumerate(writers) if w != held]
        fitted = replace(
            fit([mails[i] for i in train_idx], [records[i] for i in train_idx], setting),
            temperature=model.temperature,
            thresholds=model.thresholds,
        )
        report = _held_out_report(fitted, mails, records, writers, held)
        figures[paths[held].name] = {**_summary(report), "auto_count": report.auto_count}
    return figures


def committed_setting(path: Path = MODEL_PATH) -> Setting:
    """The setting the committed model was fitted with (as its file records it)."""
    recorded = json.loads(path.read_text(encoding="utf-8")).get("setting") or {}
    first = GRID[0]
    return Setting(
        l2=recorded.get("l2", first.l2),
        bigrams=recorded.get("bigrams", first.bigrams),
        angry_l2=recorded.get("angry_l2", first.angry_l2),
        angry_lexical_factor=recorded.get("angry_lexical_factor", first.angry_lexical_factor),
    )


def main(argv: list[str] | None = None) -> int:
    """Train, calibrate and write the model; print the cross-validation figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--quick", action="store_true", help="skip the grid search")
    parser.add_argument(
        "--lowo", action="store_true", help="print leave-one-writer-out figures, write nothing"
    )
    parser.add_argument(
        "--screen",
        action="store_true",
        help="print each writer's figures out of the writer folds at the committed model's "
        "thresholds (quick), write nothing",
    )
    args = parser.parse_args(argv)
    paths = args.train or [p for p in TRAIN_PATHS if p.exists()]
    if args.screen:
        found = writer_screen(paths, load_model(), committed_setting())
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return 0
    grid = GRID[:1] if args.quick else GRID
    if args.lowo:
        print(json.dumps(leave_one_writer_out(paths, grid), ensure_ascii=False, indent=1))
        return 0
    records, writers = _writers(paths)
    mails = prepare_all(records)
    chosen = choose(mails, records, writers, grid)
    summaries = {
        f"{kind}_cross_validation": _summary(
            score(records, _predictions(run, chosen.temperature, chosen.thresholds))
        )
        for kind, run in chosen.runs.items()
    }
    setting = chosen.setting
    model = replace(
        fit(mails, records, setting), temperature=chosen.temperature, thresholds=chosen.thresholds
    )
    extra = {
        "trained_on": {"files": [p.name for p in paths], "mails": len(records)},
        "setting": {
            "l2": setting.l2,
            "bigrams": setting.bigrams,
            "angry_l2": setting.angry_l2,
            "angry_lexical_factor": setting.angry_lexical_factor,
        },
        **summaries,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(model_to_json(model, extra), ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    print(
        json.dumps(
            {
                **extra,
                "temperature": chosen.temperature,
                "thresholds": _thresholds_json(chosen.thresholds),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
