"""Cue matching: the phrase quoted for each cue and its negation, worked out with the table."""

from __future__ import annotations

from bot.nlp.cues import cue_hits, negation_feature


def test_cue_hits_follow_negation_per_trigger() -> None:
    names = {"w:返品", "w:返送", "p:返品|NEG", "w:配達_完了", "p:完了|NEG"}
    hits = cue_hits(names)
    assert hits["return"].phrase == "返送" and not hits["return"].negated
    assert negation_feature("配達_完了") == "p:完了|NEG"
    assert negation_feature("住所+変更") == "p:変更|NEG"
