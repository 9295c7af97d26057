"""Throughput of ``madoguchi classify`` (``classify_records``) against bare fugashi tokenising.

    PYTHONPATH=. python benchmarks/classify_speed.py [--mails 20000]

Builds N mails of realistic length from the corpus (subject + body as written, quotes and
signatures included), then in one process times bare tokenising of the same texts
(``[w.feature_raw for w in tagger(text)]``) and ``classify_records`` over them. A separate
process classifies the same mails and reports its peak RSS. Prints a table and writes
``benchmarks/results/classify_speed.json``. Targets: classify ≥ 0.5 × the bare rate,
peak RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = [ROOT / "corpus" / "train.jsonl", ROOT / "corpus" / "dev.jsonl"]
RESULTS = ROOT / "benchmarks" / "results" / "classify_speed.json"


def build_mails(count: int) -> list[dict[str, Any]]:
    """``count`` classify input records cycled from the corpus files, each with its own id."""
    texts: list[dict[str, Any]] = []
    for path in CORPUS:
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                texts += [json.loads(line) for line in lines if line.strip()]
    if not texts:
        raise SystemExit("no corpus found under corpus/: nothing realistic to measure")
    return [
        {"id": f"bench-{i}", "subject": texts[i % len(texts)].get("subject") or "",
         "body": texts[i % len(texts)]["body"]}
        for i in range(count)
    ]  # fmt: skip


def _child(count: int) -> None:
    """Run classify over the mails and print this process's peak RSS in MB."""
    from bot.nlp.batch import classify_records

    for _ in classify_records(build_mails(count)):
        pass
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        _child(args.mails)
        return
    from bot.nlp.batch import classify_records
    from bot.nlp.tokens import tagger

    mails = build_mails(args.mails)
    texts = [f"{m['subject']}\n{m['body']}" for m in mails]
    chars = sum(len(t) for t in texts)
    tag = tagger()
    list(classify_records(mails[:200]))  # warm up: model and dictionary loaded

    start = time.perf_counter()
    for text in texts:
        [w.feature_raw for w in tag(text)]
    bare = time.perf_counter() - start

    start = time.perf_counter()
    for _ in classify_records(mails):
        pass
    classify = time.perf_counter() - start

    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", "--mails", str(args.mails)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    rss = float(child.stdout.strip().splitlines()[-1])
    result = {
        "mails": args.mails,
        "mean_chars": round(chars / len(texts), 1),
        "bare_fugashi_per_s": round(args.mails / bare, 1),
        "classify_per_s": round(args.mails / classify, 1),
        "ratio_to_bare": round(bare / classify, 3),
        "classify_peak_rss_mb": round(rss, 1),
        "targets": {"ratio_to_bare": 0.5, "classify_peak_rss_mb": 150},
    }
    print(f"{'measure':<28}{'value':>12}")
    for key in ("mails", "mean_chars", "bare_fugashi_per_s", "classify_per_s", "ratio_to_bare",
                "classify_peak_rss_mb"):  # fmt: skip
        print(f"{key:<28}{result[key]:>12}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
