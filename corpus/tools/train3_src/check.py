"""One-off validation of corpus/train3.jsonl: format, labels, mix and tracking check digits."""

from __future__ import annotations

import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bot.carriers import check_digit_ok  # noqa: E402
from bot.intents import CORPUS_TAGS  # noqa: E402
from bot.intents import INTENTS as ALL_INTENTS  # noqa: E402

INTENTS = set(ALL_INTENTS)
TAGS = set(CORPUS_TAGS)
KEYS_REQUIRED = {"id", "subject", "body", "intent", "angry"}
KEYS_ALLOWED = KEYS_REQUIRED | {"also", "tags"}
TWELVE = re.compile(r"(?<![\d-])(\d{4}-?\d{4}-?\d{4})(?![\d-])")
S10 = re.compile(r"\b([A-Z]{2}\d{9}[A-Z]{2})\b")
QUOTE_MARK = re.compile(
    r"^(>|＞)|-----Original Message-----|^差出人:|^From: .*\n(Sent|送信日時)|さんは書きました|wrote:$|^\d{4}年\d+月\d+日.*:$",
    re.M,
)
ORDER_ID = re.compile(r"\d{3}[-ー−‐－]\d{7}[-ー−‐－]\d{7}")


def main() -> int:
    path = ROOT / "corpus" / "train3.jsonl"
    errors: list[str] = []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: {exc}")
    ids = collections.Counter(r["id"] for r in rows)
    bodies = collections.Counter(r["body"] for r in rows)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    errors += [f"duplicate body {b[:30]!r}" for b, c in bodies.items() if c > 1]
    tracking = 0
    warnings: list[str] = []
    for n, r in enumerate(rows, 1):
        keys = set(r)
        if not keys >= KEYS_REQUIRED or not keys <= KEYS_ALLOWED:
            errors.append(f"{r.get('id')}: keys {sorted(keys)}")
        if r["id"] != f"t3-{n:04d}":
            errors.append(f"{r['id']}: id out of sequence")
        if r["intent"] not in INTENTS:
            errors.append(f"{r['id']}: intent {r['intent']}")
        for a in r.get("also", []):
            if a not in INTENTS or a == r["intent"]:
                errors.append(f"{r['id']}: also {a}")
        for t in r.get("tags", []):
            if t not in TAGS:
                errors.append(f"{r['id']}: tag {t}")
        if not isinstance(r["angry"], bool) or not r["body"].strip():
            errors.append(f"{r['id']}: angry/body")
        text = unicodedata.normalize("NFKC", r["subject"] + "\n" + r["body"])
        for m in TWELVE.finditer(text):
            tracking += 1
            num = m.group(1).replace("-", "")
            if not check_digit_ok("yamato", num):
                errors.append(f"{r['id']}: bad 12-digit number {m.group(1)}")
        for m in S10.finditer(text):
            tracking += 1
            if not check_digit_ok("japanpost", m.group(1)):
                errors.append(f"{r['id']}: bad S10 {m.group(1)}")
        has_quote = bool(QUOTE_MARK.search(r["body"]))
        if has_quote != ("quoted" in r.get("tags", [])):
            warnings.append(
                f"{r['id']}: quoted tag {('quoted' in r.get('tags', []))} vs text {has_quote}"
            )
        if "multi" in r.get("tags", []) and not r.get("also"):
            warnings.append(f"{r['id']}: multi without also")
    total = len(rows)
    print(f"records: {total}")
    by_intent = collections.Counter(r["intent"] for r in rows)
    for k in sorted(INTENTS, key=lambda k: -by_intent[k]):
        angry = sum(1 for r in rows if r["intent"] == k and r["angry"])
        eng = sum(1 for r in rows if r["intent"] == k and "english" in r.get("tags", []))
        print(
            f"  {k:17s} {by_intent[k]:4d} {100 * by_intent[k] / total:5.1f}%  angry {angry:3d}  english {eng:3d}"
        )
    tags = collections.Counter(t for r in rows for t in r.get("tags", []))
    print(
        "tags: "
        + ", ".join(
            f"{t} {tags[t]} ({100 * tags[t] / total:.1f}%)"
            for t in sorted(TAGS, key=lambda t: -tags[t])
        )
    )
    angry = sum(r["angry"] for r in rows)
    print(f"angry: {angry} ({100 * angry / total:.1f}%)")
    print(f"with also: {sum(1 for r in rows if r.get('also'))}")
    print(f"with order id: {sum(1 for r in rows if ORDER_ID.search(r['body'] + r['subject']))}")
    print(f"tracking numbers checked: {tracking}")
    lens = sorted(len(r["body"]) for r in rows)
    print(
        f"body length: min {lens[0]} median {lens[total // 2]} max {lens[-1]}; >=600: {sum(1 for x in lens if x >= 600)}"
    )
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
