"""No automatic answer for real out-of-domain Japanese (yj-ambigdialogue user utterances)."""

from __future__ import annotations

import pytest

from bot.nlp import understand
from tests.nlp.conftest import require, shared_dir

CORPUS = "data/corpora/yj-ambigdialogue/data.txt"


def _utterances() -> list[str]:
    base = shared_dir()
    path = require(base / CORPUS if base else None, f"shared {CORPUS}")
    found: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            columns = line.rstrip("\n").split("\t")
            # Columns: label, u_0, r_-1, u_-1, r_-2, u_-2: users at 1, 3, 5; the rest is the system.
            found.update(c for c in columns[1::2] if c.strip())
    return sorted(found)


@pytest.mark.slow
def test_no_utterance_gets_an_automatic_answer() -> None:
    utterances = _utterances()
    assert len(utterances) > 10_000
    automatic = [u for u in utterances if understand("", u).action == "auto"]
    assert automatic == []
