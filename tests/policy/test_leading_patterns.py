"""The policy's word lists are tried only where one of their first characters stands.

Each such pattern is ``(?=[FIRST])(?:PLAIN)``. It finds exactly what PLAIN finds as long as
every match of PLAIN starts with a character of FIRST: checked here from the parsed pattern
itself (so a word added later with a new first character fails this test), and by comparing
the matches of both forms on texts that contain every word.
"""

from __future__ import annotations

import re
from pathlib import Path
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import pytest

from bot import policy
from bot.nlp.normalize import nfkc

LEADING = {
    "marketing": policy._MARKETING,
    "marketing_without_percent": policy._MARKETING_WITHOUT_PERCENT,
    "url": policy._URL,
    "review_always": policy._REVIEW_ALWAYS,
    "review_word": policy._REVIEW_WORD,
    "request_or_incentive": policy._REQUEST_OR_INCENTIVE,
    "courtesy": policy._COURTESY,
    "keigo": policy._KEIGO_ANY,
    "bare_domain": policy._BARE_DOMAIN,
    "email": policy._EMAIL,
    "phone": policy._PHONE,
}
_SHAPE = re.compile(r"\(\?=\[(?P<first>.*?)\]\)\(\?:(?P<plain>.*)\)", re.DOTALL)


def _split(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], str]:
    shape = _SHAPE.fullmatch(pattern.pattern)
    assert shape, pattern.pattern
    return re.compile(shape["plain"], pattern.flags), shape["first"]


def _firsts(items: Any) -> tuple[set[Any], bool]:
    """What a sequence of parsed items can start with, and whether it can match nothing."""
    found: set[Any] = set()
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero-width: the next item gives the first character
        if op is C.LITERAL:
            found.add(chr(av))
            return found, False
        if op is C.IN:
            for kind, value in av:
                if kind is C.LITERAL:
                    found.add(chr(value))
                elif kind is C.RANGE:
                    found.update(chr(c) for c in range(value[0], value[1] + 1))
                else:
                    found.add((kind, value))
            return found, False
        if op is C.BRANCH:
            empty = False
            for branch in av[1]:
                more, can_be_empty = _firsts(branch)
                found |= more
                empty |= can_be_empty
            if not empty:
                return found, False
            continue
        if op is C.SUBPATTERN:
            more, empty = _firsts(av[3])
            found |= more
            if not empty:
                return found, False
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            more, empty = _firsts(av[2])
            found |= more
            if av[0] > 0 and not empty:
                return found, False
            continue
        raise AssertionError(f"unexpected {op} at the start of a policy pattern")
    return found, True


def _covered(char: Any, first: re.Pattern[str]) -> bool:
    if isinstance(char, str):
        return bool(first.fullmatch(char))
    kind, value = char
    assert kind is C.CATEGORY and value is C.CATEGORY_DIGIT, char
    return all(first.fullmatch(d) for d in "0123456789٣５")


@pytest.mark.parametrize("name", sorted(LEADING))
def test_every_match_starts_with_a_listed_character(name: str) -> None:
    pattern = LEADING[name]
    plain, first = _split(pattern)
    starts, can_be_empty = _firsts(_parser.parse(plain.pattern, plain.flags))
    assert not can_be_empty
    first_class = re.compile(f"[{first}]", pattern.flags)
    missing = [c for c in starts if not _covered(c, first_class)]
    assert missing == []


def _texts() -> list[str]:
    """Every template, the policy tests' texts, and each pattern's words in a sentence."""
    root = Path(__file__).resolve().parents[2]
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "templates").rglob("*.txt"))]
    texts.append((Path(__file__).parent / "test_check_text.py").read_text(encoding="utf-8"))
    texts.append(
        "電話 03-1234-5678、(03)1234-5678、+81-3-1234-5678、09012345678、a.b+c@example.co.jp、"
        "www.example.com/x、shop.example.jp、Mirai-Zakka.COM、x@y、.jp、0120-123-456"
    )
    for pattern in LEADING.values():
        plain, _ = _split(pattern)
        words = re.findall(r"[^|()?:\\\[\]{}+*.^$]+", plain.pattern)
        texts += [f"本日は{w}。お願いします {w.upper()} 5 stars {w}ください" for w in words]
    return texts


@pytest.mark.parametrize("name", sorted(LEADING))
def test_the_matches_are_the_plain_patterns(name: str) -> None:
    pattern = LEADING[name]
    plain, _ = _split(pattern)
    for text in _texts():
        fast = [(m.span(), m.lastindex) for m in pattern.finditer(text)]
        slow = [(m.span(), m.lastindex) for m in plain.finditer(text)]
        assert fast == slow, text[:80]
        assert pattern.sub("", text) == plain.sub("", text)


@pytest.mark.parametrize(
    "text",
    [
        "ご注文（注文番号：２４９－１２３４５６７）は、１１月２０日に発送いたしました。\n"
        "配送状況は下記ページでご確認いただけます。\nｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｊｐ\n",
        "\n\u0301が行頭に\nｶﾞｷﾞｸﾞ\u3099\n\u1100\n\u1161\u11a8\n㈱①髙\r\n\n",
        "",
        "\n\n",
        "Ａ\u030a\nA\n\u030a",
    ],
)
def test_the_policy_s_nfkc_is_whole_text_nfkc(text: str) -> None:
    import unicodedata

    assert nfkc(text) == unicodedata.normalize("NFKC", text)
    assert nfkc(text) == unicodedata.normalize("NFKC", text)  # from what it remembers


def test_without_a_percent_sign_the_marketing_words_alone_find_the_same() -> None:
    texts = [t.replace("%", "").replace("％", "") for t in _texts()]
    texts.append("50%オフ セール 10 % off クーポン ポイント5倍")
    for text in texts:
        full = [m.span() for m in policy._MARKETING.finditer(text)]
        if "%" not in text:
            assert [m.span() for m in policy._MARKETING_WITHOUT_PERCENT.finditer(text)] == full
        else:
            assert len(full) > len(list(policy._MARKETING_WITHOUT_PERCENT.finditer(text)))
