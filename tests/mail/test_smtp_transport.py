"""The SMTP transport on its own: its connection pool, its envelope, and refusals at RCPT."""

from __future__ import annotations

import asyncio
import random

import pytest
from aiosmtplib.protocol import normalize_message_line_endings

from bot.config import OutboxSettings
from bot.errors import OutboxError, PermanentSendError
from bot.mail.outbox import OutboxEntry, SmtpTransport, _wire_size
from tests.mail.helpers import shipping_question
from tests.servers import SmtpSink, TcpProxy


def _transport(sink: SmtpSink, connections: int = 8) -> SmtpTransport:
    return SmtpTransport(
        OutboxSettings(
            scheme="smtp",
            url=f"smtp://127.0.0.1:{sink.port}",
            host="127.0.0.1",
            port=sink.port,
            connections=connections,
        )
    )


def _entry(n: int, rcpt: str = "buyer@example.ne.jp") -> OutboxEntry:
    message_id = f"<madoguchi.t{n}@mirai-zakka.example.jp>"
    raw = shipping_question(message_id=message_id)
    return OutboxEntry(n, n, message_id, "shop@mirai-zakka.example.jp", [rcpt], raw, "bot", 1)


async def test_a_few_replies_share_one_connection(sink: SmtpSink) -> None:
    transport = _transport(sink)
    try:
        await asyncio.gather(*(transport.deliver(_entry(n)) for n in range(3)))
        await transport.deliver(_entry(3))
    finally:
        await transport.close()
    assert sink.connections == 1
    assert len(sink.messages) == 4


@pytest.mark.parametrize("connections", [1, 3, 8])
async def test_many_waiting_replies_go_out_over_a_few_connections_each_once(
    sink: SmtpSink, connections: int
) -> None:
    transport = _transport(sink, connections)
    entries = [_entry(n, rcpt=f"b{n}@marketplace.example.jp") for n in range(40)]
    try:
        await asyncio.gather(*(transport.deliver(e) for e in entries))
    finally:
        await transport.close()
    # As many as the setting allows (40 waiting is enough to open them all), never more.
    assert sink.connections == connections
    assert sorted(m.message_id for m in sink.messages) == sorted(e.message_id for e in entries)
    by_id = {m.message_id: m for m in sink.messages}
    for e in entries:
        got = by_id[e.message_id]
        assert got.mail_from == e.mail_from
        assert got.rcpt_tos == e.rcpt_to
        assert got.data == normalize_message_line_endings(e.raw)


async def test_a_recipient_refused_for_good_is_permanent_and_the_next_mail_goes_out(
    sink: SmtpSink,
) -> None:
    transport = _transport(sink)
    sink.refuse_recipient(550, "5.1.1 No such user")
    try:
        with pytest.raises(PermanentSendError, match="550"):
            await transport.deliver(_entry(1))
        sink.refuse_recipient(450, "4.2.0 Mailbox busy")
        with pytest.raises(OutboxError, match="450") as caught:
            await transport.deliver(_entry(2))
        assert not isinstance(caught.value, PermanentSendError)
        await transport.deliver(_entry(3))
    finally:
        await transport.close()
    assert [m.message_id for m in sink.messages] == [_entry(3).message_id]


async def test_an_address_that_needs_quoting_is_sent_as_aiosmtplib_quotes_it(
    sink: SmtpSink,
) -> None:
    transport = _transport(sink)
    try:
        await transport.deliver(_entry(1, rcpt='"taro yamada"@example.ne.jp'))
    finally:
        await transport.close()
    (got,) = sink.messages
    assert got.rcpt_tos == ['"taro yamada"@example.ne.jp']


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: a\r\n\r\nbody\r\n",
        b"Subject: a\n\nbody\n",
        b"Subject: a\n\nbody",
        b"Subject: a\r\n\r\nbody\rmore\r\n.dot\n",
        b"Subject: a\r\n\r\nends in CR\r",
        b"",
    ],
)
def test_the_declared_size_is_the_size_on_the_wire(raw: bytes) -> None:
    assert _wire_size(raw) == len(normalize_message_line_endings(raw))


