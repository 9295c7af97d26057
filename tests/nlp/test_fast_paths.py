"""The classifier's fast paths give what the plain forms they stand in for give.

Each fast path (pre-computed cue phrases, whole-text pre-checks…) is checked here against
the straightforward form it replaces, on feature sets and texts from the corpora.
"""

from __future__ import annotations

import json

import pytest

from bot.mail.quotes import new_text
from bot.nlp.cues import cue_hits, cue_hits_in, negation_feature
from bot.nlp.features import extract
from bot.nlp.normalize import normalize
from tests.nlp.conftest import REPO


def _corpus_bodies(step: int = 7) -> list[tuple[str, str]]:
    mails = []
    for name in ("train", "train2", "train3", "dev"):
        path = REPO / "corpus" / f"{name}.jsonl"
        if path.exists():
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            mails += [(m.get("subject") or "", m["body"]) for m in lines[::step]]
    return mails


@pytest.fixture(scope="module")
def feature_sets() -> list[set[str]]:
    sets = []
    for subject, body in _corpus_bodies():
        features = extract(normalize(subject), normalize(new_text(body)))
        sets.append(features.names)
        sets.append(features.subject_names)
    if not sets:
        pytest.skip("no corpus files")
    return sets


def test_precomputed_cue_hits_equal_the_plain_ones(feature_sets: list[set[str]]) -> None:
    for names in feature_sets:
        plain = cue_hits(names, lambda phrase: negation_feature(phrase) in names)  # noqa: B023
        assert cue_hits_in(names) == plain


def test_precomputed_cue_hits_follow_negation_per_trigger() -> None:
    names = {"w:返品", "w:返送", "p:返品|NEG", "w:配達_完了", "p:完了|NEG"}
    hits = cue_hits_in(names)
    assert hits == cue_hits(names, lambda phrase: negation_feature(phrase) in names)
    assert hits["return"].phrase == "返送" and not hits["return"].negated
    assert negation_feature("配達_完了") == "p:完了|NEG"
    assert negation_feature("住所+変更") == "p:変更|NEG"
