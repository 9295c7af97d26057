"""Turning :class:`DigestFigures` into the seller's digest: subject, text, HTML, Slack text.

All wording lives in ``templates/<lang>/digest*`` (written natively per language); this module
only prepares plain values (minutes, percentages, local times) and a few formatting filters.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_TEMPLATES_DIR, LANGUAGES
from bot.deadlines.reminders import zone_label
from bot.digest.chart import COLOURS
from bot.digest.figures import DigestFigures, Totals
from bot.templates import Renderer

# How many rows each list shows before "and N more".
LIST_LIMITS = {"missed": 10, "open": 10, "risk": 10}
_TEMPLATES = ("digest_subject.txt", "digest.txt", "digest.html", "digest_slack.txt")
# CSS font stacks per language: fonts that mail programs on each platform already have.
FONTS: Mapping[str, str] = {
    "ja": "'Hiragino Sans','Hiragino Kaku Gothic ProN','Yu Gothic','Meiryo','Noto Sans CJK JP',sans-serif",
    "zh": "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif",
    "en": "-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif",
}


@dataclass(frozen=True)
class RenderedDigest:
    """One digest in one language, ready to mail or post."""

    lang: str
    subject: str
    text: str
    html: str  # refers to the chart as ``chart_src`` given to :func:`render_digest`
    slack: str


def hm(value: datetime, tz: str = "Asia/Tokyo") -> str:
    """``16:05`` — the local clock time of a moment."""
    return f"{value.astimezone(ZoneInfo(tz)):%H:%M}"


def signed(value: float | int | None) -> str:
    """``+3``, ``-2`` or ``±0`` for a change ("—" when unknown)."""
    if value is None:
        return "—"
    number = round(value)
    return "±0" if number == 0 else f"{number:+d}"


def slack_escape(text: str) -> str:
    """Text safe inside Slack mrkdwn (``&``, ``<``, ``>`` escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def digest_renderer(templates_dir: Path | None = None, lang: str = "en") -> Renderer:
    """A renderer with the digest filters; the bundled templates fill in a custom set's gaps."""
    base = templates_dir or DEFAULT_TEMPLATES_DIR
    if not all((base / lang / name).is_file() for name in _TEMPLATES):
        base = DEFAULT_TEMPLATES_DIR
    renderer = Renderer(base)
    renderer.env.filters.update(hm=hm, signed=signed, slack=slack_escape)
    return renderer


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _pct(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


def totals_view(t: Totals) -> dict[str, Any]:
    """The numbers of one period as the templates use them (times in minutes)."""
    return {
        "received": t.received,
        "automatic": t.automatic,
        "auto": t.answered_auto,
        "agent": t.answered_agent,
        "no_reply": t.no_reply,
        "waiting": t.waiting,
        "auto_pct": _pct(t.auto_share),
        "median_min": _minutes(t.response_median),
        "p90_min": _minutes(t.response_p90),
        "agent_median_min": _minutes(t.agent_response_median),
        "agent_p90_min": _minutes(t.agent_response_p90),
        "due": t.deadlines_due,
        "met": t.deadlines_met,
        "missed": t.deadlines_missed,
        "replies_bot": t.replies_bot,
        "replies_agent": t.replies_agent,
        "send_failures": t.send_failures,
    }


def digest_context(
    figures: DigestFigures, *, lang: str, shop: str, chart_src: str | None
) -> dict[str, Any]:
    """Everything the digest templates receive."""
    received = figures.current.received
    missed = [
        {
            "ticket_id": m.ticket_id,
            "subject": m.subject,
            "order_id": m.order_id,
            "due_at": m.due_at,
            "replied": m.replied_at is not None,
            "late_min": m.late_seconds / 60,
            "mails": m.mails,
        }
        for m in figures.missed
    ]
    open_ = [
        {
            "ticket_id": t.ticket_id,
            "subject": t.subject,
            "order_id": t.order_id,
            "due_at": t.due_at,
            "left_min": t.seconds_left / 60,
            "overdue": t.seconds_left < 0,
            "angry": t.angry,
            "claim_risk": t.claim_risk,
        }
        for t in figures.open_tickets
    ]
    risk = [
        {
            "ticket_id": r.ticket_id,
            "subject": r.subject,
            "order_id": r.order_id,
            "angry": r.angry,
            "claim_risk": r.claim_risk,
            "waiting": r.waiting,
        }
        for r in figures.at_risk
    ]
    intents = [
        (name, count, round(count * 100 / received) if received else 0)
        for name, count in figures.intents
    ]
    return {
        "language": lang,
        "shop": shop,
        "period": figures.period,
        "tz": figures.tz,
        "zone": zone_label(figures.tz, lang, figures.as_of),
        "as_of": figures.as_of,
        "c": totals_view(figures.current),
        "p": totals_view(figures.previous),
        "missed": missed[: LIST_LIMITS["missed"]],
        "missed_more": max(0, len(missed) - LIST_LIMITS["missed"]),
        "open": open_[: LIST_LIMITS["open"]],
        "open_more": max(0, len(open_) - LIST_LIMITS["open"]),
        "open_total": len(open_),
        "open_overdue": sum(1 for t in open_ if t["overdue"]),
        "risk": risk[: LIST_LIMITS["risk"]],
        "risk_more": max(0, len(risk) - LIST_LIMITS["risk"]),
        "intents": intents,
        "chart_src": chart_src,
        "colours": COLOURS,
        "font": FONTS.get(lang, FONTS["en"]),
    }


def render_digest(
    renderer: Renderer,
    figures: DigestFigures,
    *,
    lang: str,
    shop: str,
    chart_src: str | None,
) -> RenderedDigest:
    """The subject, text, HTML and Slack text of one digest in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"digests are written in {', '.join(LANGUAGES)}, not {lang!r}")
    ctx = digest_context(figures, lang=lang, shop=shop, chart_src=chart_src)
    subject = " ".join(renderer.render(lang, "digest_subject.txt", **ctx).split())
    ctx["subject"] = subject
    return RenderedDigest(
        lang=lang,
        subject=subject,
        text=renderer.render(lang, "digest.txt", **ctx),
        html=renderer.render(lang, "digest.html", **ctx),
        slack=renderer.render(lang, "digest_slack.txt", **ctx).strip(),
    )


def data_uri(png: bytes) -> str:
    """The chart as a ``data:`` URI, for an HTML file read outside a mail program."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
