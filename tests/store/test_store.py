"""The store on SQLite and PostgreSQL: migrations, types, and safe claiming of work."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from bot.store import Store, open_store
from bot.store.schema import mailboxes, raw_mails, tickets


async def _mailbox(store: Store, now: datetime) -> int:
    async with store.begin() as conn:
        result = await conn.execute(
            insert(mailboxes)
            .values(name="m", url="maildir:x", created_at=now, updated_at=now)
            .returning(mailboxes.c.id)
        )
        return int(result.scalar_one())


async def _raw(store: Store, mailbox_id: int, n: int, now: datetime) -> None:
    async with store.begin() as conn:
        for i in range(n):
            await conn.execute(
                insert(raw_mails).values(
                    mailbox_id=mailbox_id,
                    source_key=f"k{i}",
                    sha256=f"{i:064d}",
                    raw=b"x",
                    size=1,
                    received_at=now,
                    state="received",
                )
            )


async def test_migrate_is_idempotent_and_reports_nothing_pending(store: Store) -> None:
    assert await store.migrate() == []
    assert await store.pending_migrations() == []


async def test_timestamps_come_back_aware_utc(store: Store) -> None:
    moment = datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)
    async with store.begin() as conn:
        await conn.execute(
            insert(tickets).values(
                subject="件名", status="open", created_at=moment, updated_at=moment
            )
        )
    async with store.connect() as conn:
        row = (await conn.execute(select(tickets.c.created_at, tickets.c.subject))).one()
    assert row.created_at == moment and row.created_at.tzinfo is not None
    assert row.subject == "件名"


async def test_raw_bytes_are_kept_exactly(store: Store) -> None:
    now = datetime.now(UTC)
    mailbox_id = await _mailbox(store, now)
    payload = bytes(range(256)) * 10
    async with store.begin() as conn:
        await conn.execute(
            insert(raw_mails).values(
                mailbox_id=mailbox_id,
                source_key="k",
                sha256="0" * 64,
                raw=payload,
                size=len(payload),
                received_at=now,
            )
        )
    async with store.connect() as conn:
        assert (await conn.execute(select(raw_mails.c.raw))).scalar_one() == payload


async def test_claims_never_overlap_between_concurrent_workers(db_url: str) -> None:
    now = datetime.now(UTC)
    stores = [open_store(db_url) for _ in range(4)]
    try:
        mailbox_id = await _mailbox(stores[0], now)
        await _raw(stores[0], mailbox_id, 60, now)

        async def worker(i: int) -> list[int]:
            got: list[int] = []
            while True:
                rows = await stores[i].claim(
                    raw_mails,
                    raw_mails.c.state == "received",
                    worker=f"w{i}",
                    now=now,
                    lease=timedelta(minutes=5),
                    limit=3,
                )
                if not rows:
                    return got
                got.extend(r.id for r in rows)

        results = await asyncio.gather(*(worker(i) for i in range(4)))
    finally:
        for s in stores:
            await s.close()
    claimed = [i for r in results for i in r]
    assert len(claimed) == 60
    assert len(set(claimed)) == 60  # nobody got a row twice


async def test_expired_lease_is_claimable_again_and_counts_attempts(store: Store) -> None:
    now = datetime.now(UTC)
    mailbox_id = await _mailbox(store, now)
    await _raw(store, mailbox_id, 1, now)
    lease = timedelta(minutes=5)
    first = await store.claim(
        raw_mails, raw_mails.c.state == "received", worker="a", now=now, lease=lease
    )
    assert [r.attempts for r in first] == [1]
    assert (
        await store.claim(
            raw_mails,
            raw_mails.c.state == "received",
            worker="b",
            now=now + timedelta(minutes=1),
            lease=lease,
        )
        == []
    )
    again = await store.claim(
        raw_mails,
        raw_mails.c.state == "received",
        worker="b",
        now=now + timedelta(minutes=6),
        lease=lease,
    )
    assert [(r.claimed_by, r.attempts) for r in again] == [("b", 2)]


async def test_release_gives_work_back(store: Store) -> None:
    now = datetime.now(UTC)
    mailbox_id = await _mailbox(store, now)
    await _raw(store, mailbox_id, 1, now)
    lease = timedelta(minutes=5)
    (row,) = await store.claim(
        raw_mails, raw_mails.c.state == "received", worker="a", now=now, lease=lease
    )
    await store.release(raw_mails, row.id, worker="a")
    assert (
        len(
            await store.claim(
                raw_mails, raw_mails.c.state == "received", worker="b", now=now, lease=lease
            )
        )
        == 1
    )


async def test_concurrent_migrations_do_not_collide(empty_pg_url: str) -> None:
    # An empty database migrated by three engines at once, as three starting workers would.
    stores = [open_store(empty_pg_url) for _ in range(3)]
    try:
        applied = await asyncio.gather(*(s.migrate() for s in stores))
        assert sorted(len(a) for a in applied)[-1] >= 1  # one of them did the work
        assert await stores[0].pending_migrations() == []
    finally:
        for s in stores:
            await s.close()
