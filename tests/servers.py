"""Real servers for tests and benchmarks: a private Dovecot, an SMTP sink, a TCP proxy.

Dovecot runs from a config file in a short temporary folder, as a child of the test process,
on free loopback ports (IMAP, IMAPS with a self-signed certificate for IP:127.0.0.1, LMTP),
and is stopped by its PID. The SMTP sink is aiosmtpd in the caller's event loop: it records
every message and can be told to answer 4xx/5xx. The proxy can go silent without closing, which
is how a dead connection looks to a client.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import imaplib
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP as SmtpServerProtocol
from aiosmtpd.smtp import Envelope, Session

from bot.config import MailboxSettings, OutboxSettings

DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if Path(p).exists()), None
)


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts connections on ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass(frozen=True)
class SelfSignedCertificate:
    """A self-signed certificate for IP:127.0.0.1 and localhost; its own CA file."""

    cert: Path
    key: Path

    @classmethod
    def create(cls, folder: Path) -> SelfSignedCertificate:
        """Generate a key and certificate with openssl in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return cls(cert, key)

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = madoguchi-test-{imap_port}
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Ln
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%n
mail_max_userip_connections = 200
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%n
}}
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
# No growing delay for every login from 127.0.0.1 after a wrong-password test's failed one.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""


