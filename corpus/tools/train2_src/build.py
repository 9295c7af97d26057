"""Assemble ``corpus/train2.jsonl`` from the hand-written blocks in this folder.

Run from the repo root: ``python corpus/tools/train2_src/build.py``.

Each ``*.txt`` file holds blocks. A block starts with a header line
``### <intent> [+<also> ...] [!] [<tag> ...]`` (``!`` marks an angry mail), then one
``S: <subject>`` line, then the body up to the next header. Lines starting with ``#`` before
the first header are comments. Every sentence is written by hand; this script only numbers
the blocks, shuffles them with a fixed seed and writes JSON lines.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent
OUT = SRC.parents[1] / "train2.jsonl"
SEED = 20261124  # fixed so the ids stay stable between builds


def parse_header(line: str, where: str) -> dict[str, Any]:
    """Turn ``### intent +also ! tag`` into the label fields of one record."""
    parts = line[3:].split()
    if not parts:
        raise ValueError(f"{where}: empty header")
    intent, rest = parts[0], parts[1:]
    also = [p[1:] for p in rest if p.startswith("+")]
    angry = "!" in rest
    tags = [p for p in rest if not p.startswith("+") and p != "!"]
    record: dict[str, Any] = {"intent": intent}
    if also:
        record["also"] = also
    record["angry"] = angry
    if tags:
        record["tags"] = tags
    return record


def parse_file(path: Path) -> list[dict[str, Any]]:
    """All blocks of one source file, in file order, without ids."""
    records: list[dict[str, Any]] = []
    header: dict[str, Any] | None = None
    lines: list[str] = []

    def close() -> None:
        if header is None:
            return
        if not lines or not lines[0].startswith("S:"):
            raise ValueError(f"{path.name}: block without S: line after {header}")
        subject = lines[0][2:].strip()
        body = "\n".join(lines[1:]).strip("\n")
        if not body.strip():
            raise ValueError(f"{path.name}: empty body for subject {subject!r}")
        records.append({"subject": subject, "body": body, **header})

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.startswith("### "):
            close()
            header = parse_header(raw, f"{path.name}:{number}")
            lines = []
        elif header is not None:
            lines.append(raw.rstrip())
    close()
    return records


def build() -> list[dict[str, Any]]:
    """Every block of every source file, shuffled once and numbered ``t2-0001``…"""
    blocks: list[dict[str, Any]] = []
    for path in sorted(SRC.glob("*.txt")):
        blocks.extend(parse_file(path))
    random.Random(SEED).shuffle(blocks)
    out = []
    for index, block in enumerate(blocks, start=1):
        record = {"id": f"t2-{index:04d}", **block}
        # Key order as in GUIDELINES.md.
        ordered = {
            k: record[k]
            for k in ("id", "subject", "body", "intent", "also", "angry", "tags")
            if k in record
        }
        out.append(ordered)
    return out


def main() -> int:
    records = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
