"""What the mail benchmarks share: servers, a seller's orders file, buyers' questions, results.

Benchmarks run real servers on loopback: a private Dovecot (from ``tests/servers.py``) and an
SMTP sink in its own process (``sink_process.py``), as an MTA would be.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "Buyer",
    "CpuShares",
    "DovecotServer",
    "SinkProcess",
    "buyers",
    "child_pids",
    "desk_settings",
    "orders_csv",
    "percentile",
    "print_table",
    "question",
    "server_pids",
    "start_dovecot",
    "summary",
    "tmpfs_folder",
    "write_results",
]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the server helpers live in tests/, which is not installed

from bot.config import Settings, load_settings  # noqa: E402
from tests.mailfactory import buyer_mail  # noqa: E402
from tests.servers import DovecotServer, SelfSignedCertificate  # noqa: E402


@dataclass(frozen=True)
class Buyer:
    """One buyer with one shipped order."""

    order_id: str
    address: str
    tracking: str


def buyers(count: int) -> list[Buyer]:
    """``count`` buyers, each with a relay address and a shipped order (valid Yamato number)."""
    out = []
    for i in range(count):
        base = 10_000_000_000 + i
        out.append(
            Buyer(
                order_id=f"249-{1_000_000 + i:07d}-{2_000_000 + i:07d}",
                address=f"b{i:014d}@marketplace.amazon.co.jp",
                tracking=f"{base}{base % 7}",
            )
        )
    return out


def orders_csv(path: Path, people: list[Buyer]) -> Path:
    """The seller's orders file as ``madoguchi orders import`` reads it."""
    lines = ["order_id,buyer_email,status,carrier,tracking_number,shipped_at,items"]
    lines += [
        f"{b.order_id},{b.address},shipped,yamato,{b.tracking},2026-11-24,ステンレス製ボトル"
        for b in people
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def question(buyer: Buyer, n: int) -> bytes:
    """A realistic shipping_status mail citing the buyer's order."""
    return buyer_mail(
        f"お世話になっております。\n注文番号{buyer.order_id}の商品は、いつ頃届く予定でしょうか。\n"
        "発送状況を教えていただけますと幸いです。\nよろしくお願いいたします。\n",
        subject="配送状況について",
        sender=buyer.address,
        name=f"購入者{n}",
        message_id=f"<bench{n}@buyer.example.jp>",
        date=datetime.now(UTC),
    )


def start_dovecot(workdir: Path, mail_dir: Path | None = None) -> DovecotServer:
    """A private Dovecot with an INBOX (and Sent) for the user ``shop``.

    ``mail_dir``: an empty folder elsewhere (e.g. on tmpfs) to hold the mail instead of the
    server's own temporary folder; it is linked in (the caller removes it: the server's
    ``remove`` deletes only the link).
    """
    certificate = SelfSignedCertificate.create(workdir / "tls")
    server = DovecotServer.create(certificate)
    if mail_dir is not None:
        shutil.rmtree(server.root / "mail", ignore_errors=True)
        mail_dir.chmod(0o755)  # the mail user (nobody) walks through it
        (server.root / "mail").symlink_to(mail_dir, target_is_directory=True)
    for sub in ("cur", "new", "tmp"):
        folder = server.root / "mail" / "shop" / sub
        folder.mkdir(parents=True, exist_ok=True)
    for folder in [server.root / "mail" / "shop", *(server.root / "mail" / "shop").iterdir()]:
        os.chown(folder, 65534, 65534)  # nobody:nogroup, the mail user
    server.start()
    return server


def tmpfs_folder(prefix: str) -> Path | None:
    """A new folder on ``/dev/shm`` (tmpfs), or None where there is none to write to."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        return None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=shm))


class _Process(NamedTuple):
    parent: int
    cpu: float  # seconds so far
    name: str


def _process_table() -> dict[int, _Process]:
    """Every process on this machine by PID (Linux ``/proc/<pid>/stat``)."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, _Process] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        name, fields = (
            stat[stat.index("(") + 1 : stat.rindex(")")],
            stat[stat.rindex(")") + 2 :].split(),
        )
        table[int(pid)] = _Process(int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, name)
    return table