@dataclass
class DovecotServer:
    """A private Dovecot (IMAP, IMAPS, LMTP) in a temporary folder."""

    root: Path
    certificate: SelfSignedCertificate
    password: str = "secret"
    users: set[str] = field(default_factory=set)
    imap_port: int = field(default_factory=free_port)
    imaps_port: int = field(default_factory=free_port)
    lmtp_port: int = field(default_factory=free_port)
    extra_config: str = ""
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def create(cls, certificate: SelfSignedCertificate, extra_config: str = "") -> DovecotServer:
        """Write the config (not started yet). A short folder: Dovecot's sockets live in it.

        A static passdb: any user name logs in with the one password, so each test can use a
        fresh account on a shared server; a different password is refused.
        """
        root = Path(tempfile.mkdtemp(prefix="dc", dir="/tmp"))
        root.chmod(0o755)  # the mail user (nobody) must reach its maildir
        server = cls(root, certificate, users={"shop"}, extra_config=extra_config)
        (root / "mail").mkdir()
        shutil.chown(root / "mail", "nobody", "nogroup")
        server._write_config()
        return server

    def _write_config(self) -> None:
        (self.root / "dovecot.conf").write_text(
            _CONFIG.format(
                root=self.root,
                cert=self.certificate.cert,
                key=self.certificate.key,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                lmtp_port=self.lmtp_port,
                password=self.password,
            )
            + self.extra_config
        )

    def add_user(self, user: str) -> str:
        """A new, empty mail account (every user name logs in with :attr:`password`)."""
        self.users.add(user)
        return user

    def start(self) -> None:
        """Run ``dovecot -F`` as a child and wait until every port answers."""
        assert DOVECOT is not None, "dovecot is not installed"
        with (self.root / "stderr.log").open("ab") as stderr:
            self.process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group, so stop() reaches every child
            )
        atexit.register(self.stop)  # never leave a Dovecot behind if a run is interrupted
        for port in (self.imap_port, self.imaps_port, self.lmtp_port):
            wait_for_port(port)

    def stop(self) -> None:
        """SIGTERM to the master's process group (as systemd stops a service) and wait.

        Signalling only the master leaves a session in IDLE alive for ~10 s before it says
        BYE; the group signal makes every session say BYE now.
        """
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the master's PID
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        """Stop, then start again on the same ports and mail folders."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop and delete the temporary folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        """Dovecot's own log (for failure messages)."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- what the shop's client sees ----------------------------------------------------------

    def mailbox(
        self,
        name: str = "shop",
        user: str = "shop",
        *,
        password: str | None = None,
        tls: bool = True,
        port: int | None = None,
        **changes: Any,
    ) -> MailboxSettings:
        """Settings for the desk to read ``user``'s INBOX over IMAPS (or plain IMAP)."""
        scheme = "imaps" if tls else "imap"
        port = port or (self.imaps_port if tls else self.imap_port)
        values: dict[str, Any] = {
            "name": name,
            "scheme": scheme,
            "url": f"{scheme}://{user}@127.0.0.1:{port}/INBOX",
            "host": "127.0.0.1",
            "port": port,
            "username": user,
            "folder": "INBOX",
            "password": self.password if password is None else password,
            "ca_file": self.certificate.cert if tls else None,
            "sent_folder": "Sent",
            "timeout": 5.0,
        }
        values.update(changes)
        return MailboxSettings(**values)

    def deliver(self, user: str | list[str], raw: bytes, sender: str = "buyer@example.jp") -> None:
        """Deliver one mail over LMTP, as an MTA would (several users: one transaction)."""
        users = [user] if isinstance(user, str) else user
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10) as lmtp:
            lmtp.ehlo_or_helo_if_needed()
            lmtp.mail(sender)
            for rcpt in users:
                code, text = lmtp.rcpt(rcpt)
                assert code == 250, (code, text)
            code, text = lmtp.data(raw)
            replies = [(code, text)] + [lmtp.getreply() for _ in users[1:]]  # one per user
            assert all(c == 250 for c, _ in replies), replies

    def drop_into_maildir(self, user: str, raw: bytes) -> None:
        """Put a mail straight into the INBOX's ``new/`` (an MTA delivering while IMAP is down)."""
        new = self.root / "mail" / user / "new"
        name = f"{time.time_ns()}.M{os.getpid()}.madoguchi-test"
        tmp = self.root / "mail" / user / "tmp" / name
        tmp.write_bytes(raw)
        tmp.chmod(0o644)
        shutil.chown(tmp, "nobody", "nogroup")
        os.replace(tmp, new / name)

    def _client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        client.login(user, self.password)
        return client

    def append(
        self,
        user: str,
        raw: bytes,
        *,
        folder: str = "INBOX",
        flags: str = "",
        when: datetime | None = None,
    ) -> int:
        """APPEND a mail (optionally with flags and an INTERNALDATE); returns its UID."""
        client = self._client(user)
        try:
            date = imaplib.Time2Internaldate(when) if when else None
            typ, data = client.append(_quoted(folder), f"({flags})" if flags else None, date, raw)
            assert typ == "OK", data
            match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            assert match, data
            return int(match.group(1))
        finally:
            client.logout()

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, set[str]]:
        """Every message's flags by UID, read without changing them (EXAMINE)."""
        client = self._client(user)
        try:
            client.select(_quoted(folder), readonly=True)
            _, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
            out: dict[int, set[str]] = {}
            for line in data:
                if not isinstance(line, bytes):
                    continue
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line)
                if match:
                    out[int(match.group(1))] = set(match.group(2).decode().split())
            return out
        finally:
            client.logout()

    def message_ids(self, user: str, folder: str = "INBOX") -> list[str]:
        """The Message-ID of every mail in ``folder`` (read-only)."""
        client = self._client(user)
        try:
            client.select(_quoted(folder), readonly=True)
            _, data = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            ids = []
            for item in data:
                if isinstance(item, tuple):
                    header = BytesHeaderParser().parsebytes(item[1])
                    ids.append(str(header.get("message-id", "")).strip())
            return ids
        finally:
            client.logout()

    def expunge(self, user: str, uids: list[int] | None = None, folder: str = "INBOX") -> None:
        """Delete mails for good (all of them when ``uids`` is None), as a mail client would."""
        client = self._client(user)
        try:
            client.select(_quoted(folder))
            which = ",".join(map(str, uids)) if uids else "1:*"
            client.uid("STORE", which, "+FLAGS", "(\\Deleted)")
            client.expunge()
        finally:
            client.logout()

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """The folder's current UIDVALIDITY."""
        client = self._client(user)
        try:
            _, data = client.status(_quoted(folder), "(UIDVALIDITY)")
            match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
            assert match, data
            return int(match.group(1))
        finally:
            client.logout()

    def reset_uids(self, user: str) -> None:
        """Make the INBOX get a new UIDVALIDITY (as when a mailbox is rebuilt); server stopped."""
        assert self.process is None, "stop the server first"
        home = self.root / "mail" / user
        for path in home.iterdir():
            # Keep dovecot-uidvalidity*: it makes the next UIDVALIDITY differ from the last.
            if path.name.startswith(("dovecot-uidlist", "dovecot.index", "dovecot.list.index")):
                path.unlink()


def _quoted(folder: str) -> str:
    """imaplib sends folder names as they are; one with a space must be quoted."""
    return f'"{folder}"' if " " in folder else folder


