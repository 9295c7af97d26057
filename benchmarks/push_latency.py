"""Push latency: a buyer mail is delivered; how long until the reply reaches the SMTP server?

Mails are delivered over LMTP one at a time to a running desk (IMAP IDLE in, SMTP out). The
same LMTP transaction also delivers each mail to a second account that only a plain IDLE
observer watches: its delivery → EXISTS time is Dovecot's own notification time (a fixed 0.5 s
delay after the first change it sees), the floor any IDLE client can reach. Times run from the
moment the MTA starts handing the mail over (the start of the LMTP transaction). (Watching the desk's own folder would not
do: the desk's reads touch that folder's index, which restarts Dovecot's notify timer.)

    python benchmarks/push_latency.py [--mails 50]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aioimaplib
from support.harness import (
    DovecotServer,
    SinkProcess,
    buyers,
    desk_settings,
    orders_csv,
    print_table,
    question,
    start_dovecot,
    summary,
    write_results,
)

from bot.mail.imap_connection import tls_context
from bot.orders import import_orders
from bot.service import Desk
from bot.store import open_store

P50_FACTOR = 1.5  # p50 ≤ 1.5 × Dovecot's own notify time
P99_LIMIT = 2.0  # seconds


class Observer:
    """A second IDLE client on the same folder that notes when each EXISTS arrives."""

    def __init__(self, dovecot: DovecotServer) -> None:
        self.dovecot = dovecot
        self.seen: list[float] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: aioimaplib.IMAP4 | None = None

    async def start(self) -> None:
        settings = self.dovecot.mailbox("observer", "watch")
        self._client = aioimaplib.IMAP4(
            host="127.0.0.1",
            port=self.dovecot.imaps_port,
            timeout=10,
            ssl_context=tls_context(settings),
        )
        await self._client.wait_hello_from_server()
        await self._client.login("watch", self.dovecot.password)
        # EXAMINE, as the desk does: SELECT would take \Recent, and that index write of its own
        # starts Dovecot's 0.5 s notify timer early for the next mail.
        await self._client.examine("INBOX")
        self._client.protocol.state = aioimaplib.SELECTED
        await self._client.idle_start(timeout=3000)
        self._task = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        assert self._client is not None
        while True:
            lines = await self._client.wait_server_push(timeout=3000)
            if any(b"EXISTS" in bytes(line) for line in lines):
                self.seen.append(time.time())
                self._changed.set()

    async def next_exists(self, after: int, seconds: float = 10.0) -> float:
        """The time of the first EXISTS after ``after`` were seen."""
        while len(self.seen) <= after:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), seconds)
        return self.seen[after]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._client is not None:
            self._client.idle_done()
            await asyncio.sleep(0.05)


async def main(count: int) -> None:
    logging.basicConfig(level=getattr(logging, os.environ.get("BENCH_LOG", "WARNING")))
    workdir = Path(tempfile.mkdtemp(prefix="madoguchi-push-"))
    dovecot = start_dovecot(workdir)
    sink = SinkProcess()
    observer = Observer(dovecot)
    try:
        port = await sink.start()
        settings = desk_settings(workdir, dovecot, port)
        people = buyers(count + 1)
        store = open_store(settings.database_url)
        await store.migrate()
        await import_orders(
            store, orders_csv(workdir / "orders.csv", people), now=datetime.now(UTC)
        )
        await store.close()

        desk = Desk(settings)
        await desk.start()
        stop = asyncio.Event()
        task = asyncio.create_task(desk.run(stop))
        await observer.start()

        async def deliver_and_wait(n: int) -> tuple[float, float]:
            """Seconds from delivery to Dovecot's EXISTS and to the reply at the sink."""
            wanted = f"<bench{n}@buyer.example.jp>"
            before = len(observer.seen)
            raw = question(people[n], n)
            handed_over = time.time()
            await asyncio.to_thread(dovecot.deliver, ["shop", "watch"], raw)
            notified = await observer.next_exists(before)
            while True:
                hit = [r for r in sink.received if r[2] == wanted]
                if hit:
                    return notified - handed_over, hit[0][0] - handed_over
                await sink.wait_for(len(sink.received) + 1, 30)

        warmup = await deliver_and_wait(count)  # connections opened, caches warm
        notify: list[float] = []
        reply: list[float] = []
        for n in range(count):
            got_notify, got_reply = await deliver_and_wait(n)
            notify.append(got_notify)
            reply.append(got_reply)
            await asyncio.sleep(0.1)
        stop.set()
        await task
        await desk.close()

        n_sum, r_sum = summary(notify), summary(reply)
        p50_ok = r_sum["p50"] <= P50_FACTOR * n_sum["p50"]
        p99_ok = r_sum["p99"] <= P99_LIMIT
        rows = [
            ("mails (one at a time)", f"{count} (+1 warm-up: reply {warmup[1]:.3f} s)"),
            ("Dovecot delivery → EXISTS p50 / p99", f"{n_sum['p50']:.3f} s / {n_sum['p99']:.3f} s"),
            ("desk delivery → reply p50 / p99", f"{r_sum['p50']:.3f} s / {r_sum['p99']:.3f} s"),
            (
                "desk min / mean / max",
                f"{r_sum['min']:.3f} / {r_sum['mean']:.3f} / {r_sum['max']:.3f} s",
            ),
            (
                "target p50 ≤ 1.5 × notify",
                f"{r_sum['p50']:.3f} ≤ {P50_FACTOR * n_sum['p50']:.3f}: {'met' if p50_ok else 'MISSED'}",
            ),
            ("target p99 ≤ 2 s", f"{r_sum['p99']:.3f}: {'met' if p99_ok else 'MISSED'}"),
        ]
        print_table("push latency", rows)
        path = write_results(
            "push_latency",
            {
                "mails": count,
                "notify_seconds": {k: round(v, 4) for k, v in n_sum.items()},
                "reply_seconds": {k: round(v, 4) for k, v in r_sum.items()},
                "p50_target_seconds": round(P50_FACTOR * n_sum["p50"], 4),
                "p99_target_seconds": P99_LIMIT,
                "met": p50_ok and p99_ok,
                "reply_samples": [round(v, 4) for v in reply],
                "notify_samples": [round(v, 4) for v in notify],
            },
        )
        print(f"\nwritten to {path}")
    finally:
        await observer.stop()
        await sink.stop()
        dovecot.remove()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.mails))
