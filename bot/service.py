"""The desk as a running service: every stage's loop, wired from the settings.

``run_once`` processes everything waiting and returns (cron, tests, the demo); ``run`` keeps
the loops going until asked to stop, finishing or safely releasing the work in hand.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.analysis import Analyser, Analysis
from bot.clock import Clock, SystemClock, pause
from bot.config import MailboxSettings, Settings
from bot.deadlines.reminders import ReminderWorker
from bot.digest.schedule import DigestScheduler
from bot.errors import ConfigError, MailboxError
from bot.logs import kv
from bot.mail.ingest import MaildirWatcher, ensure_mailbox
from bot.mail.outbox import OutboxEntry, OutboxSender, Transport, make_transport
from bot.nlp.batch import young_collections_rarer
from bot.nlp.understanding import warm_up
from bot.pipeline import Pipeline, Processed
from bot.router import Router
from bot.store import Store, open_store
from bot.store.schema import raw_mails
from bot.templates import Renderer
from bot.tickets import record_send_failure, record_sent

log = logging.getLogger(__name__)

BATCH = 100  # raw mails decided per transaction when many are waiting
OUTBOX_SENDERS = 3  # outbox claims worked on at once by one process
SEND_BATCH = 50  # replies one sender delivers and records together
# Replies the pipeline hands straight to this process's senders (written already claimed),
# at most this many waiting at once; past that they wait in the store for a claim.
HANDED_MAX = 4 * SEND_BATCH
HANDED_WAIT_SECONDS = 1.0  # the longest the pipeline waits for the senders to take some


class Watcher(Protocol):
    """A mailbox source: ``scan`` stores what is new; ``run`` keeps doing so until stopped."""

    async def scan(self) -> int: ...

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None: ...


Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
OnceStep = Callable[[], Awaitable[Any]]


@dataclass
class RunSummary:
    """What one ``run --once`` did."""

    ingested: int = 0
    processed: list[Processed] = field(default_factory=list)
    sent: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Decisions by kind, plus duplicates and failures."""
        out: dict[str, int] = {}
        for p in self.processed:
            key = p.outcome.kind if p.state == "done" and p.outcome else p.state
            out[key] = out.get(key, 0) + 1
        return out


