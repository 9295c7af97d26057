"""Check corpus/trainN.jsonl against the mix in corpus/GUIDELINES.md and list it for rereading.

PYTHONPATH=. .venv/bin/python corpus/tools/written_check.py train4          # figures
PYTHONPATH=. .venv/bin/python corpus/tools/written_check.py train4 INTENT   # reread one intent
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS.parents[1]))

from bot.intents import INTENTS  # noqa: E402

WANTED_TAGS = ["quoted", "signature", "halfwidth", "multi", "question_in_thanks", "negation"]


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: written_check.py trainN [INTENT ... [-a]]", file=sys.stderr)
        return 2
    path = TOOLS.parent / f"{argv.pop(0)}.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if argv:
        for r in records:
            if r["intent"] in argv or (set(r.get("also", [])) & set(argv) and "-a" in argv):
                flags = ("!" if r["angry"] else "") + "+".join([r["intent"], *r.get("also", [])])
                print(f"=== {r['id']} {flags} {r.get('tags', [])}\n[{r['subject']}]\n{r['body']}\n")
        return 0
    problems = []
    seen: dict[str, str] = {}
    for r in records:
        key = r["subject"] + "\n" + r["body"]
        if key in seen:
            problems.append(f"duplicate: {r['id']} = {seen[key]}")
        seen[key] = r["id"]
        tags = r.get("tags", [])
        if "multi" in tags and not r.get("also"):
            problems.append(f"{r['id']}: multi without also")
        if r["intent"] == "thanks" and r.get("also"):
            problems.append(f"{r['id']}: thanks with also")
        if "question_in_thanks" in tags and r["intent"] == "thanks":
            problems.append(f"{r['id']}: question_in_thanks labelled thanks")
    n = len(records)
    ambiguous = sum(bool(r.get("also")) and "multi" not in r.get("tags", []) for r in records)
    print(f"{ambiguous} messages with an ambiguous boundary (also, not multi)")
    intents = Counter(r["intent"] for r in records)
    print(f"{n} messages")
    for intent in INTENTS:
        print(f"  {intent:17} {intents[intent]:4}  {intents[intent] / n:6.1%}")
        if intents[intent] / n < 0.06:
            problems.append(f"{intent} under 6 %")
    auto = intents["shipping_status"] + intents["invoice"]
    print(f"  shipping_status + invoice: {auto / n:.1%}")
    tags = Counter(t for r in records for t in r.get("tags", []))
    angry = sum(r["angry"] for r in records)
    print(f"  angry {angry} ({angry / n:.1%})")
    angry_by = Counter(r["intent"] for r in records if r["angry"])
    print("   ", dict(angry_by.most_common()))
    for tag, count in sorted(tags.items(), key=lambda kv: -kv[1]):
        print(f"  tag {tag:19} {count:4}  {count / n:6.1%}")
    for tag in WANTED_TAGS:
        if tags[tag] / n < 0.05:
            problems.append(f"tag {tag} under 5 %")
    if not 0.08 <= tags["english"] / n <= 0.13:
        problems.append("english share off 10 %")
    lengths = sorted(len(r["body"]) for r in records)
    print(f"  body length min {lengths[0]} median {lengths[n // 2]} max {lengths[-1]}")
    print(f"  bodies >= 600 chars: {sum(x >= 600 for x in lengths)}")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
