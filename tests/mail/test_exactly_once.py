"""Exactly once: a process killed between the SMTP server's accept and the store's commit.

The first desk runs in a subprocess that SIGKILLs itself right after the reply was accepted
(and filed in Sent). A second desk, started after the first one's lease ran out, must see
the Message-ID in the Sent folder and record the reply as sent without sending it again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.service import Desk
from bot.store import open_store
from bot.store.schema import messages, outbox
from tests.conftest import ROOT
from tests.mail.helpers import SHOP, add_order, shipping_question
from tests.servers import DovecotServer, SmtpSink


def desk_env(db_url: str, dovecot: DovecotServer, account: str, sink: SmtpSink) -> dict[str, str]:
    return {
        "MADOGUCHI_DATABASE_URL": db_url,
        "MADOGUCHI_MAILBOX": f"imaps://{account}@127.0.0.1:{dovecot.imaps_port}/INBOX",
        "MADOGUCHI_MAILBOX_PASSWORD": dovecot.password,
        "MADOGUCHI_MAILBOX_CA_FILE": str(dovecot.certificate.cert),
        "MADOGUCHI_OUTBOX": f"smtp://127.0.0.1:{sink.port}",
        "MADOGUCHI_SHOP_NAME": "ミライ雑貨店",
        "MADOGUCHI_SHOP_ADDRESS": SHOP,
        "MADOGUCHI_WORKER_ID": "crashing-desk",
    }


@pytest.fixture
async def crashed(
    db_url: str, dovecot: DovecotServer, account: str, sink: SmtpSink, tmp_path: Path
) -> AsyncIterator[Settings]:
    """A buyer's question whose reply was accepted by the sink by a process that then died."""
    env = desk_env(db_url, dovecot, account, sink)
    store = open_store(db_url)
    await store.migrate()
    await add_order(store)
    await store.close()
    dovecot.append(account, shipping_question(message_id="<crash@buyer.example.jp>"))

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.mail.crashing_desk",
        cwd=tmp_path,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == -signal.SIGKILL, err.decode(errors="replace")[-2000:]
    yield load_settings(env=env)


async def test_a_crash_after_the_accept_sends_nothing_twice(
    crashed: Settings, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    [accepted] = sink.messages
    store = open_store(crashed.database_url)
    async with store.connect() as conn:
        entry = (await conn.execute(select(outbox))).one()
    await store.close()
    # The store never heard back: the entry is still claimed by the dead process.
    assert (entry.state, entry.claimed_by, entry.message_id) == (
        "pending",
        "crashing-desk",
        accepted.message_id,
    )

    # Restart once the dead process's lease has run out.
    later = ManualClock(datetime.now(UTC) + timedelta(minutes=6))
    desk = Desk(crashed.with_overrides(worker_id="restarted-desk"), clock=later)
    try:
        summary = await desk.run_once()
        assert summary.sent == 1  # recorded as sent ...
        async with desk.store.connect() as conn:
            state = (await conn.execute(select(outbox.c.state))).scalar_one()
            out = (
                await conn.execute(
                    select(func.count())
                    .select_from(messages)
                    .where(messages.c.message_id == accepted.message_id)
                )
            ).scalar_one()
    finally:
        await desk.close()
    assert sink.count(accepted.message_id) == 1  # ... but not sent again
    assert (state, out) == ("sent", 1)
    assert dovecot.message_ids(account, "Sent") == [accepted.message_id]


async def test_without_the_sent_copy_the_reply_is_sent_again_not_lost(
    crashed: Settings, dovecot: DovecotServer, account: str, sink: SmtpSink
) -> None:
    # The window this closes: had the process died before filing the copy, the restart could
    # not know the mail left, and at-least-once is the only safe choice.
    [accepted] = sink.messages
    dovecot.expunge(account, folder="Sent")
    later = ManualClock(datetime.now(UTC) + timedelta(minutes=6))
    desk = Desk(crashed.with_overrides(worker_id="restarted-desk"), clock=later)
    try:
        assert (await desk.run_once()).sent == 1
    finally:
        await desk.close()
    assert sink.count(accepted.message_id) == 2
