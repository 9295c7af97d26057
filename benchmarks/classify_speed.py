"""Throughput of ``madoguchi classify`` (``classify_records``) against bare fugashi tokenising.

    PYTHONPATH=. python benchmarks/classify_speed.py [--mails 20000]

Builds N mails of realistic length from the training corpus (subject + body as written,
quotes and signatures included), then in one process times bare tokenising of the same texts
(``[w.feature_raw for w in tagger(text)]``) and ``classify_records`` over them. Separate
processes classify (or only tokenise) the same mails and report their peak RSS. Prints a
table and writes ``benchmarks/results/classify_speed.json``. Targets: classify ≥ 0.5 × the
bare rate, peak RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = [ROOT / "corpus" / "train.jsonl"]
RESULTS = ROOT / "benchmarks" / "results" / "classify_speed.json"


def _corpus() -> list[dict[str, Any]]:
    texts: list[dict[str, Any]] = []
    for path in CORPUS:
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                texts += [json.loads(line) for line in lines if line.strip()]
    if not texts:
        raise SystemExit("no corpus found under corpus/: nothing realistic to measure")
    return texts


def iter_mails(count: int) -> Iterator[dict[str, Any]]:
    """``count`` classify input records cycled from the corpus, each with its own id."""
    texts = _corpus()
    for i in range(count):
        text = texts[i % len(texts)]
        yield {"id": f"bench-{i}", "subject": text.get("subject") or "", "body": text["body"]}


def _child(count: int, bare: bool) -> None:
    """Classify (or only tokenise) the mails and print this process's peak RSS in MB."""
    if bare:
        from bot.nlp.tokens import tagger

        tag = tagger()
        for mail in iter_mails(count):
            [w.feature_raw for w in tag(f"{mail['subject']}\n{mail['body']}")]
    else:
        from bot.nlp.batch import classify_records

        # Streamed, as `madoguchi classify --jsonl` reads its input line by line.
        for _ in classify_records(iter_mails(count)):
            pass
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _peak_rss(count: int, bare: bool) -> float:
    command = [sys.executable, __file__, "--rss-child", "--mails", str(count)]
    if bare:
        command.append("--bare")
    child = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return float(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        _child(args.mails, args.bare)
        return
    from bot.nlp.batch import classify_records
    from bot.nlp.tokens import tagger

    mails = list(iter_mails(args.mails))
    texts = [f"{m['subject']}\n{m['body']}" for m in mails]
    tag = tagger()
    list(classify_records(mails[:200]))  # warm up: model, cue table and dictionary loaded

    start = time.perf_counter()
    for text in texts:
        [w.feature_raw for w in tag(text)]
    bare = time.perf_counter() - start

    start = time.perf_counter()
    for _ in classify_records(mails):
        pass
    classify = time.perf_counter() - start

    result = {
        "mails": args.mails,
        "mean_chars": round(sum(len(t) for t in texts) / len(texts), 1),
        "bare_fugashi_per_s": round(args.mails / bare, 1),
        "classify_per_s": round(args.mails / classify, 1),
        "ratio_to_bare": round(bare / classify, 3),
        "classify_peak_rss_mb": round(_peak_rss(args.mails, bare=False), 1),
        # The tagger maps its dictionary: most of the RSS is its pages, touched by any use.
        "bare_fugashi_peak_rss_mb": round(_peak_rss(args.mails, bare=True), 1),
        "targets": {"ratio_to_bare": 0.5, "classify_peak_rss_mb": 150},
    }
    print(f"{'measure':<28}{'value':>12}")
    for key, value in result.items():
        if key != "targets":
            print(f"{key:<28}{value:>12}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
