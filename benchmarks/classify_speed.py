"""Throughput and memory of ``madoguchi classify`` against bare fugashi tokenising.

    PYTHONPATH=. python benchmarks/classify_speed.py [--mails 20000] [--rounds 3]

Builds N mails of realistic length from the training corpora (subject + body as written,
quotes and signatures included) and writes them to a temporary JSON-lines file. Then:

- speed, in one process: bare tokenising of the same texts with a plain ``fugashi.Tagger``
  (``[w.feature_raw for w in tagger(text)]`` on ``subject\\nbody``) and ``classify_records``
  over the records, taking turns every 250 mails, for ``--rounds`` rounds; the round with the
  median ratio counts (every round's ratio is printed too, in order). The first round is the
  one that meets every mail for the first time, as a single ``madoguchi classify`` over the
  file does (``ratio_first_round``); later rounds find the mails' words in the classifier's
  caches of token lines and subjects already. Time is this process's CPU time
  (both sides are single-threaded): on a shared machine wall time also counts the other
  processes' turns, and even CPU time drifts by a factor of two within a minute there, which
  whole passes timed one after the other turned into ratios from 0.28 to 0.56;
- peak RSS: ``python -m bot classify --jsonl FILE`` run as a child process writing to
  /dev/null, and a child that only tokenises the file's mails the bare way; each peak is the
  child's own ``ru_maxrss`` from ``wait4`` (the parent, which holds the corpus, is not counted).
  Most of either peak is the dictionary's mapped file pages. Just after ``pip install`` the
  kernel may still hold those pages in large page-cache blocks that count whole once touched
  (both peaks then read about 280 MB); drop the cache (``sync; echo 3 >
  /proc/sys/vm/drop_caches``) or measure after a restart for the steady figure.

Prints a table and writes ``benchmarks/results/classify_speed.json``. Targets: classify ≥ 0.5
× the bare rate, peak RSS of the classify command ≤ 150 MB. Whether the classifier ran from
its compiled build (``make native``, :mod:`bot.nlp.native`) or from its sources is part of
the result; ``MADOGUCHI_NATIVE=0`` measures the sources when a build is present.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Every writer's file: 15,628 different mails, so 20,000 repeat only part of them (two files
# cycled ten times let the classifier's caches of token lines and subjects see each mail's
# words again and again, which a desk's stream does not).
CORPUS = sorted((ROOT / "corpus").glob("train*.jsonl"))
CHUNK = 250
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


def _bare_tagger() -> Any:
    import fugashi
    import unidic_lite

    return fugashi.Tagger(f'-d "{unidic_lite.DICDIR}" -r "{unidic_lite.DICDIR}/mecabrc"')


def _bare_child(path: Path) -> None:
    """Tokenise every mail of the file the bare way, streaming it line by line."""
    tag = _bare_tagger()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            mail = json.loads(line)
            [w.feature_raw for w in tag(f"{mail['subject']}\n{mail['body']}")]


def _peak_rss_mb(command: list[str]) -> float:
    """Run ``command`` with its output discarded; its own peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(command, stdout=sink, cwd=ROOT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{command} exited {child.returncode}")
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="corpus file(s) to cycle (default: every corpus/train*.jsonl)",
    )
    parser.add_argument("--bare-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.corpus:
        CORPUS[:] = [path.resolve() for path in args.corpus]
    if args.bare_child:
        _bare_child(args.bare_child)
        return
    # The children are started while this process is still small: Linux counts the parent's
    # peak into a child's ru_maxrss when the child is spawned (vfork) before its exec.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mails.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for mail in iter_mails(args.mails):
                out.write(json.dumps(mail, ensure_ascii=False) + "\n")
        classify_rss = _peak_rss_mb([sys.executable, "-m", "bot", "classify", "--jsonl", str(path)])
        bare_rss = _peak_rss_mb([sys.executable, __file__, "--bare-child", str(path)])

    from bot.nlp import native
    from bot.nlp.batch import classify_records

    mails = list(iter_mails(args.mails))
    texts = [f"{m['subject']}\n{m['body']}" for m in mails]
    tag = _bare_tagger()
    list(classify_records(mails[:200]))  # warm up: model, cue table and dictionary loaded
    clock = time.process_time
    # Paired: the two sides take turns every CHUNK mails, so both meet the same machine (on a
    # shared host the CPU's speed drifts by a factor of two within a minute, and whole passes
    # timed apart compared different machines). Each round's ratio is its two sums' ratio; the
    # median round counts.
    rounds: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        bare_sum = classify_sum = 0.0
        for first in range(0, len(mails), CHUNK):
            start = clock()
            for text in texts[first : first + CHUNK]:
                [w.feature_raw for w in tag(text)]
            middle = clock()
            for _ in classify_records(mails[first : first + CHUNK]):
                pass
            bare_sum += middle - start
            classify_sum += clock() - middle
        rounds.append((bare_sum, classify_sum))
    # The first round meets every mail for the first time (as one ``madoguchi classify`` over
    # 20,000 mails does); later rounds find each mail's words already in the caches.
    first = rounds[0][0] / rounds[0][1]
    bare, classify = sorted(rounds, key=lambda r: r[0] / r[1])[len(rounds) // 2]

    result = {
        "mails": args.mails,
        "mean_chars": round(sum(len(t) for t in texts) / len(texts), 1),
        "clock": "process_cpu",
        "compiled_build": native.in_use(),
        "bare_fugashi_per_s": round(args.mails / bare, 1),
        "classify_per_s": round(args.mails / classify, 1),
        "ratio_to_bare": round(bare / classify, 3),
        "ratio_each_round": " ".join(f"{b / c:.3f}" for b, c in rounds),
        "ratio_first_round": round(first, 3),
        "classify_command_peak_rss_mb": round(classify_rss, 1),
        # Any use of the tagger maps its dictionary: most of the RSS is the dictionary's pages.
        "bare_fugashi_peak_rss_mb": round(bare_rss, 1),
        "targets": {"ratio_to_bare": 0.5, "classify_command_peak_rss_mb": 150},
    }
    print(f"{'measure':<30}{'value':>12}")
    for key, value in result.items():
        if key != "targets":
            print(f"{key:<30}{value:>12}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
