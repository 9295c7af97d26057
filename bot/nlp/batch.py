"""``madoguchi classify --jsonl``: classify many mails, one output line per input line."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.mail.quotes import new_text
from bot.nlp.classify import classify_line
from bot.nlp.dictpages import keep_within, resident_bytes
from bot.nlp.understanding import Understanding

# How often a batch checks its memory (reading /proc costs ~10 µs; a mail ~150 µs).
_MEMORY_CHECK_EVERY = 16
# The longest gap between two checks when releasing does not keep the process within its
# allowance (see classify_records).
_MEMORY_CHECK_MAX = 1024
# What a batch may add to the process's resident memory: the tagger's trie, word table and
# connection matrix (~70 MB once varied text has touched them), the model, the caches, and
# some room for the dictionary's feature pages between two checks. Below what the tagger
# keeps needing, every check releases pages the next mails fault back in and the checks grow
# rare (see classify_records), so the peak is higher, not lower: over 12,153 different mails
# an allowance of 90 MB peaked at 157 MB, 95 MB at 149 MB, 105 MB at 138 MB (the same as
# over two writers' 2,000 mails), 120 MB at 150 MB.
_ALLOWANCE = 105 * 1024 * 1024
# Allocations between collections of the young generation while mails are classified (the
# default is 700): each mail makes thousands of short-lived objects and almost no cycles, so
# most are freed by their reference counts before a rarer collection has to trace them.
GC_YOUNG_THRESHOLD = 20_000


def _invalid(item_id: Any, problem: str) -> dict[str, Any]:
    result = Understanding(
        intent="other",
        confidence=0.0,
        angry=False,
        action="handoff",
        evidence=[f"invalid input: {problem}"],
    )
    return result.to_contract(item_id)


def classify_record(record: object) -> dict[str, Any]:
    """One input record (``id``, ``subject``, ``body``) as one ``madoguchi classify`` line."""
    if not isinstance(record, dict):
        return _invalid(None, f"expected a JSON object, got {type(record).__name__}")
    item_id = record.get("id")
    if isinstance(record.get("_invalid"), str):
        # The reader could not parse the line (the CLI passes its reason through).
        return _invalid(item_id, record["_invalid"])
    subject = record.get("subject", "")
    body = record.get("body")
    if subject is None:
        subject = ""
    if not isinstance(body, str):
        return _invalid(item_id, "body must be a string" if body is not None else "no body")
    if not isinstance(subject, str):
        return _invalid(item_id, "subject must be a string")
    try:
        return classify_line(subject, new_text(body), item_id)
    except Exception as exc:  # one bad mail must not stop a batch of thousands
        return _invalid(item_id, f"could not be classified ({type(exc).__name__})")


def classify_records(records: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Classify each record in order; a malformed one yields an ``other``/``handoff`` line.

    Every few dozen records the process is kept within its resident size at the start plus
    an allowance, by dropping the tagger's dictionary feature pages when over it
    (:mod:`bot.nlp.dictpages`): thousands of varied mails otherwise map ~140 MB of dictionary.
    The young generation is collected less often meanwhile (see GC_YOUNG_THRESHOLD), as in
    the desk (:mod:`bot.service`); the thresholds are set back when the batch ends.
    """
    with young_collections_rarer():
        yield from _classified_within_memory(records)


@contextmanager
def young_collections_rarer() -> Iterator[None]:
    """Collect the young generation every :data:`GC_YOUNG_THRESHOLD` allocations meanwhile
    (a collector turned off stays off), and set the thresholds back afterwards."""
    thresholds = gc.get_threshold()
    if 0 < thresholds[0] < GC_YOUNG_THRESHOLD:
        gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _classified_within_memory(records: Iterable[Any]) -> Iterator[dict[str, Any]]:
    start = resident_bytes()
    interval = _MEMORY_CHECK_EVERY
    next_check = 0
    released_last = False
    for count, record in enumerate(records):
        if start is not None and count >= next_check:
            released = keep_within(start + _ALLOWANCE)
            # Over the limit again at the check right after a release: what the tagger needs
            # for every text is itself more than the allowance (a kernel that maps whole large
            # page-cache folios maps most of the dictionary at the first text), and releasing
            # only makes each text fault the same pages back in. Check ever less often then.
            if released and released_last:
                interval = min(2 * interval, _MEMORY_CHECK_MAX)
            elif not released:
                interval = _MEMORY_CHECK_EVERY
            released_last = released
            next_check = count + interval
        yield classify_record(record)