class Desk:
    """All stages of one process, wired from :class:`Settings`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        transport: Transport | None = None,
        router: Router | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.store = store or open_store(settings.database_url)
        self.transport = transport or make_transport(settings.outbox, settings.mailboxes)
        if router is None:
            from handlers import build_router

            router = build_router()
        self.router = router
        self.renderer = Renderer(settings.templates_dir)
        self.watchers: list[Watcher] = []
        self.pipeline: Pipeline | None = None
        self.sender: OutboxSender | None = None
        # Later stages (Slack, deadlines, digests) add their loops and their run-once steps here.
        self.loops: list[Loop] = []
        self.once_steps: list[tuple[str, OnceStep]] = []
        self.slack: Any = None  # the Slack desk (bot.slack.SlackDesk) when Slack is configured
        self._work = asyncio.Event()  # set when a watcher stored new mail
        self._send = asyncio.Event()  # set when a reply was queued
        self._handed: collections.deque[OutboxEntry] = collections.deque()
        self._taken = asyncio.Event()  # set when a sender took handed-over replies
        self._started = False
        self.mailbox_errors: list[str] = []
        # Parsing and classifying for the decide role; its helpers start with run().
        decides = "decide" in settings.roles
        self.analyser = Analyser(settings.analysis_processes if decides else 0)

    async def start(self, *, migrate: bool = True) -> None:
        """Migrate the store, register mailboxes and build the stages."""
        if self._started:
            return
        if migrate:
            await self.store.migrate()
        policies: dict[int, str] = {}
        names: dict[int, str] = {}
        roles = self.settings.roles
        for mailbox in self.settings.mailboxes:
            mailbox_id = await ensure_mailbox(self.store, mailbox, self.clock.now())
            policies[mailbox_id] = mailbox.deadline_policy
            names[mailbox_id] = mailbox.name
            if "ingest" in roles:
                self.watchers.append(self._make_watcher(mailbox, mailbox_id))
        self.pipeline = Pipeline(
            self.settings,
            self.store,
            self.clock,
            self.router,
            self.renderer,
            policies=policies,
            mailbox_names=names,
            analyser=self.analyser,
        )
        slack = self.settings.slack.enabled
        self.sender = OutboxSender(
            self.store,
            self.transport,
            self.clock,
            worker=self.settings.worker_id,
            max_attempts=self.settings.outbox.max_attempts,
            on_sent=functools.partial(record_sent, notify_slack=slack),
            on_failed=functools.partial(record_send_failure, notify_slack=slack),
        )
        if "decide" in roles:
            # The classifier (model, tagger, dictionary) is loaded now, not at the first mail:
            # a damaged model stops start-up by name, and the first buyer waits no longer.
            warm_up()
            self.loops.append(self._process_loop)
        if "send" in roles:
            self.loops.append(self._outbox_loop)
        if "timers" in roles:
            reminders = ReminderWorker(self.store, self.clock, self.settings)
            digests = DigestScheduler(
                self.store, self.clock, self.settings, on_mail=self.notify_reply_queued
            )
            self.loops += [reminders.run, digests.run]
            # Reminders and digests queue Slack posts, so the Slack step comes after them.
            self.once_steps += [("reminders", reminders.fire_due), ("digests", digests.run_due)]
        if slack and "slack" in roles:
            from bot.slack import attach_slack

            self.slack = attach_slack(self)
        self._started = True

    def notify_reply_queued(self) -> None:
        """Wake the outbox loop now (a stage outside the pipeline queued a reply)."""
        self._send.set()

    def _make_watcher(self, mailbox: MailboxSettings, mailbox_id: int) -> Watcher:
        if mailbox.scheme == "maildir":
            return MaildirWatcher(
                self.store, mailbox, mailbox_id, self.clock, on_new=self._work.set
            )
        try:
            from bot.mail.imap import ImapWatcher  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ConfigError(
                "MADOGUCHI_MAILBOX",
                "IMAP mailboxes are not available in this build",
                "maildir:./var/maildir",
            ) from None
        watcher: Watcher = ImapWatcher(
            self.store, mailbox, mailbox_id, self.clock, on_new=self._work.set
        )
        return watcher

    # --- one pass ----------------------------------------------------------------------------

    async def ingest_once(self) -> int:
        """Store everything new in every mailbox once (a broken mailbox does not stop the rest)."""
        total = 0
        self.mailbox_errors = []
        for watcher in self.watchers:
            try:
                total += await watcher.scan()
            except MailboxError as exc:
                log.error(kv("ingest.failed", error=str(exc)))
                self.mailbox_errors.append(str(exc))
        return total

    async def process_all(
        self, on_each: Callable[[Processed], None] | None = None
    ) -> list[Processed]:
        """Process every waiting mail (one at a time, in arrival order)."""
        assert self.pipeline is not None
        done: list[Processed] = []
        while True:
            batch = await self.pipeline.process_pending(limit=BATCH)
            if not batch:
                return done
            for item in batch:
                done.append(item)
                if on_each:
                    on_each(item)

    async def send_outbox(self) -> int:
        """Deliver every reply that is due now."""
        assert self.sender is not None
        sent = 0
        while True:
            n = await self.sender.send_due()
            sent += n
            if n == 0:
                return sent

    async def run_once(self, on_each: Callable[[Processed], None] | None = None) -> RunSummary:
        """Everything waiting: mail in, decisions, replies out, then the later stages' steps."""
        await self.start()
        summary = RunSummary()
        summary.ingested = await self.ingest_once()
        if self.mailbox_errors:
            summary.extra["mailbox_errors"] = list(self.mailbox_errors)
        if "decide" in self.settings.roles:
            summary.processed = await self.process_all(on_each)
        if "send" in self.settings.roles:
            summary.sent = await self.send_outbox()
        for name, step in self.once_steps:
            summary.extra[name] = await step()
        return summary

    # --- the service -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run every loop until ``stop`` is set."""
        await self.start()
        await self.analyser.start()  # a running desk parses and classifies beside the loop
        log.info(
            kv(
                "desk.start",
                worker=self.settings.worker_id,
                mailboxes=len(self.watchers),
                store=self.store.dialect,
                roles=",".join(sorted(self.settings.roles)),
            )
        )
        # Each mail makes tens of thousands of short-lived objects and almost no cycles: with
        # the default threshold (700) the young generation was collected every few hundred
        # microseconds, tracing the live temporaries of the mail at hand each time (4-5 % of
        # the process's CPU on a backlog). Collected less often, most are freed by their
        # reference counts before a collection sees them. Set back when the service stops
        # (bot.nlp.batch.young_collections_rarer).
        with young_collections_rarer():
            await self._supervise(stop)

    async def _supervise(self, stop: asyncio.Event) -> None:
        """Run the watchers and loops until ``stop`` is set or one of them fails; then stop
        and await them all."""
        tasks = [
            asyncio.create_task(w.run(stop, self.settings.poll_seconds)) for w in self.watchers
        ]
        tasks.extend(asyncio.create_task(loop(stop)) for loop in self.loops)
        stopper = asyncio.create_task(stop.wait())
        running = set(tasks)
        try:
            while not stop.is_set() and running:
                done, _ = await asyncio.wait(
                    [*running, stopper], return_when=asyncio.FIRST_COMPLETED
                )
                for task in done - {stopper}:
                    running.discard(task)
                    error = task.exception()
                    if error is not None:
                        # A loop died of a bug: stop the process so its supervisor restarts it
                        # (all work is in the store; nothing is lost).
                        log.error(
                            kv("desk.loop_failed", error=type(error).__name__, detail=str(error))
                        )
                        raise error
                    log.warning(kv("desk.loop_ended", remaining=len(running)))
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            stopper.cancel()
            log.info(kv("desk.stop", worker=self.settings.worker_id))

    async def _process_loop(self, stop: asyncio.Event) -> None:
        assert self.pipeline is not None
        log.info(kv("pipeline.start", worker=self.settings.worker_id))
        failures = 0
        # With analysis helpers, the next batch is claimed and analysed in a helper while
        # this one is decided and written here.
        ahead: tuple[list[Any], asyncio.Task[list[Analysis]]] | None = None
        try:
            while not stop.is_set():
                self._work.clear()
                if len(self._handed) >= HANDED_MAX:
                    # The senders are a full hand-over behind: let them catch up a little (CPU
                    # spent deciding now only makes sending finish later), but never for long.
                    self._taken.clear()
                    await pause(stop, HANDED_WAIT_SECONDS, self._taken)
                analysis: asyncio.Task[list[Analysis]] | None = None
                if ahead is not None:
                    (rows, analysis), ahead = ahead, None
                else:
                    try:
                        rows = await self.pipeline.claim(limit=BATCH)
                    except Exception as exc:  # the store is unreachable: wait and try again
                        failures += 1
                        wait = min(2**failures, 60)
                        log.warning(
                            kv("pipeline.store_error", error=type(exc).__name__, retry_in=wait)
                        )
                        await pause(stop, wait)
                        continue
                    failures = 0
                if not rows:
                    await pause(stop, self.settings.poll_seconds, self._work)
                    continue
                if self.analyser.helping:
                    analysis = analysis or self._analyse(rows)
                    ahead = await self._claim_ahead()
                analysed = None
                if analysis is not None:
                    try:
                        analysed = await analysis
                    except Exception as exc:  # analysed again below, mail by mail if need be
                        log.warning(kv("pipeline.analysis_failed", error=type(exc).__name__))
                # One transaction per batch: a stop request lets it finish, never half-way.
                # This process's senders take the replies from here when they keep up.
                hand_over = "send" in self.settings.roles and len(self._handed) < HANDED_MAX
                results = await self.pipeline.process_batch(
                    rows, hand_over=hand_over, analysed=analysed
                )
                entries = [r.entry for r in results if r.entry is not None]
                if stop.is_set():  # the senders are done: the next claim takes them
                    assert self.sender is not None
                    await self.sender.release(entries)
                else:
                    self._handed.extend(entries)
                if any(r.outbox_id is not None for r in results):
                    self._send.set()
        finally:
            if ahead is not None:  # claimed but not decided: back to the store at once
                rows, analysis = ahead
                analysis.cancel()
                await asyncio.gather(analysis, return_exceptions=True)
                with contextlib.suppress(Exception):  # else their leases run out
                    await self.store.release(
                        raw_mails, *(row.id for row in rows), worker=self.settings.worker_id
                    )
        log.info(kv("pipeline.stop", worker=self.settings.worker_id))

    def _analyse(self, rows: list[Any]) -> asyncio.Task[list[Analysis]]:
        """The analysis of claimed mails (in arrival order, as the pipeline takes them)."""
        assert self.pipeline is not None
        raws = [row.raw for row in sorted(rows, key=lambda r: r.id)]
        return asyncio.create_task(self.analyser.analyse(raws, self.clock.now()))

    async def _claim_ahead(self) -> tuple[list[Any], asyncio.Task[list[Analysis]]] | None:
        """Claim the next batch and start its analysis; None when nothing waits (or the
        store cannot be reached now: the loop's own claim finds out and waits)."""
        assert self.pipeline is not None
        try:
            rows = await self.pipeline.claim(limit=BATCH)
        except Exception:
            return None
        return (rows, self._analyse(rows)) if rows else None

    async def _outbox_loop(self, stop: asyncio.Event) -> None:
        assert self.sender is not None
        log.info(
            kv(
                "outbox.start",
                worker=self.settings.worker_id,
                transport=self.settings.outbox.scheme,
                senders=OUTBOX_SENDERS,
            )
        )
        # Several claims in flight: one batch's Sent copies and bookkeeping overlap the next
        # batch's SMTP conversation (the transport keeps the SMTP conversation itself serial).
        try:
            await asyncio.gather(*(self._outbox_sender(stop) for _ in range(OUTBOX_SENDERS)))
        finally:
            # Replies handed over but not sent yet go back to the store for the next claim.
            left = list(self._handed)
            self._handed.clear()
            try:
                await self.sender.release(left)
            except Exception as exc:  # their leases run out instead
                log.warning(
                    kv("outbox.release_failed", entries=len(left), error=type(exc).__name__)
                )

    async def _outbox_sender(self, stop: asyncio.Event) -> None:
        assert self.sender is not None
        while not stop.is_set():
            self._send.clear()
            handed = [self._handed.popleft() for _ in range(min(SEND_BATCH, len(self._handed)))]
            if handed:
                self._taken.set()
            try:
                if handed:
                    sent = await self.sender.send_claimed(handed)
                else:
                    sent = await self.sender.send_due(limit=SEND_BATCH)
            except Exception as exc:  # keep the loop alive; entries stay in the store
                log.exception(kv("outbox.error", error=type(exc).__name__))
                sent = 0
            if sent == 0 and not handed:
                await pause(stop, min(self.settings.poll_seconds, 1.0), self._send)
        log.info(kv("outbox.stop", worker=self.settings.worker_id))

    async def close(self) -> None:
        """Release connections."""
        for watcher in self.watchers:
            close = getattr(watcher, "close", None)
            if close is not None:
                await close()
        await self.transport.close()
        await self.analyser.close()
        await self.store.close()
