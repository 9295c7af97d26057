"""One IMAP connection: verified TLS, a timeout on every command, errors named by meaning.

A thin layer over aioimaplib 2.0.3. aioimaplib leaves a command waiting forever when the
connection drops and can hang on huge FETCH ranges, so every call here races the command
against its own timeout and against the connection's loss; after any failure the connection
is unusable and the caller opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import ssl
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeVar

import aioimaplib

from bot.config import MailboxSettings
from bot.errors import MailboxAuthError, MailboxError

T = TypeVar("T")
IdleOutcome = Literal["changed", "renew", "stopped"]

_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")
_EXISTS = re.compile(rb"^(\d+) EXISTS")
_FETCH_START = re.compile(rb"^\d+ FETCH \(")
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")
# Responses that mean the mailbox changed while we were idling.
_CHANGE = re.compile(rb"^\d+ (?:EXISTS|RECENT)\b")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(_MONTHS, 1)}
# INTERNALDATE as servers write it (RFC 3501 date-time); anything else goes to strptime.
_INTERNALDATE_PARTS = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})([0-5]\d)"
)
_AUTH_REFUSED = (b"AUTHENTICATIONFAILED", b"AUTHORIZATIONFAILED", b"EXPIRED", b"PRIVACYREQUIRED")


@dataclass(frozen=True)
class FolderState:
    """What SELECT tells about a folder."""

    name: str
    uidvalidity: int
    uidnext: int | None
    exists: int


@dataclass(frozen=True)
class MailSize:
    """One message's UID, size and INTERNALDATE (the arrival time on the server)."""

    uid: int
    size: int
    internaldate: datetime | None


@dataclass(frozen=True)
class FetchedMail:
    """One message's bytes as the server holds them."""

    uid: int
    raw: bytes
    internaldate: datetime | None