# --- SMTP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SinkMessage:
    """One mail the sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        """The Message-ID header of the accepted bytes."""
        header = BytesHeaderParser().parsebytes(self.data)
        return str(header.get("message-id", "")).strip()


class SmtpSink:
    """An aiosmtpd server in the caller's loop that keeps what it accepts.

    ``refuse(code, text, times)`` makes the next DATA commands fail with that answer,
    ``refuse_recipient(code, text, times)`` the next RCPT commands;
    ``on_accept`` is called after a mail was recorded and before 250 is sent.
    """

    def __init__(self) -> None:
        self.messages: list[SinkMessage] = []
        self.refusals: list[str] = []
        self.recipient_refusals: list[str] = []
        self.connections = 0
        self.on_accept: Callable[[SinkMessage], None] | None = None
        self.tls = "none"
        self._server: asyncio.base_events.Server | None = None
        self._arrived = asyncio.Condition()
        self.port = 0

    async def start(
        self, tls: str = "none", certificate: SelfSignedCertificate | None = None
    ) -> int:
        """Listen on a free loopback port; returns it.

        ``tls``: ``none`` (plain), ``smtps`` (TLS from the first byte) or ``starttls``
        (required before MAIL FROM), with ``certificate``.
        """
        self.tls = tls
        self._context: ssl.SSLContext | None = None
        if tls != "none":
            assert certificate is not None
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._context.load_cert_chain(certificate.cert, certificate.key)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol, "127.0.0.1", 0, ssl=self._context if tls == "smtps" else None
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    def _protocol(self) -> SmtpServerProtocol:
        self.connections += 1
        if self.tls == "starttls":
            return SmtpServerProtocol(
                self,
                hostname="sink.test",
                ident="madoguchi-test-sink",
                tls_context=self._context,
                require_starttls=True,
            )
        return SmtpServerProtocol(self, hostname="sink.test", ident="madoguchi-test-sink")

    async def stop(self) -> None:
        """Stop listening and close open sessions."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def refuse(self, code: int, text: str, times: int = 1) -> None:
        """Answer the next ``times`` DATA commands with ``code text``."""
        self.refusals.extend([f"{code} {text}"] * times)

    def refuse_recipient(self, code: int, text: str, times: int = 1) -> None:
        """Answer the next ``times`` RCPT commands with ``code text``."""
        self.recipient_refusals.extend([f"{code} {text}"] * times)

    async def handle_RCPT(
        self,
        server: Any,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """aiosmtpd hook: take the recipient (or refuse it as told)."""
        if self.recipient_refusals:
            return self.recipient_refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        """aiosmtpd hook: record the mail (or refuse it as told)."""
        if self.refusals:
            return self.refusals.pop(0)
        content = envelope.original_content or b""
        message = SinkMessage(
            str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], bytes(content)
        )
        self.messages.append(message)
        if self.on_accept is not None:
            self.on_accept(message)
        async with self._arrived:
            self._arrived.notify_all()
        return "250 2.0.0 OK: queued"

    def count(self, message_id: str) -> int:
        """How many times a Message-ID arrived."""
        return Counter(m.message_id for m in self.messages)[message_id]

    async def wait_for(self, count: int, seconds: float = 20.0) -> list[SinkMessage]:
        """Wait until at least ``count`` mails arrived; raise TimeoutError otherwise."""

        async def arrived() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.messages) >= count)

        await asyncio.wait_for(arrived(), seconds)
        return list(self.messages)

    def outbox(self, **changes: Any) -> OutboxSettings:
        """Outbox settings that send to this sink (the scheme follows how it was started)."""
        scheme = {"none": "smtp", "smtps": "smtps", "starttls": "smtp+starttls"}[self.tls]
        values: dict[str, Any] = {
            "scheme": scheme,
            "url": f"{scheme}://127.0.0.1:{self.port}",
            "host": "127.0.0.1",
            "port": self.port,
            "timeout": 5.0,
        }
        values.update(changes)
        return OutboxSettings(**values)


# --- a proxy that can play dead ----------------------------------------------------------------


class TcpProxy:
    """Forwards loopback TCP to ``target_port``; ``silence()`` makes open connections play dead.

    A silenced connection swallows every byte in both directions and is never closed: the
    client sees neither data nor FIN, as after a NAT timeout or a server that hung.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.accepted = 0
        self._server: asyncio.base_events.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._dead: list[asyncio.Event] = []

    async def start(self) -> int:
        """Listen on a free loopback port; returns it."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    def silence(self) -> None:
        """Every connection open now goes silent; later connections are relayed normally."""
        for dead in self._dead:
            dead.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]
        dead = asyncio.Event()
        self._dead.append(dead)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    if dead.is_set():
                        continue  # a dead line: swallow everything, close nothing
                    dst.write(data)
                    await dst.drain()
            if not dead.is_set():
                with contextlib.suppress(OSError):
                    dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def stop(self) -> None:
        """Close the listener and every relayed connection."""
        for writer in self._writers:
            with contextlib.suppress(Exception):
                writer.close()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)


def dovecot_available() -> str | None:
    """None when a Dovecot binary and openssl are installed, else what is missing."""
    if DOVECOT is None:
        return "dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)"
    if shutil.which("openssl") is None:
        return "openssl is not installed"
    if os.geteuid() != 0:
        return "the private Dovecot needs root (it drops to nobody for mail)"
    return None
