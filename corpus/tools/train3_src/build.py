"""Assemble corpus/train3.jsonl from the hand-written message blocks in this folder.

Each ``*.txt`` file holds blocks:

    @@ intent [+also ...] [!] [tag ...]
    subject line (a lone ``~`` means an empty subject)
    body lines ...

``!`` marks angry. ``english``, ``halfwidth`` and ``long`` are derived from the text so they
stay consistent; every other tag is written by hand.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent.parent / "train3.jsonl"
sys.path.insert(0, str(HERE.parents[2]))  # the repository, for bot.intents

from bot.intents import CORPUS_TAGS  # noqa: E402

HALFWIDTH = re.compile(r"[\uff61-\uff9f]")
LATIN = re.compile(r"[A-Za-z]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")
TAG_ORDER = list(CORPUS_TAGS)


def is_english(text: str) -> bool:
    """English when Latin letters far outnumber Japanese characters (names may stay Japanese)."""
    latin = len(LATIN.findall(text))
    ja = len(JAPANESE.findall(text))
    return latin > 40 and ja * 6 < latin


def parse_blocks(text: str, source: str) -> list[dict[str, object]]:
    """Split one source file into labelled records (without ids)."""
    records: list[dict[str, object]] = []
    chunks = re.split(r"^@@ ", text, flags=re.M)
    for chunk in chunks[1:]:
        head, _, rest = chunk.partition("\n")
        subject, _, body = rest.partition("\n")
        words = head.split()
        intent = words[0]
        also = [w[1:] for w in words[1:] if w.startswith("+")]
        angry = "!" in words[1:]
        tags = {w for w in words[1:] if not w.startswith("+") and w != "!"}
        body = body.rstrip("\n ")
        subject = "" if subject.strip() == "~" else subject.rstrip()
        full = subject + "\n" + body
        if HALFWIDTH.search(full):
            tags.add("halfwidth")
        if is_english(body):
            tags.add("english")
            tags.discard("keigo")  # keigo is a Japanese register; formal English is not tagged
        if len(body) >= 400:
            tags.add("long")
        rec: dict[str, object] = {"subject": subject, "body": body, "intent": intent}
        if also:
            rec["also"] = also
        rec["angry"] = angry
        if tags:
            rec["tags"] = [t for t in TAG_ORDER if t in tags] + sorted(tags - set(TAG_ORDER))
        rec["_src"] = source
        records.append(rec)
    return records


def main() -> int:
    """Read every block file, shuffle with a fixed seed, number the ids and write the JSONL."""
    records: list[dict[str, object]] = []
    for path in sorted(HERE.glob("*.txt")):
        records.extend(parse_blocks(path.read_text(encoding="utf-8"), path.name))
    random.Random(20261125).shuffle(records)
    with OUT.open("w", encoding="utf-8") as fh:
        for i, rec in enumerate(records, 1):
            rec.pop("_src")
            line = {"id": f"t3-{i:04d}", **rec}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
