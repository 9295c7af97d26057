"""The tables of feature names built once per process stay bounded in a long run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.nlp import features


@pytest.fixture
def fresh_tables() -> Iterator[None]:
    """Empty name tables for the test; the process's own are put back afterwards."""
    kept = (dict(features._BIGRAMS), dict(features._PREDICATES), dict(features._NAMED_SIZES))
    for table in (features._BIGRAMS, features._PREDICATES):
        table.clear()
    features._NAMED_SIZES.update({"w": 0, "p": 0})
    yield
    tables = (features._BIGRAMS, features._PREDICATES, features._NAMED_SIZES)
    for table, saved in zip(tables, kept, strict=True):
        table.clear()
        table.update(saved)  # type: ignore[attr-defined]


def _kept(table: dict[str, dict[str, str]]) -> int:
    return sum(len(inner) for inner in table.values())


def test_one_head_followed_by_ever_new_words_stops_at_the_cap(fresh_tables: None) -> None:
    # Order numbers and names after the same lemma: a handful of heads, endless followers.
    count = features._MAX_NAMED + 500
    names = [features._bigram("注文", f"{n:07d}") for n in range(count)]
    assert names[0] == "w:注文_0000000" and names[-1] == f"w:注文_{count - 1:07d}"
    assert _kept(features._BIGRAMS) == features._MAX_NAMED
    # Past the cap a name is still built, just not kept.
    assert features._bigram("注文", "新しい") == "w:注文_新しい"
    assert _kept(features._BIGRAMS) == features._MAX_NAMED


def test_predicates_have_their_own_cap(fresh_tables: None) -> None:
    for n in range(features._MAX_NAMED + 10):
        assert features._predicate(f"語{n}", "NEG") == f"p:語{n}|NEG"
    assert _kept(features._PREDICATES) == features._MAX_NAMED
    assert features._bigram("届く", "ない") == "w:届く_ない"
    assert _kept(features._BIGRAMS) == 1
