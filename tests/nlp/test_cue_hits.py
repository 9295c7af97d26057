"""Cue matching: the phrase quoted for each cue and its negation, worked out with the table."""

from __future__ import annotations

from bot.nlp.cues import cue_hits, negation_feature


def test_cue_hits_follow_negation_per_trigger() -> None:
    names = {"w:返品", "w:返送", "p:返品|NEG", "w:配達_完了", "p:完了|NEG"}
    hits = cue_hits(names)
    assert hits["return"].phrase == "返送" and not hits["return"].negated
    assert negation_feature("配達_完了") == "p:完了|NEG"
    assert negation_feature("住所+変更") == "p:変更|NEG"


def test_cue_counts_as_negated_beside_an_unless_phrase() -> None:
    # 「国際交換局」 is a post office, not an exchange; 「営業所」 a carrier's depot, not a sales call.
    hits = cue_hits({"w:交換", "w:交換_局", "w:国際"})
    assert hits["return"].negated
    assert cue_hits({"w:交換"})["return"].negated is False
    assert cue_hits({"w:営業", "w:営業_所"})["pitch"].negated
    assert not cue_hits({"w:営業", "w:営業_メール"})["pitch"].negated
    # The tracking that does not move is no broken device.
    assert cue_hits({"p:動く|NEG", "w:追跡"})["not_working"].negated
    assert not cue_hits({"p:動く|NEG"})["not_working"].negated
