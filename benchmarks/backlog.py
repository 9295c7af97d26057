"""Backlog: N buyer mails wait in the mailbox when the desk starts; how long until all answered?

Beside it, in the same run, the raw rate of sending the same number of replies with aiosmtplib
over one connection to the same SMTP server: the ceiling the desk is measured against. It is
measured just before the desk starts and again just after it is done, and the mean of the two
counts (a shared host's speed drifts within a minute; both are printed).

    python benchmarks/backlog.py [--mails 2000] [--database URL] [--workers N]
                                 [--analysis-processes N] [--mail-on-disk]

``--database`` must name an empty database (e.g. ``psql -h 127.0.0.1 -U postgres -c 'CREATE
DATABASE bench'`` and ``postgresql+asyncpg://postgres@127.0.0.1:5432/bench``).

Dovecot keeps its mail on tmpfs (``/dev/shm``) unless ``--mail-on-disk`` is given. On the
ext4 of the machines this was measured on (no journal), creating a file cost the kernel
0.6-0.8 ms of CPU once many files had been deleted before (``perf`` shows it in the inode
allocator's ``recently_deleted``), and Dovecot creates one per copy filed in Sent: 0.8 ms per
reply of the mail server's CPU, taken from the two CPUs the desk and the SMTP server share
here. A shop's mail server does not run on the desk's CPUs; with ``--mail-on-disk`` the
figure includes that cost too. The table shows the CPU each party spent per reply, and the
rest of the machine's busy time; when other work kept a fifth of a CPU or more busy during
the run, a note says the ratio is not the desk's alone (two CPUs are shared by everyone here).

``BENCH_PROFILE=FILE`` writes a cProfile of the desk process (this one) while it works
(``python -m pstats FILE``); the profiler's own cost slows it, so rates are not comparable then.

With ``--workers N`` the desk runs as N processes sharing the store, as the README's
"Scaling out" describes: this one with every role, and N-1 extra ``madoguchi run`` processes
with ``MADOGUCHI_ROLES=decide,send``. The clock starts when every process is running, as for
a desk that was already up when the backlog is let in: this process's desk is built and
started before it, and so are the extra workers (each has logged ``event=desk.start``; they
have no mailbox to read, so they have done no work yet). Starting a desk with the decide role
loads the classifier (model, tagger, dictionary) and, with ``MADOGUCHI_ANALYSIS_PROCESSES``
(``auto``: one on a machine with more than one CPU), starts its analysis helpers, each
loading the classifier too; everything after that (opening SMTP and IMAP connections, the
first reads) is timed in every process. The table names the helpers beside the processes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib
from support.harness import (
    HERE,
    ROOT,
    CpuShares,
    DovecotServer,
    SinkProcess,
    buyers,
    child_pids,
    desk_settings,
    orders_csv,
    print_table,
    question,
    server_pids,
    start_dovecot,
    tmpfs_folder,
    write_results,
)

from bot.config import Settings
from bot.mail.compose import compose, make_message_id, reply_subject
from bot.orders import import_orders
from bot.service import Desk
from bot.store import open_store

TARGET = 0.5  # the desk should reach half the raw send rate
BUSY_ELSEWHERE = 0.2  # CPUs kept busy by other work during the run before a note says so


async def raw_send_rate(port: int, sink: SinkProcess, count: int) -> float:
    """Replies per second that aiosmtplib alone delivers over one connection."""
    replies = [
        compose(
            from_name="ミライ雑貨店",
            from_addr="shop@mirai-zakka.example.jp",
            to=f"b{i:014d}@marketplace.amazon.co.jp",
            subject=reply_subject("配送状況について"),
            body="お問い合わせいただきありがとうございます。\n" * 12,
            message_id=make_message_id(f"raw:{i}", "mirai-zakka.example.jp"),
            date=datetime.now(UTC),
            in_reply_to=f"<raw{i}@buyer.example.jp>",
        )
        for i in range(count)
    ]
    before = len(sink.received)
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    start = time.time()
    await client.connect()
    for i, raw in enumerate(replies):
        await client.sendmail(
            "shop@mirai-zakka.example.jp", [f"b{i:014d}@marketplace.amazon.co.jp"], raw
        )
    await client.quit()
    await sink.wait_for(before + count, 120)
    return count / (sink.received[-1][0] - start)


def _profiler() -> cProfile.Profile | None:
    """With ``BENCH_PROFILE=FILE``, a cProfile of this desk process while it works the backlog.

    It counts the event loop thread's CPU time (``BENCH_PROFILE_CLOCK=wall`` for wall time,
    which on a busy machine also counts the moments the process was not running).
    """
    if not os.environ.get("BENCH_PROFILE"):
        return None
    wall = os.environ.get("BENCH_PROFILE_CLOCK") == "wall"
    profiler = cProfile.Profile(time.perf_counter if wall else time.thread_time)
    profiler.enable()
    return profiler


async def _sampler() -> asyncio.subprocess.Process | None:
    """With ``BENCH_SAMPLER="CMD ..."``, a sampling profiler attached to this process meanwhile.

    The command is given ``--pid <this process>`` and stopped with SIGINT when all are answered,
    e.g. ``BENCH_SAMPLER="py-spy record -r 200 -f raw -o desk.txt"`` (py-spy is not a
    dependency of the project; install it where you like). It costs little CPU of its own.
    """
    command = os.environ.get("BENCH_SAMPLER")
    if not command:
        return None
    sampler = await asyncio.create_subprocess_exec(*command.split(), "--pid", str(os.getpid()))
    await asyncio.sleep(1.0)  # attached before the desk starts
    return sampler


def worker_env(settings: Settings, smtp_port: int, n: int) -> dict[str, str]:
    """The environment of an extra worker: the same desk, deciding and sending only."""
    box = settings.mailboxes[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(
        PYTHONPATH=str(ROOT),
        MADOGUCHI_ROLES="decide,send",
        MADOGUCHI_WORKER_ID=f"bench-worker-{n}",
        MADOGUCHI_DATABASE_URL=settings.database_url,
        MADOGUCHI_OUTBOX=f"smtp://127.0.0.1:{smtp_port}",
        MADOGUCHI_MAILBOX=box.url,
        MADOGUCHI_MAILBOX_PASSWORD=box.password or "",
        MADOGUCHI_MAILBOX_CA_FILE=str(box.ca_file or ""),
        MADOGUCHI_SHOP_NAME=settings.shop.name,
        MADOGUCHI_SHOP_ADDRESS=",".join(settings.shop.addresses),
        MADOGUCHI_SHOP_SIGNATURE=settings.shop.signature or "",
        MADOGUCHI_POLL_SECONDS="0.2",
        MADOGUCHI_LOG_LEVEL="WARNING",
        MADOGUCHI_ANALYSIS_PROCESSES=str(settings.analysis_processes),
    )
    return env


async def start_worker(env: dict[str, str], seconds: float = 60.0) -> asyncio.subprocess.Process:
    """An extra ``madoguchi run`` worker, returned once it has logged that it is running."""
    from support.worker_process import READY

    process = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "worker_process.py"), env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    stream = process.stderr

    async def ready() -> None:
        while line := await stream.readline():
            sys.stderr.write(line.decode(errors="replace"))
            if READY in line.decode(errors="replace"):
                return
        raise RuntimeError(f"the worker exited ({await process.wait()}) before it was running")

    await asyncio.wait_for(ready(), seconds)

    async def relay() -> None:  # keep its pipe drained; its warnings still show
        while line := await stream.readline():
            sys.stderr.write(line.decode(errors="replace"))

    asyncio.get_running_loop().create_task(relay())
    return process


async def main(
    count: int,
    database_url: str | None,
    workers: int = 1,
    helpers: int | None = None,
    mail_on_disk: bool = False,
) -> None:
    logging.basicConfig(
        level=getattr(logging, os.environ.get("BENCH_LOG", "WARNING")),
        format="%(relativeCreated)d %(name)s %(message)s",
    )
    workdir = Path(tempfile.mkdtemp(prefix="madoguchi-backlog-"))
    mail_dir = None if mail_on_disk else tmpfs_folder("madoguchi-mail-")
    if mail_dir is None and not mail_on_disk:
        print("no writable /dev/shm: Dovecot keeps its mail on the disk", file=sys.stderr)
    dovecot: DovecotServer | None = None
    sink = SinkProcess()
    try:
        dovecot = start_dovecot(workdir, mail_dir)
        port = await sink.start()
        settings = desk_settings(workdir, dovecot, port)
        if database_url:
            settings = replace(settings, database_url=database_url)
        if helpers is not None:
            settings = replace(settings, analysis_processes=helpers)
        people = buyers(count)

        store = open_store(settings.database_url)
        await store.migrate()
        report = await import_orders(
            store, orders_csv(workdir / "orders.csv", people), now=datetime.now(UTC)
        )
        if not (report.applied and report.inserted == count):
            raise SystemExit(
                f"the store at {settings.database_url} already holds orders ({report}): "
                "give the benchmark an empty database"
            )
        await store.close()

        dovecot.stop()  # the MTA keeps delivering while the desk and IMAP are down
        for n, buyer in enumerate(people):
            dovecot.drop_into_maildir("shop", question(buyer, n))
        dovecot.start()

        raw_before = await raw_send_rate(port, sink, count)
        before = len(sink.received)

        desk = Desk(settings)
        await desk.start()
        await desk.analyser.start()  # what Desk.run starts first: its analysis helpers
        stop = asyncio.Event()
        extra = [await start_worker(worker_env(settings, port, n)) for n in range(1, workers)]
        profiler = _profiler()
        sampler = await _sampler()
        assert sink.process is not None and dovecot.process is not None
        others = {sink.process.pid, dovecot.process.pid, *(p.pid for p in extra)}
        if sampler is not None:
            others.add(sampler.pid)  # a profiler's CPU is nobody's here
        shares = CpuShares(
            {
                "desk": [os.getpid()],
                "analysis helpers": [p for p in child_pids(os.getpid()) if p not in others],
                "extra workers": [p.pid for p in extra],
                "SMTP server (sink)": [sink.process.pid],
                "Dovecot": [dovecot.process.pid],
                # The store's server, when it is one on this machine: it shares the CPUs.
                **(
                    {"PostgreSQL server": server_pids("postgres")}
                    if settings.database_url.startswith("postgresql")
                    else {}
                ),
            }
        )
        started = time.time()
        shares.start()
        task = asyncio.create_task(desk.run(stop))
        await sink.wait_for(before + count, 600)
        answered = sink.received[-1][0]
        cpu_ms = {name: sec * 1000 / count for name, sec in shares.stop().items()}
        if sampler is not None:
            sampler.send_signal(signal.SIGINT)
            await sampler.wait()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE"])
            print(f"profile of the desk written to {os.environ['BENCH_PROFILE']}")
        stop.set()
        await task
        await desk.close()
        for process in extra:
            process.send_signal(signal.SIGTERM)
            await process.wait()

        replies = sink.received[before:]
        assert len(replies) == count, f"{len(replies)} replies to {count} questions"
        assert len({r[2] for r in replies}) == count, "every question answered exactly once"
        # The raw rate again, after the desk: on a shared machine the speed of the host drifts
        # within a minute, and the mean of the two brackets the desk's run.
        raw_after = await raw_send_rate(port, sink, count)
        raw_rate = (raw_before + raw_after) / 2
        desk_rate = count / (answered - started)
        ratio = desk_rate / raw_rate
        first = replies[0][0] - started
        rows = [
            ("mails waiting at start", f"{count}"),
            ("store", settings.database_url.split(":", 1)[0]),
            ("desk processes", f"{workers}"),
            ("analysis helpers per desk process", f"{settings.analysis_processes}"),
            ("raw aiosmtplib send rate", f"{raw_rate:.0f} replies/s"),
            ("  before / after the desk", f"{raw_before:.0f} / {raw_after:.0f} replies/s"),
            ("desk: first reply after", f"{first:.2f} s"),
            ("desk: all answered after", f"{answered - started:.2f} s"),
            ("desk rate", f"{desk_rate:.0f} replies/s"),
            ("Dovecot's mail", "on disk" if mail_dir is None else "on tmpfs"),
            *(
                (f"CPU per reply: {name}", f"{ms:.2f} ms")
                for name, ms in cpu_ms.items()
                if ms or name != "extra workers"
            ),
            ("desk / raw", f"{ratio:.0%} (target ≥ {TARGET:.0%})"),
        ]
        print_table("backlog", rows)
        busy_elsewhere = cpu_ms[CpuShares.OTHERS] * count / 1000 / (answered - started)
        if busy_elsewhere > BUSY_ELSEWHERE:
            print(
                f"\nnote: other work kept {busy_elsewhere:.1f} CPUs of this machine busy during the"
                " run; on a machine this small the ratio is then not the desk's alone"
            )
        dialect = settings.database_url.split(":", 1)[0].split("+", 1)[0]
        path = write_results(
            ("backlog" if dialect == "sqlite" else f"backlog-{dialect}")
            + (f"-{workers}-workers" if workers > 1 else "")
            + (f"-{helpers}-helpers" if helpers is not None else "")
            + ("-mail-on-disk" if mail_dir is None else ""),
            {
                "mails": count,
                "store": settings.database_url.split(":", 1)[0],
                "processes": workers,
                "analysis_helpers_per_process": settings.analysis_processes,
                "raw_replies_per_s": round(raw_rate, 1),
                "raw_before_after": [round(raw_before, 1), round(raw_after, 1)],
                "desk_replies_per_s": round(desk_rate, 1),
                "desk_seconds": round(answered - started, 3),
                "first_reply_seconds": round(first, 3),
                "mail_on_tmpfs": mail_dir is not None,
                "cpu_ms_per_reply": {name: round(ms, 3) for name, ms in cpu_ms.items()},
                "ratio": round(ratio, 3),
                "target_ratio": TARGET,
                "met": ratio >= TARGET,
            },
        )
        print(f"\nwritten to {path}")
    finally:
        try:
            await sink.stop()
            if dovecot is not None:
                dovecot.remove()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            if mail_dir is not None:
                shutil.rmtree(mail_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--database", help="a store URL instead of a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=1, help="desk processes (default 1)")
    parser.add_argument(
        "--analysis-processes",
        type=int,
        help="analysis helpers of this desk process (default: the setting's auto)",
    )
    parser.add_argument(
        "--mail-on-disk",
        action="store_true",
        help="keep Dovecot's mail on the disk instead of tmpfs (see above)",
    )
    args = parser.parse_args()
    asyncio.run(
        main(args.mails, args.database, args.workers, args.analysis_processes, args.mail_on_disk)
    )
