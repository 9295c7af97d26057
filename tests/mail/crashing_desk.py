"""A desk process that dies right after the SMTP server accepted a reply (for the crash test).

Run as ``python -m tests.mail.crashing_desk`` with ``MADOGUCHI_*`` settings in the environment:
it runs ``run --once`` and kills itself with SIGKILL the moment the first reply has been
accepted by the server (and filed in Sent), before the store records it as sent.
"""

from __future__ import annotations

import asyncio
import os
import signal

from bot.config import load_settings
from bot.mail.outbox import OutboxEntry
from bot.service import Desk


async def main() -> None:
    desk = Desk(load_settings())
    deliver = desk.transport.deliver

    async def deliver_then_die(entry: OutboxEntry) -> None:
        await deliver(entry)
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no commit: a real crash

    desk.transport.deliver = deliver_then_die  # type: ignore[method-assign]
    await desk.run_once()


if __name__ == "__main__":
    asyncio.run(main())
