"""Replies handed from the pipeline to the same process's sender (SQLite and PostgreSQL).

The running desk writes its replies already claimed by its own worker and sends them without
claiming them again; they stay in the store like any claimed entry, so nothing is lost if the
process dies, and nothing goes out twice.
"""

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock, SystemClock
from bot.mail.outbox import LEASE, MIN_LEASE_TO_SEND, OutboxSender
from bot.store.schema import messages, outbox
from tests.mailfactory import buyer_mail
from tests.pipeline.test_pipeline import WHEN, deliver, desk_with_orders


async def _outbox_row(desk, entry_id: int):  # type: ignore[no-untyped-def]
    async with desk.store.connect() as conn:
        return (await conn.execute(select(outbox).where(outbox.c.id == entry_id))).one()


async def _decide(desk, settings, *message_ids: str, hand_over: bool = True):  # type: ignore[no-untyped-def]
    """Deliver one buyer mail per Message-ID, read them in and decide them as one batch."""
    for n, message_id in enumerate(message_ids):
        deliver(settings, str(n), buyer_mail(WHEN, message_id=message_id))
    await desk.ingest_once()
    assert desk.pipeline is not None and desk.sender is not None
    return await desk.pipeline.process_batch(await desk.pipeline.claim(), hand_over=hand_over)


async def test_a_handed_over_reply_is_stored_claimed_and_sent_once(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        (result,) = await _decide(desk, settings, "<h1@buyer.example.jp>")
        entry = result.entry
        assert entry is not None and entry.id == result.outbox_id
        assert entry.mailbox == "test" and entry.attempts == 1
        stored = await _outbox_row(desk, entry.id)
        assert (stored.state, stored.claimed_by, stored.attempts) == ("pending", "test-worker", 1)
        assert stored.claimed_until == clock.now() + LEASE
        assert stored.raw == entry.raw and stored.message_id == entry.message_id

        # Held by this worker: a claim (this process's or another's) does not take it.
        assert await desk.sender.send_due() == 0
        assert await desk.sender.send_claimed([entry]) == 1
        sent = await _outbox_row(desk, entry.id)
        assert (sent.state, sent.claimed_by, sent.attempts) == ("sent", None, 1)
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
        async with desk.store.connect() as conn:
            out = (await conn.execute(select(messages).where(messages.c.direction == "out"))).one()
        assert out.message_id == entry.message_id and out.text == entry.body
        assert await desk.send_outbox() == 0
    finally:
        await desk.close()


async def test_a_reply_handed_over_too_long_ago_goes_back_to_the_store(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        (result,) = await _decide(desk, settings, "<h2@buyer.example.jp>")
        assert result.entry is not None
        clock.advance(LEASE - MIN_LEASE_TO_SEND)
        # Its lease is half gone: not sent from memory, given back instead.
        assert await desk.sender.send_claimed([result.entry]) == 0
        released = await _outbox_row(desk, result.entry.id)
        assert (released.state, released.claimed_by) == ("pending", None)
        assert list((tmp_path / "outbox").glob("*.eml")) == []
        # The next claim sends it, as the second attempt (which first checks it did not leave).
        assert await desk.send_outbox() == 1
        sent = await _outbox_row(desk, result.entry.id)
        assert (sent.state, sent.attempts) == ("sent", 2)
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    finally:
        await desk.close()


async def test_without_hand_over_the_replies_wait_unclaimed(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        (result,) = await _decide(desk, settings, "<h3@buyer.example.jp>", hand_over=False)
        assert result.entry is None and result.outbox_id is not None
        stored = await _outbox_row(desk, result.outbox_id)
        assert (stored.claimed_by, stored.attempts) == (None, 0)
        assert await desk.send_outbox() == 1
    finally:
        await desk.close()


async def test_the_running_desk_answers_each_mail_once_and_holds_nothing_after(
    db_url, make_settings, tmp_path: Path
) -> None:
    # The service loop hands its replies over; stopped, it leaves no entry claimed.
    settings = make_settings(db_url, poll_seconds=0.05)
    for n in range(3):
        deliver(settings, str(n), buyer_mail(WHEN, message_id=f"<run{n}@buyer.example.jp>"))
    desk = await desk_with_orders(settings, SystemClock(), tmp_path)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(desk.run(stop))
    try:
        for _ in range(400):
            if len(list((tmp_path / "outbox").glob("*.eml"))) == 3:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 20)
        async with desk.store.connect() as conn:
            rows = (await conn.execute(select(outbox))).all()
        assert [(r.state, r.attempts, r.claimed_by) for r in rows] == [("sent", 1, None)] * 3
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    finally:
        stop.set()
        await desk.close()


class _HeldTransport:
    """Delivers through ``inner``, but the first delivery waits for ``gate`` (a slow send)."""

    def __init__(self, inner, gate: asyncio.Event, log: list[tuple[str, int]], name: str):  # type: ignore[no-untyped-def]
        self.inner, self.gate, self.log, self.name = inner, gate, log, name

    async def deliver(self, entry) -> None:  # type: ignore[no-untyped-def]
        if not self.log:
            await self.gate.wait()
        self.log.append((self.name, entry.id))
        await self.inner.deliver(entry)

    async def already_delivered(self, entry) -> bool:  # type: ignore[no-untyped-def]
        return bool(await self.inner.already_delivered(entry))


async def test_an_entry_whose_lease_runs_low_while_queued_is_released_not_sent(
    db_url, make_settings, clock: ManualClock, tmp_path: Path
) -> None:
    """Queued behind a slow send until its lease is nearly over, a reply is given back to the
    store instead of sent: another worker may claim it from then on, and it must go out once."""
    settings = make_settings(db_url)
    desk = await desk_with_orders(settings, clock, tmp_path)
    try:
        results = await _decide(desk, settings, "<q1@buyer.example.jp>", "<q2@buyer.example.jp>")
        entries = [r.entry for r in results if r.entry is not None]
        assert len(entries) == 2
        sender = desk.sender
        inner = sender.transport
        gate, log = asyncio.Event(), []
        sender.transport = _HeldTransport(inner, gate, log, "own")
        sender.concurrency = 1  # the second waits for the first's turn
        sending = asyncio.create_task(sender.send_claimed(entries))
        await asyncio.sleep(0.05)
        clock.advance(LEASE - timedelta(minutes=1))  # the first send is slow
        gate.set()
        assert await sending == 1
        first, second = entries
        assert log == [("own", first.id)]
        row = await _outbox_row(desk, second.id)
        assert (row.state, row.claimed_by) == ("pending", None)
        other = OutboxSender(
            desk.store,
            _HeldTransport(inner, gate, log, "other"),
            clock,
            worker="other",
            on_sent=sender.on_sent,
            on_failed=sender.on_failed,
        )
        assert await other.send_due() == 1
        assert sorted(log) == sorted([("own", first.id), ("other", second.id)])
        assert (await _outbox_row(desk, second.id)).state == "sent"
    finally:
        await desk.close()
