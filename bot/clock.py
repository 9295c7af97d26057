"""Time, injected: the system clock in production, a controllable one in tests."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, the demo's replay of past mail)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when``."""
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self._now += delta


async def pause(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Sleep ``seconds`` in a long-running loop, ending early when ``stop`` (or ``wake``) is set."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=max(seconds, 0.0), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class Turns:
    """Hands the event loop a turn once ``seconds`` of work went by without one.

    For CPU work in a loop over many mails: mail in flight (SMTP conversations, IMAP reads)
    moves on between them, but not after every mail (each turn is a pass through the loop and
    its poll, and the other tasks' work in between evicts the work's tables from the caches).
    """

    def __init__(self, seconds: float = 0.02) -> None:
        self.seconds = seconds
        self.since = time.perf_counter()

    async def take(self) -> None:
        """Give the loop its turn if one is due."""
        if time.perf_counter() - self.since >= self.seconds:
            await asyncio.sleep(0)
            self.since = time.perf_counter()
