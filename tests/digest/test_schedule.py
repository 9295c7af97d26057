"""Scheduled digests from a real store: queued once, by mail and to Slack, across workers."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import DigestSettings, Settings, SlackSettings
from bot.digest.build import activity_period, compute_from_store, render_digest_text
from bot.digest.figures import compute_figures
from bot.digest.period import Period
from bot.digest.schedule import DigestScheduler
from bot.mail.ingest import ensure_mailbox
from bot.mail.outbox import FilesTransport, OutboxSender
from bot.store import Store, open_store
from bot.store.schema import job_runs, messages, outbox, slack_outbox
from bot.tickets import record_send_failure, record_sent
from tests.deadlines.helpers import with_slack
from tests.digest.story import AS_OF, HISTORY, seed


def digest_settings(make_settings: Any, db_url: str, **digest: Any) -> Settings:
    base = with_slack(make_settings(db_url))
    values = {"languages": ("zh",), "email_to": ("seller@example.com",), **digest}
    return replace(base, digest=DigestSettings(**values))


async def digest_mails(store: Store) -> list[Any]:
    async with store.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(outbox).where(outbox.c.author == "digest").order_by(outbox.c.id)
                )
            ).all()
        )


async def channel_messages(store: Store) -> list[Any]:
    async with store.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(slack_outbox).where(slack_outbox.c.kind == "channel_message")
                )
            ).all()
        )


async def test_figures_from_the_store_equal_the_hand_computed_ones(store: Store) -> None:
    await seed(store)
    period = Period.day(date(2026, 11, 26))
    from_store = await compute_from_store(store, period, "Asia/Tokyo", now=AS_OF)
    assert from_store == compute_figures(HISTORY, period, "Asia/Tokyo", AS_OF)


async def test_the_daily_digest_is_mailed_and_posted_once(
    store: Store, db_url: str, make_settings: Any
) -> None:
    await seed(store)
    clock = ManualClock(AS_OF)
    settings = digest_settings(make_settings, db_url)
    scheduler = DigestScheduler(store, clock, settings, worker="w1")

    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0
    assert await DigestScheduler(store, clock, settings, worker="w2").run_due() == 0

    (mail,) = await digest_mails(store)
    assert mail.ticket_id is None and mail.rcpt_to == ["seller@example.com"]
    assert mail.subject == "【ミライ雑貨店】客服日报 · 11月26日（周四）（2封超时）"
    parsed = message_from_bytes(mail.raw, policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "· 收到买家邮件 7 封（比前一天多 5 封）" in text
    (image,) = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    (src,) = re.findall(r'src="cid:([^"]+)"', html)
    assert image["Content-ID"] == f"<{src}>"
    assert image.get_content().startswith(b"\x89PNG")

    (post,) = await channel_messages(store)
    assert post.ticket_id is None
    assert post.payload["text"].startswith(":bar_chart: *ミライ雑貨店 客服日报* · 11月26日（周四）")
    async with store.connect() as conn:
        run = (await conn.execute(select(job_runs))).one()
    assert (run.key, run.claimed_by, run.done_at) == ("digest:daily:2026-11-26:zh", "w1", AS_OF)


async def test_two_workers_racing_queue_the_digest_once(
    store: Store, db_url: str, make_settings: Any
) -> None:
    await seed(store)
    clock = ManualClock(AS_OF)
    settings = digest_settings(make_settings, db_url, languages=("zh", "ja", "en"))
    stores = [open_store(db_url), open_store(db_url)]
    try:
        schedulers = [
            DigestScheduler(s, clock, settings, worker=f"w{i}") for i, s in enumerate(stores)
        ]
        sent = await asyncio.gather(*(s.run_due() for s in schedulers))
    finally:
        for s in stores:
            await s.close()
    assert sum(sent) == 3
    mails = await digest_mails(store)
    assert len(mails) == 3 and len(await channel_messages(store)) == 3
    assert sorted(m.subject for m in mails) == [
        "【ミライ雑貨店】お問い合わせ対応日次レポート 11月26日（木）（期限超過 2件）",
        "【ミライ雑貨店】客服日报 · 11月26日（周四）（2封超时）",
        "ミライ雑貨店 customer service daily digest: Thu 26 Nov 2026 (2 missed deadlines)",
    ]


async def test_weekly_digests_come_on_their_weekday(
    store: Store, db_url: str, make_settings: Any
) -> None:
    await seed(store)
    clock = ManualClock(AS_OF + timedelta(days=3))  # Monday 30 November 09:00
    settings = digest_settings(make_settings, db_url, languages=("en",), weekly=True)
    assert await DigestScheduler(store, clock, settings).run_due() == 2
    subjects = [m.subject for m in await digest_mails(store)]
    # due 23-29 Nov and missed: D3 (late), D4 (T6, never answered), D6 (closed without a
    # reply after its due time), D8 (late), D9 (T10, still open on the 30th)
    assert subjects == [
        "ミライ雑貨店 customer service daily digest: Sun 29 Nov 2026",
        "ミライ雑貨店 customer service weekly digest: Mon 23 Nov – Sun 29 Nov 2026"
        " (5 missed deadlines)",
    ]


async def test_nobody_to_tell_means_no_digest_and_no_claim(
    store: Store, db_url: str, make_settings: Any
) -> None:
    clock = ManualClock(AS_OF)
    settings = replace(make_settings(db_url), digest=DigestSettings(languages=("zh",)))
    assert await DigestScheduler(store, clock, settings).run_due() == 0
    async with store.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(job_runs))).scalar() == 0


async def test_the_digest_mail_leaves_through_the_outbox_without_touching_any_ticket(
    store: Store, db_url: str, make_settings: Any, tmp_path: Path
) -> None:
    clock = ManualClock(AS_OF)
    settings = replace(digest_settings(make_settings, db_url), slack=SlackSettings())
    assert await DigestScheduler(store, clock, settings).run_due() == 1
    sender = OutboxSender(
        store,
        FilesTransport(tmp_path / "sent"),
        clock,
        worker="w1",
        on_sent=record_sent,
        on_failed=record_send_failure,
    )
    assert await sender.send_due() == 1
    (mail,) = await digest_mails(store)
    assert mail.state == "sent"
    assert len(list((tmp_path / "sent").glob("*.eml"))) == 1
    async with store.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(messages))).scalar() == 0
    assert await channel_messages(store) == []


async def test_no_digest_for_days_before_the_desk_existed(
    store: Store, db_url: str, make_settings: Any
) -> None:
    clock = ManualClock(AS_OF - timedelta(hours=2))  # 07:00 on the 27th
    settings = digest_settings(make_settings, db_url)
    await ensure_mailbox(store, settings.mailboxes[0], clock.now())
    scheduler = DigestScheduler(store, clock, settings)
    clock.set(AS_OF)  # the 26th's digest is due, but the desk only started on the 27th
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(days=1))  # the 27th's is the first one
    assert await scheduler.run_due() == 1
    async with store.connect() as conn:
        keys = (await conn.execute(select(job_runs.c.key))).scalars().all()
    assert keys == ["digest:daily:2026-11-27:zh"]


async def test_the_demo_can_report_on_the_days_its_mails_span(store: Store) -> None:
    assert await activity_period(store, "Asia/Tokyo") is None
    await seed(store)
    period = await activity_period(store, "Asia/Tokyo")
    assert period == Period(date(2026, 11, 25), date(2026, 11, 27))
    text = await render_digest_text(store, period, "en", "Asia/Tokyo", now=AS_OF)
    assert text.startswith("Madoguchi Shop: customer service digest\nWed 25 Nov – Fri 27 Nov 2026")
    assert "* Buyer mails received: 10 (" in text
