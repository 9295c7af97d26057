"""The analysis stage in helper processes: the same results, no mail lost when one dies.

Real helper processes (``spawn``), real third-party mail fixtures, and a running desk with a
helper answering a backlog on a real store.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.analysis import Analyser, analyse_many
from bot.config import load_settings
from bot.errors import ConfigError
from bot.orders import import_orders
from bot.service import Desk
from bot.store.schema import outbox, raw_mails
from tests.mail.helpers import eventually
from tests.mailfactory import buyer_mail
from tests.parse.shared import mail_fixtures_dir
from tests.pipeline.test_pipeline import WHEN, deliver

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _mails() -> list[bytes]:
    """Every shared fixture (charsets, bounces, broken MIME) and a few buyer questions."""
    fixtures = sorted(p for p in mail_fixtures_dir().rglob("*.eml") if p.is_file())
    assert len(fixtures) > 20
    raws = [p.read_bytes() for p in fixtures]
    raws += [buyer_mail(WHEN, message_id=f"<a{n}@buyer.example.jp>") for n in range(5)]
    raws += [b"", b"\x00\xff garbage", b"Subject: =?iso-2022-jp?B?GyRCJCIbKEI=?=\n\n\xff\xfe"]
    return raws


async def test_the_helper_analyses_every_mail_as_the_desk_process_does() -> None:
    raws = _mails()
    analyser = Analyser(1)
    try:
        await analyser.start()
        assert analyser.helping
        helped = await analyser.analyse(raws, NOW)
        assert analyser.by_helpers == len(raws)
    finally:
        await analyser.close()
    here = analyse_many(raws, NOW)
    assert len(helped) == len(raws)
    assert helped == here  # mail and understanding, field by field, in the order given
    # The bytes that fail to parse still come back as a mail for a human (never dropped).
    assert helped[-2][0].defects


async def test_a_helper_that_dies_costs_time_not_mail() -> None:
    raws = _mails()[:40]
    expected = analyse_many(raws, NOW)
    analyser = Analyser(1)
    try:
        await analyser.start()
        pool = analyser._pool
        assert pool is not None
        await analyser.analyse(raws[:2], NOW)  # the helper process exists now
        for pid in list(pool._processes):  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
        # The batch in hand is analysed in the desk process; a new helper starts meanwhile.
        assert await analyser.analyse(raws, NOW) == expected
        await eventually(lambda: analyser.helping, 30, "the helper is back")
        assert analyser._pool is not pool
        assert await analyser.analyse(raws, NOW) == expected
    finally:
        await analyser.close()
    assert analyser._pool is None


async def test_without_helpers_everything_is_analysed_in_the_desk_process() -> None:
    raws = _mails()[:10]
    analyser = Analyser(0)
    await analyser.start()
    assert not analyser.helping
    assert await analyser.analyse(raws, NOW) == analyse_many(raws, NOW)
    await analyser.close()


async def _backlog_desk(settings, tmp_path: Path, count: int) -> Desk:  # type: ignore[no-untyped-def]
    """A desk whose mailbox holds ``count`` questions from as many buyers, each with an order."""
    orders = ["order_id,buyer_email,status,carrier,tracking_number,shipped_at,items"]
    for n in range(count):
        order_id = f"249-{1_000_000 + n:07d}-{2_000_000 + n:07d}"
        sender = f"b{n:05d}@marketplace.amazon.co.jp"
        orders.append(f"{order_id},{sender},shipped,yamato,{_tracking(n)},2026-11-24,ボトル")
        question = f"注文番号{order_id}の商品はいつ届きますか？発送状況を教えてください。"
        raw = buyer_mail(question, sender=sender, message_id=f"<bl{n}@buyer.example.jp>")
        deliver(settings, f"{n:04d}", raw)
    desk = Desk(settings)
    await desk.start()
    (tmp_path / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    report = await import_orders(desk.store, tmp_path / "orders.csv", now=datetime.now(UTC))
    assert report.inserted == count
    return desk


def _tracking(n: int) -> str:
    base = 10_000_000_000 + n
    return f"{base}{base % 7}"  # a valid Yamato number


def _sent(tmp_path: Path) -> int:
    return len(list((tmp_path / "outbox").glob("*.eml")))


async def test_a_running_desk_answers_a_backlog_through_its_helper(
    db_url: str, make_settings, tmp_path: Path
) -> None:
    count = 60
    settings = make_settings(db_url, poll_seconds=0.05, analysis_processes=1)
    desk = await _backlog_desk(settings, tmp_path, count)
    stop = asyncio.Event()
    task = asyncio.create_task(desk.run(stop))
    try:
        await eventually(lambda: _sent(tmp_path) >= count, 60, "every question answered")
        assert desk.analyser.helping and desk.analyser.by_helpers > 0
        stop.set()
        await asyncio.wait_for(task, 30)
        async with desk.store.connect() as conn:
            rows = (await conn.execute(select(outbox))).all()
        # Each question answered once, with its own order's tracking number; none left claimed.
        assert len(rows) == count
        assert {(r.state, r.claimed_by) for r in rows} == {("sent", None)}
        for row in rows:
            assert _tracking(int(row.rcpt_to[0][1:6])) in row.body
        assert _sent(tmp_path) == count
    finally:
        stop.set()
        await desk.close()
    assert not desk.analyser.helping


async def test_a_desk_stopped_mid_backlog_leaves_nothing_claimed_and_the_next_run_finishes(
    db_url: str, make_settings, tmp_path: Path
) -> None:
    count = 300
    settings = make_settings(db_url, poll_seconds=0.05, analysis_processes=1)
    desk = await _backlog_desk(settings, tmp_path, count)
    stop = asyncio.Event()
    task = asyncio.create_task(desk.run(stop))
    try:
        await eventually(lambda: _sent(tmp_path) >= 20, 60, "the first replies sent")
        stop.set()  # batches analysed ahead are given back, not left to their leases
        await asyncio.wait_for(task, 30)
        async with desk.store.connect() as conn:
            held = (
                await conn.execute(
                    select(raw_mails.c.id).where(raw_mails.c.claimed_by.is_not(None))
                )
            ).all()
        assert held == []
        assert 20 <= _sent(tmp_path) < count
    finally:
        stop.set()
        await desk.close()
    again = Desk(settings)
    try:
        await again.run_once()
        async with again.store.connect() as conn:
            rows = (await conn.execute(select(outbox.c.rcpt_to))).all()
    finally:
        await again.close()
    assert _sent(tmp_path) == count
    assert sorted(r.rcpt_to[0] for r in rows) == sorted(
        f"b{n:05d}@marketplace.amazon.co.jp" for n in range(count)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("2", 2), ("auto", 1 if len(os.sched_getaffinity(0)) > 1 else 0)],
)
def test_the_number_of_helpers_is_a_setting(value: str, expected: int) -> None:
    env = {"MADOGUCHI_ANALYSIS_PROCESSES": value, "MADOGUCHI_CONFIG": "/dev/null"}
    assert load_settings(env=env).analysis_processes == expected


@pytest.mark.parametrize("value", ["many", "-1", "99"])
def test_a_bad_number_of_helpers_stops_start_up_by_name(value: str) -> None:
    env = {"MADOGUCHI_ANALYSIS_PROCESSES": value, "MADOGUCHI_CONFIG": "/dev/null"}
    with pytest.raises(ConfigError, match="MADOGUCHI_ANALYSIS_PROCESSES"):
        load_settings(env=env)


_DESK = """
import asyncio, sys
from pathlib import Path
from bot.analysis import Analyser

async def main():
    analyser = Analyser(1)
    await analyser.start()
    Path(sys.argv[1]).write_text(" ".join(map(str, analyser._pool._processes)))
    await asyncio.sleep(120)

asyncio.run(main())
"""


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # gone, or waiting only to be reaped


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
async def test_a_helper_ends_when_its_desk_is_killed(tmp_path: Path) -> None:
    pids = tmp_path / "helpers"
    desk = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _DESK,
        str(pids),
        stdout=asyncio.subprocess.DEVNULL,  # no pipe a helper could keep open
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    await eventually(lambda: pids.exists() and pids.read_text() != "", 60, "the helper's pid")
    (helper,) = [int(p) for p in pids.read_text().split()]
    assert not _ended(helper)
    desk.kill()  # SIGKILL: no shutdown, the helper's work queue stays open
    await asyncio.wait_for(desk.wait(), 10)
    try:
        await eventually(lambda: _ended(helper), 10, "the helper ended with its desk")
    finally:
        if not _ended(helper):
            os.kill(helper, signal.SIGKILL)  # not left behind by a failing test
