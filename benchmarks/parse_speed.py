"""How fast parse_mail is on typical Japanese mail and on a 1 MB line.

Run: PYTHONPATH=. python benchmarks/parse_speed.py [FIXTURES_DIR]
Prints mails per second; nothing is asserted (timings never go in tests).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.mail.parse import parse_mail

TYPICAL = (
    (
        b"From: =?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?= <buyer@example.com>\r\n"
        b"To: shop@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCR1tBdz51NjcbKEI=?=\r\n"
        b"Date: Wed, 1 May 2024 10:00:00 +0900\r\nMessage-ID: <m@x>\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
    )
    + (
        "お世話になっております。\r\n注文番号249-1234567-1234567の商品がまだ届きません。\r\n"
        "確認をお願いいたします。\r\n\r\n山田\r\n\r\n"
        "2024年5月1日(水) 10:00 ショップ <shop@example.jp>:\r\n> ご注文ありがとうございます。\r\n"
    ).encode("iso2022_jp")
    + b"\x1b$B-!\x1b(B\r\n"
)  # ① (CP50220 only) at the end


def rate(raw: bytes, seconds: float = 1.0) -> tuple[float, int]:
    """Mails per second over about ``seconds`` of repeated parsing."""
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        parse_mail(raw)
        count += 1
    return count / (time.perf_counter() - start), count


def timed(label: str, raw: bytes) -> None:
    start = time.perf_counter()
    parse_mail(raw)
    print(f"{label}: {time.perf_counter() - start:.3f} s")


def main() -> None:
    per_second, _ = rate(TYPICAL)
    print(f"typical ISO-2022-JP reply ({len(TYPICAL)} bytes): {per_second:,.0f} mails/s")
    if len(sys.argv) > 1:
        files = [p for p in Path(sys.argv[1]).rglob("*") if p.is_file() and p.suffix != ".md"]
        blobs = [p.read_bytes() for p in files if p.name != "MANIFEST.tsv"]
        start = time.perf_counter()
        for _ in range(5):
            for blob in blobs:
                parse_mail(blob)
        elapsed = time.perf_counter() - start
        print(f"shared fixtures ({len(blobs)} files x5): {5 * len(blobs) / elapsed:,.0f} mails/s")
    line = b"a" * 1_000_000
    timed("1 MB line in the body", b"Subject: x\r\n\r\n" + line + b"\r\n")
    timed("1 MB line in the Subject", b"Subject: " + line + b"\r\n\r\nbody\r\n")
    jis_line = b"\x1b$B" + b"F|K\\" * 250_000 + b"\x1b(B"
    timed(
        "1 MB ISO-2022-JP line",
        b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n" + jis_line + b"\r\n",
    )
    html = b"<div>" + "届きません".encode() * 100_000 + b"<br>" * 1000 + b"</div>"
    timed("1.5 MB HTML-only mail", b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html)


if __name__ == "__main__":
    main()