def test_the_declared_size_is_the_size_on_the_wire_for_any_line_ends() -> None:
    pick = random.Random(7)
    for _ in range(2000):
        raw = bytes(pick.choice(b"\r\n\r\nab.") for _ in range(pick.randrange(0, 40)))
        assert _wire_size(raw) == len(normalize_message_line_endings(raw)), raw


async def test_a_server_that_stops_answering_mid_conversation_times_out_and_the_next_mail_goes(
    sink: SmtpSink,
) -> None:
    proxy = TcpProxy(sink.port)
    await proxy.start()
    transport = SmtpTransport(
        OutboxSettings(
            scheme="smtp",
            url=f"smtp://127.0.0.1:{proxy.port}",
            host="127.0.0.1",
            port=proxy.port,
            timeout=0.5,
        )
    )
    try:
        await transport.deliver(_entry(1))
        proxy.silence()  # the open connection hangs: no answer, no FIN
        # The connection's own timeout ends the wait (the test's guard would raise another
        # error, after 30 s).
        with pytest.raises(OutboxError, match="TimeoutError"):
            await asyncio.wait_for(transport.deliver(_entry(2)), 30)
        await transport.deliver(_entry(3))  # over a new connection
    finally:
        await transport.close()
        await proxy.stop()
    assert [m.message_id for m in sink.messages] == [_entry(1).message_id, _entry(3).message_id]
    assert proxy.accepted == 2


class BusyRelay(TcpProxy):
    """Relays to the sink, but answers connections beyond ``limit`` open ones with ``answer``."""

    def __init__(self, target_port: int, limit: int, answer: str) -> None:
        super().__init__(target_port)
        self.limit, self.answer = limit, answer
        self.open = self.refused = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.open >= self.limit:
            self.refused += 1
            writer.write(f"{self.answer}\r\n".encode())
            await writer.drain()
            writer.close()
            return
        self.open += 1
        try:
            await super()._handle(reader, writer)
        finally:
            self.open -= 1


@pytest.mark.parametrize("answer", ["421 4.7.0 Too many connections", "554 5.7.0 Busy"])
async def test_a_relay_that_allows_fewer_connections_gets_fewer_and_no_mail_fails(
    sink: SmtpSink, answer: str
) -> None:
    relay = BusyRelay(sink.port, limit=2, answer=answer)
    await relay.start()
    transport = SmtpTransport(
        OutboxSettings(
            scheme="smtp", url="smtp://relay", host="127.0.0.1", port=relay.port, connections=8
        )
    )
    entries = [_entry(n, rcpt=f"b{n}@marketplace.example.jp") for n in range(40)]
    try:
        results = await asyncio.gather(
            *(transport.deliver(e) for e in entries), return_exceptions=True
        )
        # Refused connections cost their mails a retry, never a permanent failure ...
        assert not [r for r in results if isinstance(r, PermanentSendError)]
        retry = [e for e, r in zip(entries, results, strict=True) if r is not None]
        assert all(isinstance(r, OutboxError) for r in results if r is not None)
        # ... and the transport asks no more of the relay than it allows.
        refused = relay.refused
        await asyncio.gather(*(transport.deliver(e) for e in retry))
    finally:
        await transport.close()
        await relay.stop()
    assert refused >= 1 and relay.refused == refused
    assert sorted(m.message_id for m in sink.messages) == sorted(e.message_id for e in entries)


async def test_a_refused_first_connection_is_the_mails_problem_as_before(sink: SmtpSink) -> None:
    relay = BusyRelay(sink.port, limit=0, answer="554 5.7.1 Access denied")
    await relay.start()
    transport = SmtpTransport(
        OutboxSettings(scheme="smtp", url="smtp://relay", host="127.0.0.1", port=relay.port)
    )
    try:
        with pytest.raises(PermanentSendError, match="554"):
            await transport.deliver(_entry(1))
    finally:
        await transport.close()
        await relay.stop()
