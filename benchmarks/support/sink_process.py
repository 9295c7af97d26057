"""An SMTP sink in its own process, as a real MTA would be: one line per accepted mail.

``python benchmarks/sink_process.py`` prints ``port=N`` once listening, then for every mail
``<unix time> <Message-ID> <In-Reply-To>`` on stdout (the time is taken when DATA completes).
"""

from __future__ import annotations

import asyncio
import sys
import time
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class Recorder:
    """aiosmtpd handler: accept everything, report it."""

    def __init__(self) -> None:
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        now = time.time()
        header = self.parser.parsebytes(envelope.original_content or b"")
        message_id = str(header.get("message-id", "-")).strip() or "-"
        in_reply_to = str(header.get("in-reply-to", "-")).strip() or "-"
        sys.stdout.write(f"{now:.6f} {message_id} {in_reply_to}\n")
        sys.stdout.flush()
        return "250 2.0.0 OK: queued"


async def main() -> None:
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(recorder, hostname="sink.bench"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"port={port}\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
