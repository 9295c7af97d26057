"""How often a batch checks its memory, and that it backs off when releasing cannot help."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

import bot.nlp.batch as batch
from bot.nlp.batch import classify_records

RECORDS = [{"id": i, "subject": "", "body": "商品はいつ届きますか？"} for i in range(600)]


def _checks(monkeypatch: pytest.MonkeyPatch, released: Callable[[int], bool]) -> list[int]:
    """The record counts at which the batch checked its memory."""
    at: list[int] = []
    seen = [0]

    def keep_within(limit: int) -> bool:
        at.append(seen[0])
        return released(len(at))

    monkeypatch.setattr(batch, "keep_within", keep_within)
    monkeypatch.setattr(batch, "resident_bytes", lambda: 1 << 30)
    for _ in classify_records(RECORDS):
        seen[0] += 1
    return at


def test_a_batch_within_its_allowance_checks_every_few_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = _checks(monkeypatch, lambda _: False)
    assert at == list(range(0, len(RECORDS), batch._MEMORY_CHECK_EVERY))


def test_a_release_that_helps_keeps_the_checks_frequent(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every other check finds the batch over its limit: each release brought it back under.
    at = _checks(monkeypatch, lambda n: n % 2 == 0)
    assert at == list(range(0, len(RECORDS), batch._MEMORY_CHECK_EVERY))


def test_releases_that_do_not_help_space_the_checks_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Over the limit at every check: the working set itself is larger than the allowance.
    at = _checks(monkeypatch, lambda _: True)
    gaps = [b - a for a, b in itertools.pairwise(at)]
    assert gaps[:4] == [16, 32, 64, 128]
    assert len(at) < 10
