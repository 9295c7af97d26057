"""Common address headers skip the stdlib's address parser; the result must be the same."""

from __future__ import annotations

import email.utils
import random

import pytest

from bot.mail.headers import _ONE_MAILBOX, _address_pairs

LOCAL = ["a", "b.c", "x_y+z", "!#$", "'q'", "a-b", "A.B.C", "a..b", ".a", "a.", "é", '"s"', "a b"]
DOMAIN = ["ex.jp", "a", "x-y.co.jp", "EX.JP", ".jp", "jp.", "[1.2.3.4]", "a..b", "é.jp", "a b"]
NAME = [
    "",
    "Taro",
    "Taro Yamada",
    "J. R.",
    ".x",
    "a\tb",
    '"Q"',
    '"Q R"',
    '""',
    '"a\\"b"',
    '"é"',
    "=?utf-8?b?6LO85YWl6ICFMA==?=",
    "  x  ",
    "...",
    "(c)",
    "a,b",
    "a;b",
    "é",
    '"x" y',
    "a<b",
]
SPACE = ["", " ", "\t", "  ", " \t"]


def _variants(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        address = rng.choice(LOCAL) + rng.choice(["@", "@", "@", "", "@@"]) + rng.choice(DOMAIN)
        if rng.random() < 0.3:
            value = rng.choice(SPACE) + address + rng.choice(SPACE)
        else:
            value = (
                rng.choice(SPACE)
                + rng.choice(NAME)
                + rng.choice(SPACE)
                + "<"
                + rng.choice(["", "", " "])
                + address
                + ">"
                + rng.choice([*SPACE, ",", " x", ">", ", b@c"])
            )
        out.append(value)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_pairs_are_the_stdlibs(seed: int) -> None:
    values = _variants(seed, 5000)
    for value in values:
        assert _address_pairs(value) == email.utils.getaddresses([value]), value
    # Both paths were taken.
    quick = sum(1 for v in values if _ONE_MAILBOX.fullmatch(v))
    assert 0 < quick < len(values)


def test_the_usual_shapes_take_the_quick_path() -> None:
    for value in (
        "=?utf-8?b?6LO85YWl6ICFMA==?= <b00000000000000@marketplace.amazon.co.jp>",
        "shop@mirai-zakka.example.jp",
        '"Taro Y." <t.y@ex.jp>',
        "Taro  Yamada <t@x.jp> ",
    ):
        assert _ONE_MAILBOX.fullmatch(value)
        assert _address_pairs(value) == email.utils.getaddresses([value])
