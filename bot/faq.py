"""The seller's FAQ: answers to product questions, matched by explainable keyword rules.

The file is TOML, one ``[[faq]]`` table per answer::

    [[faq]]
    id = "battery"
    question = "電池は付属していますか？"
    keywords = ["電池|バッテリー", "付属|同梱|入って"]   # every entry must match; | = or
    exclude = ["交換", "液漏れ"]                        # none of these may appear
    items = ["LEDランタン"]                             # optional: only for these products
    answer = "単3形乾電池3本が付属しております。"
    answer_en = "Three AA batteries are included."      # optional

An entry matches when every keyword group has a word in the buyer's text and no excluded
word appears (and, when ``items`` is set, the order's items or the text name one of them).
Only a single matching entry is an answer: two or more means the question is not clear.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

_SETTING = "MADOGUCHI_FAQ_FILE"
_EXAMPLE = '[[faq]] id = "battery" keywords = ["電池", "付属|同梱"] answer = "..."'


@dataclass(frozen=True)
class FaqEntry:
    """One question the seller has answered."""

    id: str
    question: str
    keywords: tuple[tuple[str, ...], ...]  # groups: each must match; a group is alternatives
    answer: str
    answer_en: str | None = None
    exclude: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaqMatch:
    """An entry that matched, and the word that satisfied each keyword group (the evidence)."""

    entry: FaqEntry
    found: tuple[str, ...]


def fold(text: str) -> str:
    """Text as the matcher compares it: NFKC, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True)
class FaqBook:
    """Every entry of one FAQ file."""

    entries: tuple[FaqEntry, ...] = ()

    def matches(self, text: str, items: str | None = None) -> list[FaqMatch]:
        """Every entry whose rules all hold for the buyer's ``text`` (and order ``items``)."""
        body = fold(text)
        products = body + fold(items or "")
        found: list[FaqMatch] = []
        for entry in self.entries:
            if entry.items and not any(fold(i) in products for i in entry.items):
                continue
            if any(fold(word) in body for word in entry.exclude):
                continue
            evidence: list[str] = []
            for group in entry.keywords:
                hit = next((word for word in group if fold(word) in body), None)
                if hit is None:
                    break
                evidence.append(hit)
            else:
                found.append(FaqMatch(entry, tuple(evidence)))
        return found

    def answer(self, text: str, items: str | None = None) -> FaqMatch | None:
        """The one entry that answers ``text``; None when none or several match."""
        found = self.matches(text, items)
        return found[0] if len(found) == 1 else None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(where, "must be a list of non-empty strings", '["電池", "付属|同梱"]')
    return tuple(v.strip() for v in value)


def parse_faq(text: str, source: str = "faq") -> FaqBook:
    """Read FAQ TOML text; raises :class:`ConfigError` naming the entry and field at fault."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_SETTING, f"{source} is not valid TOML: {exc}", _EXAMPLE) from None
    tables = doc.get("faq", [])
    if not isinstance(tables, list):
        raise ConfigError(_SETTING, f"{source}: use [[faq]] tables", _EXAMPLE)
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for i, table in enumerate(tables):
        where = f"{source} faq[{i}]"
        entry_id = str(table.get("id") or f"faq{i + 1}")
        answer = table.get("answer")
        if not isinstance(answer, str) or not answer.strip():
            raise ConfigError(f"{where}.answer", "every entry needs an answer", _EXAMPLE)
        groups = tuple(
            tuple(w.strip() for w in group.split("|") if w.strip())
            for group in _strings(table.get("keywords"), f"{where}.keywords")
        )
        if not groups:
            raise ConfigError(
                f"{where}.keywords", "every entry needs at least one keyword", '["送料"]'
            )
        if entry_id in seen:
            raise ConfigError(f"{where}.id", f"{entry_id!r} is used twice", '"battery"')
        seen.add(entry_id)
        answer_en = table.get("answer_en")
        entries.append(
            FaqEntry(
                id=entry_id,
                question=str(table.get("question", "")),
                keywords=groups,
                answer=answer.strip(),
                answer_en=answer_en.strip() if isinstance(answer_en, str) and answer_en else None,
                exclude=_strings(table.get("exclude"), f"{where}.exclude"),
                items=_strings(table.get("items"), f"{where}.items"),
            )
        )
    return FaqBook(tuple(entries))


@functools.lru_cache(maxsize=8)
def _parse_file(path: str, mtime_ns: int, size: int) -> FaqBook:
    # Keyed on the file's stamp: an edited FAQ is read again, an unchanged one never.
    return parse_faq(Path(path).read_text(encoding="utf-8-sig"), source=path)


def load_faq(path: Path) -> FaqBook:
    """The FAQ in ``path``, read once per version of the file."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(_SETTING, f"cannot read {path}: {exc.strerror}", "./faq.toml") from None
    return _parse_file(str(path), stat.st_mtime_ns, stat.st_size)