def server_pids(name: str) -> list[int]:
    """The PIDs of processes called ``name`` whose parent is not (a server's main process)."""
    table = _process_table()
    return [
        pid
        for pid, p in table.items()
        if p.name == name and (p.parent not in table or table[p.parent].name != name)
    ]


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    return [child for child, p in _process_table().items() if p.parent == pid]


@dataclass
class CpuShares:
    """CPU seconds spent by named groups of processes between :meth:`start` and :meth:`stop`.

    A group is a process with all its descendants, except those counted in another group;
    the processes that ended meanwhile are not seen (their CPU is lost to the count).
    ``OTHERS`` is the rest of the machine's busy time (the kernel, other programs): a
    benchmark run beside other work shows it there.
    """

    OTHERS = "everything else on the machine"

    roots: dict[str, list[int]]
    before: dict[int, _Process] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    machine_before: float = 0.0

    def start(self) -> None:
        self.machine_before = _machine_busy()
        self.before = _process_table()

    def stop(self) -> dict[str, float]:
        busy = _machine_busy() - self.machine_before
        after = _process_table()
        children: dict[int, list[int]] = {}
        for pid, p in after.items():
            children.setdefault(p.parent, []).append(pid)
        owner: dict[int, str] = {}
        for name, pids in self.roots.items():
            for pid in pids:
                owner[pid] = name
        for name, pids in self.roots.items():
            stack = list(pids)
            while stack:
                pid = stack.pop()
                for child in children.get(pid, []):
                    if child not in owner:
                        owner[child] = name
                        stack.append(child)
        self.seconds = {name: 0.0 for name in self.roots}
        for pid, name in owner.items():
            if pid in after:
                earlier = self.before.get(pid)
                self.seconds[name] += after[pid].cpu - (earlier.cpu if earlier else 0.0)
        self.seconds[self.OTHERS] = max(0.0, busy - sum(self.seconds.values()))
        return self.seconds


def _machine_busy() -> float:
    """CPU seconds all CPUs of this machine were busy since boot (Linux ``/proc/stat``)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def desk_settings(workdir: Path, dovecot: DovecotServer, smtp_port: int) -> Settings:
    """The desk as a shop would run it: SQLite store, IMAPS in, SMTP out."""
    base = load_settings(
        env={
            "MADOGUCHI_SHOP_NAME": "ミライ雑貨店",
            "MADOGUCHI_SHOP_ADDRESS": "shop@mirai-zakka.example.jp",
            "MADOGUCHI_SHOP_SIGNATURE": "ミライ雑貨店 カスタマーサポート",
            "MADOGUCHI_OUTBOX": f"smtp://127.0.0.1:{smtp_port}",
        }
    )
    return replace(
        base,
        database_url=f"sqlite+aiosqlite:///{workdir / 'madoguchi.db'}",
        mailboxes=(dovecot.mailbox("bench", "shop", timeout=30.0),),
        data_dir=workdir,
        worker_id="bench",
        poll_seconds=5.0,
    )


@dataclass
class SinkProcess:
    """The SMTP sink subprocess and the lines it reported: (time, Message-ID, In-Reply-To)."""

    process: asyncio.subprocess.Process | None = None
    port: int = 0
    received: list[tuple[float, str, str]] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Start the sink; returns its port."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "sink_process.py"),
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        first = (await self.process.stdout.readline()).decode().strip()
        self.port = int(first.removeprefix("port="))
        self._reader = asyncio.create_task(self._read())
        return self.port

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            when, message_id, in_reply_to = line.decode().split()
            async with self._changed:
                self.received.append((float(when), message_id, in_reply_to))
                self._changed.notify_all()

    async def wait_for(self, count: int, seconds: float) -> None:
        """Until ``count`` mails have been reported in total."""

        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.received) >= count)

        await asyncio.wait_for(enough(), seconds)

    async def stop(self) -> None:
        """Terminate the subprocess (by its PID)."""
        if self._reader is not None:
            self._reader.cancel()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank on the sorted values)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    """p50, p99, mean, min and max of a list of seconds."""
    return {
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
    }


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    """A two-column table on stdout."""
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}\n" + "-" * (width + 24))
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")


def write_results(name: str, data: dict[str, Any]) -> Path:
    """``benchmarks/results/<name>.json`` with the machine it ran on."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {
        **data,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return path
