"""Validate ``corpus/train2.jsonl``: run from the repo root with ``PYTHONPATH=.``.

Checks that every line parses, has the right keys and values, that ids and bodies are
unique, that tagged registers really show (half-width kana, English), and that every
tracking number in a body has a valid check digit. Prints counts per intent and tag.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from bot.carriers import check_digit_ok
from bot.intents import CORPUS_TAGS
from bot.intents import INTENTS as ALL_INTENTS

PATH = Path(__file__).resolve().parents[2] / "train2.jsonl"
INTENTS = set(ALL_INTENTS)
TAGS = set(CORPUS_TAGS)
KEYS = {"id", "subject", "body", "intent", "also", "angry", "tags"}
REQUIRED = {"id", "subject", "body", "intent", "angry"}
HALFWIDTH = re.compile(r"[\uff61-\uff9f]")
KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# 12 digits, optionally written 4-4-4 with hyphens; not part of a longer digit run.
TWELVE = re.compile(r"(?<![\d-])(\d{4}-?\d{4}-?\d{4})(?![\d-])")
S10 = re.compile(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b")
ORDER_ID = re.compile(r"\d{3}[-－ー−‐]\d{7}[-－ー−‐]\d{7}")


def check(lines: list[str]) -> list[str]:
    """Return the list of problems found; also prints the statistics."""
    problems: list[str] = []
    ids: set[str] = set()
    bodies: dict[str, str] = {}
    intents: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    also: Counter[str] = Counter()
    angry_by_intent: Counter[str] = Counter()
    english_by_intent: Counter[str] = Counter()
    tracking = 0
    order_ids = 0
    angry = 0
    lengths: list[int] = []
    for number, line in enumerate(lines, start=1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: bad JSON {exc}")
            continue
        rid = rec.get("id", f"line {number}")
        if not rec.keys() >= REQUIRED or not rec.keys() <= KEYS:
            problems.append(f"{rid}: keys {sorted(rec)}")
        if not re.fullmatch(r"t2-\d{4}", str(rec.get("id"))):
            problems.append(f"{rid}: bad id")
        if rid in ids:
            problems.append(f"{rid}: duplicate id")
        ids.add(rid)
        body = rec.get("body", "")
        if not isinstance(body, str) or not body.strip():
            problems.append(f"{rid}: empty body")
        elif body in bodies:
            problems.append(f"{rid}: same body as {bodies[body]}")
        else:
            bodies[body] = rid
        if not isinstance(rec.get("subject"), str):
            problems.append(f"{rid}: subject not a string")
        intent = rec.get("intent")
        if intent not in INTENTS:
            problems.append(f"{rid}: bad intent {intent}")
        intents[intent] += 1
        for other in rec.get("also", []):
            if other not in INTENTS or other == intent:
                problems.append(f"{rid}: bad also {other}")
            also[other] += 1
        if "also" in rec and not rec["also"]:
            problems.append(f"{rid}: empty also")
        if not isinstance(rec.get("angry"), bool):
            problems.append(f"{rid}: angry not bool")
        if rec.get("angry"):
            angry += 1
            angry_by_intent[intent] += 1
        for tag in rec.get("tags", []):
            if tag not in TAGS:
                problems.append(f"{rid}: bad tag {tag}")
            tags[tag] += 1
        rec_tags = set(rec.get("tags", []))
        if "halfwidth" in rec_tags and not HALFWIDTH.search(body + rec["subject"]):
            problems.append(f"{rid}: tagged halfwidth without half-width kana")
        if HALFWIDTH.search(body) and "halfwidth" not in rec_tags:
            problems.append(f"{rid}: half-width kana but no halfwidth tag")
        if "english" in rec_tags:
            english_by_intent[intent] += 1
            new_text = body.split("\n\n")[0] if "quoted" in rec_tags else body
            if KANA_KANJI.search(new_text):
                problems.append(f"{rid}: tagged english but has Japanese in the new text")
        if "question_in_thanks" in rec_tags and intent == "thanks":
            problems.append(f"{rid}: question_in_thanks labelled thanks")
        for match in TWELVE.finditer(body):
            digits = match.group(1).replace("-", "")
            tracking += 1
            if not check_digit_ok("yamato", digits):
                problems.append(f"{rid}: bad 12-digit tracking {digits}")
        for match in S10.finditer(body):
            tracking += 1
            if not check_digit_ok("japanpost", match.group(0)):
                problems.append(f"{rid}: bad S10 {match.group(0)}")
        order_ids += len(ORDER_ID.findall(body))
        lengths.append(len(body))

    total = len(lines)
    print(f"records: {total}")
    print("intents:")
    for name, count in intents.most_common():
        print(
            f"  {name:17} {count:4}  {count / total:5.1%}  angry {angry_by_intent[name]:3}  english {english_by_intent[name]:3}"
        )
    print(f"angry: {angry} ({angry / total:.1%})")
    print(f"english: {tags['english']} ({tags['english'] / total:.1%})")
    print("tags:")
    for name, count in tags.most_common():
        print(f"  {name:19} {count:4}  {count / total:5.1%}")
    print("also:", dict(also.most_common()))
    print(f"tracking numbers checked: {tracking}; order ids seen: {order_ids}")
    lengths.sort()
    print(
        f"body length: min {lengths[0]}, median {lengths[len(lengths) // 2]}, max {lengths[-1]}, >=600: {sum(n >= 600 for n in lengths)}"
    )
    return problems


def main() -> int:
    lines = PATH.read_text(encoding="utf-8").splitlines()
    problems = check(lines)
    for problem in problems:
        print("PROBLEM", problem)
    print(f"problems: {len(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
