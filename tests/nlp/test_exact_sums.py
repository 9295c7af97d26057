"""The model's packed column sums: the exact sums of the weights kept to 2**-40, in any order."""

from __future__ import annotations

import math
import random

from bot.nlp.model import ExactSums, load_model

UNIT = 2.0**-40


def _kept(w: float) -> float:
    return round(w / UNIT) * UNIT


def _exact(rows: dict[str, tuple[float, ...]], names: list[str]) -> list[float]:
    # math.fsum is the correctly rounded sum of its (here already rounded) inputs.
    return [math.fsum(map(_kept, column)) for column in zip(*(rows[n] for n in names), strict=True)]


def test_packed_sums_are_the_exact_sums_of_the_kept_weights_on_the_committed_model() -> None:
    model = load_model()
    assert model.sums is not None
    # The committed model's sums fit 64-bit fields: they split in one call (the wide-field
    # path is the next test's).
    assert model.sums.fields is not None
    names = sorted(model.rows)
    rng = random.Random(7)
    for size in [1, 2, 5, 30, 120, 600, len(names)]:
        for _ in range(40 if size < len(names) else 1):
            chosen = rng.sample(names, size)
            found = model.sums.totals(chosen)
            assert found == _exact(model.rows, chosen)
            # Within a trillionth per row of the sums of the weights as trained.
            raw = [math.fsum(c) for c in zip(*(model.rows[n] for n in chosen), strict=True)]
            assert all(abs(a - b) <= size * UNIT for a, b in zip(found, raw, strict=True))


def test_packed_sums_do_not_depend_on_the_order_where_float_addition_does() -> None:
    # 1e16 + 1.0 - 1e16 in floats gives 0.0 or 2.0 depending on the order; exactly it is 1.0.
    rows = {"a": (1e16, 0.1, -3.0), "b": (1.0, 0.2, 0.75), "c": (-1e16, 0.3, 3.0)}
    sums = ExactSums.pack(rows, 3)
    assert sums is not None
    assert sums.fields is None  # 1e16 * 2**40 needs fields wider than 64 bits
    assert (1e16 + 1.0) - 1e16 != 1.0
    for order in (["a", "b", "c"], ["c", "a", "b"], ["b", "c", "a"]):
        assert sums.totals(order) == [1.0, _kept(0.1) + _kept(0.2) + _kept(0.3), 0.75]


def test_weights_finer_than_the_unit_count_as_zero_and_infinite_ones_cannot_be_packed() -> None:
    sums = ExactSums.pack({"a": (2.0**-60, 1.0), "b": (5e-324, 0.5)}, 2)
    assert sums is not None
    assert sums.totals(["a", "b"]) == [0.0, 1.5]
    assert ExactSums.pack({"a": (math.inf, 1.0)}, 2) is None