def tls_context(mailbox: MailboxSettings) -> ssl.SSLContext:
    """A verifying TLS context; ``ca_file`` adds a private CA (self-signed servers)."""
    context = ssl.create_default_context(cafile=str(mailbox.ca_file) if mailbox.ca_file else None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def uid_set(uids: Iterable[int]) -> str:
    """A compact IMAP sequence set: ``[1, 2, 3, 7]`` → ``1:3,7``."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an empty UID set")
    parts: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def imap_date(when: datetime) -> str:
    """A date for SEARCH SINCE (``26-Nov-2026``; IMAP months are English)."""
    return f"{when.day}-{_MONTHS[when.month - 1]}-{when.year}"


def parse_internaldate(text: bytes) -> datetime | None:
    """``"27-Nov-2026 07:42:57 +0000"`` → an aware datetime (None if unreadable).

    The usual spelling is read by one pattern (strptime took a tenth of the watcher's CPU per
    mail); any other is left to strptime, which decides as before.
    """
    try:
        value = text.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    parts = _INTERNALDATE_PARTS.fullmatch(value)
    month = _MONTH_NUMBERS.get(parts.group(2).lower()) if parts else None
    if parts is None or month is None:
        try:
            return datetime.strptime(value, "%d-%b-%Y %H:%M:%S %z")
        except ValueError:
            return None
    day, _, year, hour, minute, second, sign, off_h, off_m = parts.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m))
    try:
        return datetime(
            int(year),
            month,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(-offset if sign == "-" else offset),
        )
    except ValueError:
        return None


def parse_fetch(lines: Sequence[bytes | bytearray]) -> list[tuple[bytes, bytes | None]]:
    """Split a FETCH response into (attribute text, literal) per message, in order."""
    items: list[tuple[bytes, bytes | None]] = []
    text: bytes | None = None
    literal: bytes | None = None
    for line in lines:
        if isinstance(line, bytearray):
            literal = bytes(line)
        elif _FETCH_START.match(line):
            if text is not None:
                items.append((text, literal))
            text, literal = line, None
        elif text is not None:
            text += b" " + line  # attributes the server put after the literal (e.g. UID)
    if text is not None:
        items.append((text, literal))
    return items


class _FetchCommand(aioimaplib.FetchCommand):
    """aioimaplib's FETCH, told whether its response is complete without reading it all again.

    aioimaplib asks after every line whether the parentheses opened since the last line that
    starts a message (``N FETCH (``) are closed, and joins and counts the whole response so far
    to answer: quadratic in the lines of a batch. Here the count is carried on line by line,
    which gives the same answer (literals, kept as ``bytearray``, are not counted either).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counted = 0  # response lines counted so far
        self._open = 0  # "(" minus ")" since the last line that starts a message

    def wait_data(self) -> bool:
        lines = self._resp_lines
        for index in range(self._counted, len(lines)):
            line = lines[index]
            if isinstance(line, bytes):
                if _FETCH_START.match(line):
                    self._open = 0
                self._open += line.count(b"(") - line.count(b")")
        self._counted = len(lines)
        return self._open != 0


class ImapConnection:
    """A logged-in IMAP connection to one mailbox's server."""

    def __init__(self, mailbox: MailboxSettings, *, timeout: float | None = None) -> None:
        self.mailbox = mailbox
        self.timeout = timeout if timeout is not None else mailbox.timeout
        self.lost = asyncio.Event()
        self.broken = False
        self._client: aioimaplib.IMAP4 | None = None
        self.selected: str | None = None

    @property
    def usable(self) -> bool:
        """True while the connection is logged in and nothing has gone wrong on it."""
        return self._client is not None and not self.broken and not self.lost.is_set()

    @property
    def idling(self) -> bool:
        """True while an IDLE command is in progress on this connection."""
        return self._client is not None and self._client.has_pending_idle()

    @property
    def idle_supported(self) -> bool:
        """Whether the server announced IDLE (RFC 2177)."""
        return self._client is not None and self._client.has_capability("IDLE")

    def _fail(self, what: str, problem: str) -> MailboxError:
        """The connection cannot be trusted any more: mark it and describe why."""
        self.broken = True
        return MailboxError(f"mailbox {self.mailbox.name}: {what}: {problem}")

    def _refused(self, what: str, response: Any) -> MailboxError:
        """The server said NO/BAD to one command; the connection itself is still fine."""
        return MailboxError(f"mailbox {self.mailbox.name}: {what} refused: {_said(response)}")

    async def _run(self, what: str, command: Awaitable[T], *, seconds: float | None = None) -> T:
        """Run one command with our timeout; a lost connection fails it at once."""
        limit = seconds if seconds is not None else self.timeout
        if not self.usable:
            if inspect.iscoroutine(command):
                command.close()  # never started: no "was never awaited" warning
            raise self._fail(what, "the connection is closed")
        task = asyncio.ensure_future(command)
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            done, _ = await asyncio.wait(
                {task, lost}, timeout=limit, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            lost.cancel()
        if task not in done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            problem = "the connection was lost" if self.lost.is_set() else "no answer in time"
            raise self._fail(what, f"{problem} ({limit:g} s)")
        try:
            return task.result()
        except ssl.SSLError as exc:
            raise self._fail(what, f"TLS: {exc.reason or exc}") from exc
        except (OSError, aioimaplib.AioImapException, TimeoutError) as exc:
            raise self._fail(what, f"{type(exc).__name__}: {exc}") from exc

    def _on_lost(self, exc: Exception | None) -> None:
        self.lost.set()

    async def open(self) -> None:
        """Connect (IMAPS with verified TLS, or plain IMAP) and log in.

        Raises :class:`MailboxAuthError` when the server refuses the credentials and
        :class:`MailboxError` for anything else; whatever fails, nothing is left open.
        """
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        m = self.mailbox
        context = tls_context(m) if m.scheme == "imaps" else None
        # IMAP4 (not IMAP4_SSL) because only it reports a lost connection; TLS via ssl_context.
        self._client = aioimaplib.IMAP4(
            host=m.host,
            port=m.port,
            timeout=self.timeout,
            conn_lost_cb=self._on_lost,
            ssl_context=context,
        )
        await self._run("connect", self._client.wait_hello_from_server())
        response = await self._run("LOGIN", self._client.login(m.username, m.password or ""))
        if response.result != "OK":
            said = b" ".join(bytes(x) for x in response.lines).decode("utf-8", "replace")
            self.broken = True
            if any(code in said.encode() for code in _AUTH_REFUSED) or "[" not in said:
                raise MailboxAuthError(
                    f"mailbox {m.name}: the server refused the login for {m.describe()}: {said}"
                )
            raise MailboxError(f"mailbox {m.name}: login failed for now: {said}")

    async def select(self, folder: str, *, readonly: bool = False) -> FolderState:
        """SELECT (or, ``readonly``, EXAMINE) ``folder``; its UIDVALIDITY, UIDNEXT and size.

        EXAMINE leaves every flag alone, \\Recent included: the watcher only ever reads.
        """
        client = self._client
        assert client is not None
        if readonly:
            response = await self._run("EXAMINE", client.examine(_quote_folder(folder)))
            if response.result == "OK":
                # aioimaplib tracks SELECT only; EXAMINE selects too (RFC 3501 6.3.2).
                client.protocol.state = aioimaplib.SELECTED
        else:
            response = await self._run("SELECT", client.select(_quote_folder(folder)))
        if response.result != "OK":
            self.selected = None
            raise self._refused(f"SELECT {folder}", response)
        uidvalidity = uidnext = None
        exists = 0
        for line in response.lines:
            if m := _UIDVALIDITY.search(line):
                uidvalidity = int(m.group(1))
            if m := _UIDNEXT.search(line):
                uidnext = int(m.group(1))
            if m := _EXISTS.match(line):
                exists = int(m.group(1))
        if uidvalidity is None:
            raise self._fail(f"SELECT {folder}", "the server sent no UIDVALIDITY")
        self.selected = folder
        return FolderState(folder, uidvalidity, uidnext, exists)

    async def search(self, *criteria: str) -> list[int]:
        """UID SEARCH in the selected folder; the UIDs found, ascending."""
        assert self._client is not None
        response = await self._run("UID SEARCH", self._client.uid_search(*criteria, charset=None))
        if response.result != "OK":
            raise self._refused("UID SEARCH", response)
        uids: list[int] = []
        for line in response.lines[:-1]:
            uids.extend(int(word) for word in bytes(line).split() if word.isdigit())
        return sorted(set(uids))

    async def sizes(self, uids: Sequence[int]) -> list[MailSize]:
        """UID, size and INTERNALDATE of each message (call with at most a few hundred UIDs)."""
        assert self._client is not None
        if not uids:
            return []
        response = await self._run(
            "UID FETCH sizes",
            self._uid_fetch(uid_set(uids), "(UID RFC822.SIZE INTERNALDATE)"),
        )
        if response.result != "OK":
            raise self._refused("UID FETCH sizes", response)
        found: list[MailSize] = []
        for text, _ in parse_fetch(response.lines):
            uid, size = _UID.search(text), _SIZE.search(text)
            if uid and size:
                date = _INTERNALDATE.search(text)
                found.append(
                    MailSize(
                        int(uid.group(1)),
                        int(size.group(1)),
                        parse_internaldate(date.group(1)) if date else None,
                    )
                )
        return sorted(found, key=lambda s: s.uid)

    async def fetch(self, uids: Sequence[int], *, expected_bytes: int = 0) -> list[FetchedMail]:
        """The raw bytes of each message, read with BODY.PEEK[] so \\Seen is never set.

        The timeout grows by a second per megabyte expected: a batch of large attachments
        over a slow link is not a dead connection.
        """
        assert self._client is not None
        if not uids:
            return []
        response = await self._run(
            "UID FETCH",
            self._uid_fetch(uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])"),
            seconds=self.timeout + expected_bytes / 1_000_000,
        )
        if response.result != "OK":
            raise self._refused("UID FETCH", response)
        mails: list[FetchedMail] = []
        for text, literal in parse_fetch(response.lines):
            uid = _UID.search(text)
            if uid is None or literal is None:
                continue  # an unsolicited FLAGS update, not our body
            date = _INTERNALDATE.search(text)
            mails.append(
                FetchedMail(
                    int(uid.group(1)), literal, parse_internaldate(date.group(1)) if date else None
                )
            )
        return sorted(mails, key=lambda m: m.uid)

    async def _uid_fetch(self, uids: str, parts: str) -> Any:
        """UID FETCH as aioimaplib's ``uid("fetch", ...)`` runs it, with :class:`_FetchCommand`.

        No per-command timer of aioimaplib's: :meth:`_run` bounds the whole command already.
        """
        client = self._client
        assert client is not None
        protocol = client.protocol
        if protocol.state not in aioimaplib.Commands["UID"].valid_states:
            raise aioimaplib.Abort(f"command UID illegal in state {protocol.state}")
        return await protocol.execute(
            _FetchCommand(protocol.new_tag(), uids, parts, prefix="UID", loop=protocol.loop)
        )

    async def append(
        self, folder: str, raw: bytes, *, flags: str = "\\Seen", when: datetime | None = None
    ) -> int | None:
        """APPEND ``raw`` to ``folder`` (created if missing); the new UID when the server says."""
        assert self._client is not None
        for attempt in (1, 2):
            response = await self._run(
                f"APPEND {folder}",
                self._client.append(raw, mailbox=_quote_folder(folder), flags=flags, date=when),
            )
            if response.result == "OK":
                said = b" ".join(bytes(x) for x in response.lines)
                m = _APPENDUID.search(said)
                return int(m.group(1)) if m else None
            if attempt == 1 and b"TRYCREATE" in b" ".join(bytes(x) for x in response.lines):
                await self.create(folder)
                continue
            raise self._refused(f"APPEND {folder}", response)
        return None  # unreachable: the loop returns or raises

    async def append_many(
        self, folder: str, raws: Sequence[bytes], *, flags: str = "\\Seen"
    ) -> None:
        """APPEND several mails in one command (RFC 3502 MULTIAPPEND), else one by one.

        One MULTIAPPEND costs the server one lock and one sync for the whole group: with
        Dovecot on a real disk that is ~10 mails filed in the time of one.
        """
        client = self._client
        assert client is not None
        usable = client.has_capability("MULTIAPPEND") and client.has_capability("LITERAL+")
        if len(raws) == 1 or not usable:
            for raw in raws:
                await self.append(folder, raw, flags=flags)
            return
        for attempt in (1, 2):
            response = await self._run(
                f"MULTIAPPEND {folder}", self._multiappend(folder, raws, flags)
            )
            if response.result == "OK":
                return
            said = b" ".join(bytes(x) for x in response.lines)
            if attempt == 1 and b"TRYCREATE" in said:
                await self.create(folder)
                continue
            raise self._refused(f"MULTIAPPEND {folder}", response)

    async def _multiappend(self, folder: str, raws: Sequence[bytes], flags: str) -> Any:
        """Send one APPEND with non-synchronising literals (LITERAL+) and wait for its answer.

        aioimaplib has no MULTIAPPEND and refuses literals in arguments, so the command is
        written to the socket here and registered as the pending command for its tag, the way
        aioimaplib's own ``execute`` does.
        """
        client = self._client
        assert client is not None
        protocol = client.protocol
        if protocol.pending_sync_command is not None:
            await protocol.pending_sync_command.wait()
        if protocol.pending_async_commands:
            await protocol.wait_async_pending_commands()
        command = aioimaplib.Command("APPEND", protocol.new_tag(), loop=protocol.loop)
        parts = [f"{command.tag} APPEND {_quote_folder(folder)}".encode()]
        for raw in raws:
            parts.append(f" ({flags}) {{{len(raw)}+}}\r\n".encode())
            parts.append(raw)
        parts.append(b"\r\n")
        protocol.pending_sync_command = command
        protocol.transport.write(b"".join(parts))
        await command.wait()
        return command.response

    async def create(self, folder: str) -> None:
        """CREATE ``folder`` (an existing folder is fine)."""
        assert self._client is not None
        response = await self._run(f"CREATE {folder}", self._client.create(_quote_folder(folder)))
        if response.result != "OK" and b"ALREADYEXISTS" not in b" ".join(
            bytes(x) for x in response.lines
        ):
            raise self._refused(f"CREATE {folder}", response)

    async def noop(self) -> None:
        """NOOP: proves the connection is alive."""
        assert self._client is not None
        response = await self._run("NOOP", self._client.noop())
        if response.result != "OK":
            raise self._refused("NOOP", response)

    async def idle(self, seconds: float, stop: asyncio.Event) -> IdleOutcome:
        """IDLE until the folder changes, ``seconds`` pass, or ``stop`` is set.

        Ending IDLE waits for the server's tagged answer within the timeout: a connection
        that died silently is found here at the latest, once per ``seconds``.
        """
        client = self._client
        assert client is not None
        loop = asyncio.get_running_loop()
        # aioimaplib's own renewal timer is set beyond ours; we end IDLE ourselves.
        idle_task = await self._run("IDLE", client.idle_start(timeout=seconds + 3600))
        outcome: IdleOutcome = "renew"
        deadline = loop.time() + seconds
        stopper = asyncio.ensure_future(stop.wait())
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            while (remaining := deadline - loop.time()) > 0:
                push = asyncio.ensure_future(client.wait_server_push(timeout=remaining))
                done, _ = await asyncio.wait(
                    {push, stopper, lost}, return_when=asyncio.FIRST_COMPLETED
                )
                if push not in done:
                    push.cancel()
                    if lost in done:
                        raise self._fail("IDLE", "the connection was lost")
                    outcome = "stopped"
                    break
                try:
                    lines = push.result()
                except TimeoutError:
                    break
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                if any(bytes(line).startswith(b"BYE") for line in lines):
                    raise self._fail("IDLE", "the server said BYE")
                if any(_CHANGE.match(bytes(line)) for line in lines):
                    outcome = "changed"
                    break
                # Anything else ("OK Still here", FLAGS updates) keeps us idling.
        finally:
            stopper.cancel()
            lost.cancel()
        client.idle_done()
        await self._run("IDLE DONE", idle_task)
        while not client.protocol.idle_queue.empty():
            client.protocol.idle_queue.get_nowait()  # covered by the sync that follows
        return outcome

    async def close(self) -> None:
        """LOGOUT politely when possible, then drop the socket."""
        client, self._client = self._client, None
        self.broken = True
        if client is None:
            return
        if not self.lost.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.logout(), min(self.timeout, 2.0))
        transport = getattr(client.protocol, "transport", None)
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.close()


def _quote_folder(folder: str) -> str:
    """Folder names with spaces or quotes must be sent as a quoted string."""
    if re.fullmatch(r"[A-Za-z0-9._/&+\-]+", folder):
        return folder
    return aioimaplib.quoted(folder)


def _said(response: Any) -> str:
    """A server's answer as text for an error message."""
    return (
        f"{response.result} "
        + b" ".join(bytes(x) for x in response.lines[-1:]).decode("utf-8", "replace")
    ).strip()


async def probe(mailbox: MailboxSettings, *, seconds: float = 10.0) -> tuple[FolderState, bool]:
    """Log in, SELECT the folder and report it and whether IDLE is offered (for the doctor)."""
    connection = ImapConnection(mailbox, timeout=seconds)
    try:
        await connection.open()
        state = await connection.select(mailbox.folder, readonly=True)
        return state, connection.idle_supported
    finally:
        await connection.close()
