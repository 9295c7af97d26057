"""The model's packed column sums equal math.fsum's correctly rounded sums, bit for bit."""

from __future__ import annotations

import math
import random

from bot.nlp.model import ExactSums, load_model


def _fsums(rows: dict[str, tuple[float, ...]], names: list[str]) -> list[float]:
    return [math.fsum(column) for column in zip(*(rows[n] for n in names), strict=True)]


def test_packed_sums_equal_fsum_on_the_committed_model() -> None:
    model = load_model()
    assert model.sums is not None
    names = sorted(model.rows)
    rng = random.Random(7)
    for size in [1, 2, 5, 30, 120, 600, len(names)]:
        for _ in range(40 if size < len(names) else 1):
            chosen = rng.sample(names, size)
            assert model.sums.totals(chosen) == _fsums(model.rows, chosen)


def test_packed_sums_are_exact_where_float_addition_is_not() -> None:
    # 1e16 + 1.0 - 1e16 in floats gives 0.0 or 2.0 depending on the order; exactly it is 1.0.
    rows = {"a": (1e16, 0.1, -3.0), "b": (1.0, 0.2, 2**-60), "c": (-1e16, 0.3, 3.0)}
    sums = ExactSums.pack(rows, 3)
    assert sums is not None
    for order in (["a", "b", "c"], ["c", "a", "b"], ["b", "c", "a"]):
        assert (
            sums.totals(order) == _fsums(rows, order) == [1.0, math.fsum([0.1, 0.2, 0.3]), 2**-60]
        )


def test_rows_that_cannot_be_packed_fall_back() -> None:
    assert ExactSums.pack({"a": (math.inf, 1.0)}, 2) is None
    assert ExactSums.pack({"a": (5e-324, 1.0)}, 2) is None
