"""The model's scoring, the training matrix, and the batch's memory housekeeping."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import bot.nlp.batch as batch
from bot.mail.quotes import new_text
from bot.nlp import dictpages
from bot.nlp.batch import classify_records
from bot.nlp.model import IntentModel, Thresholds, model_from_json, model_to_json
from bot.nlp.tokens import tagger
from bot.nlp.train import _Sparse
from bot.nlp.train import main as train_main
from bot.nlp.understanding import understand
from tests.nlp.conftest import REPO

INTENTS = ("a", "b", "c")


def _model() -> IntentModel:
    return IntentModel(
        intents=INTENTS,
        bias=(0.1, -0.2, 0.0),
        weights={"w:x": (1.0, 0.0, -1.0), "w:y": (0.5, 0.5, 2.0)},
        angry_bias=-1.0,
        angry_weights={"w:y": 0.75, "w:z": 2.0},
        temperature=0.8,
        thresholds=Thresholds(auto=0.6),
    )


def test_scores_are_the_softmax_of_the_raw_weights() -> None:
    model = _model()
    scores = model.score({"w:x", "w:y", "w:unknown"})
    logits = [0.1 + 1.0 + 0.5, -0.2 + 0.0 + 0.5, 0.0 - 1.0 + 2.0]
    exps = [math.exp(v / 0.8) for v in logits]
    expected = [e / sum(exps) for e in exps]
    assert scores.probabilities == pytest.approx(expected)
    assert scores.angry == pytest.approx(1 / (1 + math.exp(-(-1.0 + 0.75))))


def test_a_mail_with_no_known_feature_gets_the_bias() -> None:
    scores = _model().score({"w:nothing"})
    assert scores.angry == pytest.approx(1 / (1 + math.exp(1.0)))
    assert scores.probabilities.index(max(scores.probabilities)) == 0


def test_contributions_are_features_above_the_average_intent() -> None:
    model = _model()
    scores = model.score({"w:x", "w:y", "w:z"})
    # w:y pushes c by 2.0 - 1.0 = 1.0, w:x pushes c by -1.0 - 0.0 (below the mean).
    assert model.contributions(scores, "c", 5) == ["w:y"]
    assert model.contributions(scores, "a", 1) == ["w:x"]
    assert model.angry_contributions(scores, 5) == ["w:z", "w:y"]


def test_the_json_form_round_trips() -> None:
    model = _model()
    again = model_from_json(model_to_json(model))
    names = {"w:x", "w:y", "w:z"}
    assert again.score(names).probabilities == pytest.approx(model.score(names).probabilities)
    assert again.thresholds == model.thresholds


def test_the_sparse_training_matrix_multiplies_like_a_dense_one() -> None:
    rng = np.random.default_rng(7)
    dense = (rng.random((9, 6)) < 0.4).astype(float)
    dense[4] = 0.0  # an empty row
    rows, columns = np.nonzero(dense)
    sparse = _Sparse(9, columns, rows)
    w = rng.normal(size=(6, 3))
    g = rng.normal(size=(9, 3))
    assert np.allclose(sparse.times(w), dense @ w)
    assert np.allclose(sparse.transposed_times(g, 6), dense.T @ g)
    assert np.allclose(sparse.times(w[:, 0]), dense @ w[:, 0])


linux_only = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc (Linux)")


@linux_only
def test_the_dictionary_feature_pages_can_be_released() -> None:
    tagger().parse("注文した商品がまだ届いていません。")
    assert (dictpages.resident_bytes() or 0) > 0
    assert dictpages.release_features() > 0
    assert dictpages.release_dictionary() > dictpages.release_features()
    # The tagger reads the dropped pages again as if nothing happened.
    assert understand("", "注文した商品がまだ届いていません。").intent == "shipping_status"


@linux_only
def test_keep_within_acts_only_over_the_limit() -> None:
    tagger()
    assert not dictpages.keep_within(1 << 50)
    assert dictpages.keep_within(0)


def test_a_batch_that_releases_memory_gives_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    train = REPO / "corpus" / "train.jsonl"
    if not train.exists():
        pytest.skip("corpus/train.jsonl not found")
    with train.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()][:120]
    monkeypatch.setattr(batch, "_ALLOWANCE", 0)
    monkeypatch.setattr(batch, "_MEMORY_CHECK_EVERY", 7)
    lines = list(classify_records(records))
    one_by_one = [
        understand(r.get("subject") or "", new_text(r["body"])).to_contract(r["id"])
        for r in records
    ]
    assert lines == one_by_one


def test_weights_that_round_to_zero_are_written_as_zero() -> None:
    model = IntentModel(
        intents=INTENTS,
        bias=(0.0, 0.0, 0.0),
        weights={"w:x": (-0.001, 0.5, 0.004)},
        angry_bias=0.0,
        angry_weights={},
    )
    text = json.dumps(model_to_json(model), separators=(",", ":"))
    assert '"w:x":[0,0.5,0]' in text
    assert model_from_json(json.loads(text)).weights["w:x"] == (0, 0.5, 0)


def _writer_file(path: Path, lines: list[str], prefix: str) -> Path:
    records = [json.loads(line) for line in lines]
    for n, record in enumerate(records):
        record["id"] = f"{prefix}-{n:04d}"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_writer_screen_judges_each_file_by_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # B's mails are also in the training side of B's fold (as the copy C), never in A's:
    # the screen must find B easy and A, written by someone else, harder.
    first = (REPO / "corpus" / "train.jsonl").read_text(encoding="utf-8").splitlines()[:120]
    second = (REPO / "corpus" / "train2.jsonl").read_text(encoding="utf-8").splitlines()[:120]
    a = _writer_file(tmp_path / "a.jsonl", first, "a")
    b = _writer_file(tmp_path / "b.jsonl", second, "b")
    c = _writer_file(tmp_path / "c.jsonl", second, "c")
    assert train_main(["--screen", "--train", str(a), str(b), str(c)]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert list(figures) == ["a.jsonl", "b.jsonl", "c.jsonl"]
    assert figures["b.jsonl"]["accuracy"] >= 0.95
    assert figures["a.jsonl"]["accuracy"] < figures["b.jsonl"]["accuracy"]
    assert figures["b.jsonl"] == figures["c.jsonl"]
    assert all(isinstance(f["auto_count"], int) for f in figures.values())


def _corpus_sample(name: str, count: int) -> list[dict[str, object]]:
    lines = (REPO / "corpus" / name).read_text(encoding="utf-8").splitlines()[:count]
    return [json.loads(line) for line in lines]


def test_anger_by_cues_is_what_decide_flags_when_the_model_never_does() -> None:
    from dataclasses import replace

    from bot.nlp.classify import decide
    from bot.nlp.model import load_model
    from bot.nlp.train import anger_by_cues, prepare_all

    records = _corpus_sample("train.jsonl", 400)
    mails = prepare_all(records)
    model = load_model()
    deaf = replace(model, thresholds=replace(model.thresholds, angry=1.01))
    flagged = [anger_by_cues(mail) for mail in mails]
    assert flagged == [decide(mail, deaf).angry for mail in mails]
    assert 0 < sum(flagged) < len(flagged)


def test_the_anger_setting_is_the_candidate_with_the_fewest_false_alarms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.nlp.train import ANGER_GRID, _folds, choose_anger, prepare_all, style_folds

    records = _corpus_sample("train.jsonl", 150) + _corpus_sample("train2.jsonl", 150)
    mails = prepare_all(records)
    writers = [0] * 150 + [1] * 150
    chosen = choose_anger(mails, records, [writers, _folds(records), style_folds(records)])
    report = capsys.readouterr().err.splitlines()
    assert len(report) == len(ANGER_GRID)
    alarms = {
        (float(line.split()[2]), float(line.split()[4].rstrip(":"))): float(line.split()[-1])
        for line in report
    }
    assert set(alarms) == set(ANGER_GRID)
    assert alarms[chosen] == min(alarms.values())
