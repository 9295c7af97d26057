"""One digest from the store: read the history, compute the figures, draw, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.config import Settings
from bot.digest.chart import volume_chart
from bot.digest.figures import DigestFigures, compute_figures
from bot.digest.history import load_history
from bot.digest.period import Period, day_of
from bot.digest.render import RenderedDigest, data_uri, digest_renderer, render_digest
from bot.store import Store
from bot.store.schema import messages

Embed = Literal["cid", "data", "none"]


@dataclass(frozen=True)
class Digest:
    """A rendered digest with the figures and the chart it was made from."""

    figures: DigestFigures
    rendered: RenderedDigest
    chart_png: bytes | None


async def compute_from_store(
    store: Store, period: Period, tz: str, *, now: datetime
) -> DigestFigures:
    """The figures of ``period`` (local days in ``tz``) from the store, as known at ``now``."""
    end = period.bounds(tz)[1]
    window_start = min(period.previous().bounds(tz)[0], period.chart_period().bounds(tz)[0])
    async with store.connect() as conn:
        history = await load_history(conn, window_start, end, now)
    return compute_figures(history, period, tz, now)


async def build_digest(
    store: Store,
    period: Period,
    lang: str,
    tz: str,
    *,
    settings: Settings,
    now: datetime,
    embed: Embed = "cid",
    cid: str = "chart@madoguchi.invalid",
) -> Digest:
    """Compute and render one digest; the HTML refers to the chart by ``cid:``, inline, or not at all."""
    figures = await compute_from_store(store, period, tz, now=now)
    png = volume_chart(figures.days) if embed != "none" else None
    src = None if png is None else (f"cid:{cid}" if embed == "cid" else data_uri(png))
    rendered = render_digest(
        digest_renderer(settings.templates_dir, lang),
        figures,
        lang=lang,
        shop=settings.shop.name,
        chart_src=src,
    )
    return Digest(figures, rendered, png)


async def activity_period(store: Store, tz: str) -> Period | None:
    """The local days from the first to the last buyer mail in the store (None when empty).

    ``madoguchi demo`` uses it to report on exactly the days its mails span.
    """
    async with store.connect() as conn:
        first, last = (
            await conn.execute(
                select(func.min(messages.c.created_at), func.max(messages.c.created_at)).where(
                    messages.c.direction == "in"
                )
            )
        ).one()
    if first is None or last is None:
        return None
    return Period(day_of(first, tz), day_of(last, tz))


async def render_digest_text(
    store: Store,
    period: Period,
    lang: str,
    tz: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """The plain-text digest of ``period`` in ``lang`` (``madoguchi demo`` prints this).

    ``now`` is the moment the digest is made as of (open tickets and time left); the demo
    passes its manual clock. ``settings`` gives the shop name and templates.
    """
    settings = settings or Settings()
    digest = await build_digest(
        store,
        period,
        lang,
        tz,
        settings=settings,
        now=now or SystemClock().now(),
        embed="none",
    )
    return digest.rendered.text
