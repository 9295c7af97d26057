"""The analysis stage: raw bytes → decoded mail and what the buyer wants (parse + understand).

It is pure CPU work on one mail at a time, with no store and no network, so a desk can run
it in helper processes (``MADOGUCHI_ANALYSIS_PROCESSES``): the event loop then keeps the
SMTP conversations, IMAP reads, store writes and Slack moving while the next batch is tagged
on another core. The results are the same either way: the same functions run on the same
bytes; only where they run differs.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from bot.clock import Turns
from bot.logs import kv
from bot.mail.message import BuyerMail
from bot.mail.parse import parse_mail
from bot.nlp.batch import GC_YOUNG_THRESHOLD
from bot.nlp.understanding import Understanding, understand

__all__ = ["Analyser", "Analysis", "analyse_many", "reference_time"]

log = logging.getLogger(__name__)

Analysis = tuple[BuyerMail, Understanding]

CHUNK = 25  # mails per task handed to a helper process: results come back as they are ready
PARENT_CHECK_SECONDS = 1.0  # how often a helper looks whether its desk is still there


def reference_time(mail: BuyerMail, now: datetime) -> datetime:
    """The mail's own date when plausible (for resolving 「明日」), else now."""
    if mail.date is not None and abs((now - mail.date).total_seconds()) < 30 * 86400:
        return mail.date
    return now


def analyse_many(raws: Sequence[bytes], now: datetime) -> list[Analysis]:
    """Parse every mail, then understand every mail (stage by stage: each stage's tables,
    the tagger's dictionary above all, stay in the CPU's caches from one mail to the next)."""
    mails = [parse_mail(raw) for raw in raws]
    return [
        (mail, understand(mail.subject, mail.new_text, mail_date=reference_time(mail, now)))
        for mail in mails
    ]


def _helper_started() -> None:
    """In a new helper process: load the classifier now, and collect garbage as the desk does.

    Ctrl-C and SIGTERM reach the whole process group; the desk stops its helpers itself (and
    a helper whose desk is gone ends when its work queue closes), so they ignore both.
    """
    from bot.nlp.understanding import warm_up

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()
    warm_up()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _end_with(desk: int) -> None:
    """End this helper once its desk is gone (killed, say: its work queue never closes then,
    since the helper holds both ends), rather than live on as an orphan."""
    while os.getppid() == desk:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _ready() -> bool:
    return True


class Analyser:
    """Runs the analysis stage in this process or in ``processes`` helper processes.

    The running desk (:meth:`bot.service.Desk.run`) starts the helpers (``spawn``: a fresh
    interpreter, none of the desk's threads or connections copied; each loads the classifier
    first) and sends them every batch of two or more mails; a single mail, and everything
    while they are not up (``run --once``, the demo), is analysed here. A helper that dies
    is started again in the background and its batch analysed here meanwhile, so a crash
    there costs time, never a mail.
    """

    def __init__(self, processes: int = 0) -> None:
        self.processes = max(0, processes)
        self._pool: ProcessPoolExecutor | None = None
        self._starting: asyncio.Task[None] | None = None
        self.by_helpers = 0  # mails the helpers analysed (the rest were analysed here)

    @property
    def helping(self) -> bool:
        """Whether the helpers are up (a batch of two or more goes to them)."""
        return self._pool is not None and self._starting is None

    async def start(self) -> None:
        """Start the helpers (when configured) and wait until each has loaded the classifier."""
        if self.processes and self._pool is None:
            self._start()
        if self._starting is not None:
            await asyncio.shield(self._starting)

    async def analyse(self, raws: Sequence[bytes], now: datetime) -> list[Analysis]:
        """Every mail's analysis, in the order given."""
        if not self.helping or len(raws) < 2:
            return await self._here(raws, now)
        assert self._pool is not None
        loop = asyncio.get_running_loop()
        chunks = [list(raws[i : i + CHUNK]) for i in range(0, len(raws), CHUNK)]
        try:
            parts = await asyncio.gather(
                *(loop.run_in_executor(self._pool, analyse_many, c, now) for c in chunks)
            )
        except BrokenProcessPool:
            log.warning(kv("analysis.helper_lost", mails=len(raws), retry="in this process"))
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            self._start()  # up again in the background
            return await self._here(raws, now)
        self.by_helpers += len(raws)
        return [a for part in parts for a in part]

    def _start(self) -> None:
        """Start the helpers in the background; :attr:`helping` once each has loaded."""
        pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_helper_started,
        )
        self._pool = pool

        async def started() -> None:
            began = time.perf_counter()
            loop = asyncio.get_running_loop()
            try:
                # One call per helper; each runs once its process has loaded the classifier.
                await asyncio.gather(
                    *(loop.run_in_executor(pool, _ready) for _ in range(self.processes))
                )
            except Exception as exc:  # keep analysing in the desk process
                log.warning(
                    kv("analysis.helpers_failed", error=type(exc).__name__, detail=str(exc)[:300])
                )
                if self._pool is pool:
                    self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            else:
                log.info(
                    kv(
                        "analysis.helpers_started",
                        processes=self.processes,
                        seconds=f"{time.perf_counter() - began:.1f}",
                    )
                )
            finally:
                self._starting = None

        self._starting = asyncio.create_task(started())

    async def _here(self, raws: Sequence[bytes], now: datetime) -> list[Analysis]:
        """In this process, stage by stage, with the event loop's turns in between."""
        turns = Turns()
        mails = []
        for raw in raws:
            mails.append(parse_mail(raw))
            await turns.take()
        out: list[Analysis] = []
        for mail in mails:
            nlu = understand(mail.subject, mail.new_text, mail_date=reference_time(mail, now))
            out.append((mail, nlu))
            await turns.take()
        return out

    async def close(self) -> None:
        """Stop the helpers (waiting for none of their work: the claims go back to the store)."""
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: pool.shutdown(wait=True, cancel_futures=True)
            )
