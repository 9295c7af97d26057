"""The digest's chart: mails per day by outcome, and the median first response (PNG bytes).

The picture carries only numbers and dates, so it reads the same in every language and needs
no CJK font on the server; the legend is written in the digest's language beside it.
Matplotlib is used through its object API with the Agg canvas: no pyplot, no global backend.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.digest.figures import DayVolume

# One colour per outcome, shared with the HTML legend.
COLOURS = {
    "auto": "#2f9e6b",
    "agent": "#3b6fd8",
    "no_reply": "#b8c0cc",
    "waiting": "#e8a33d",
    "response": "#c2410c",
}


def response_axis(max_minutes: float) -> tuple[float, str, float]:
    """How the right axis shows response times: (divisor from minutes, unit suffix, top)."""
    if max_minutes <= 120:
        return 1.0, "m", max(10.0, max_minutes * 1.25)
    return 60.0, "h", max_minutes / 60 * 1.25


def volume_chart(days: Sequence[DayVolume]) -> bytes:
    """A PNG of stacked daily volumes with the median first response as a line (right axis)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(6.4, 2.6), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(len(days)))
    bottom = [0] * len(days)
    for outcome in ("auto", "agent", "no_reply", "waiting"):
        heights = [getattr(d, outcome) for d in days]
        ax.bar(xs, heights, bottom=bottom, color=COLOURS[outcome], width=0.62, zorder=2)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_xticks(xs, [f"{d.day.month}/{d.day.day}" for d in days])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="both", labelsize=8, colors="#4b5563", length=0)

    points = [
        (x, d.median_seconds / 60)
        for x, d in zip(xs, days, strict=True)
        if d.median_seconds is not None
    ]
    if points:
        divisor, unit, top = response_axis(max(p[1] for p in points))
        right = ax.twinx()
        right.plot(
            [p[0] for p in points],
            [p[1] / divisor for p in points],
            color=COLOURS["response"],
            marker="o",
            markersize=3.5,
            linewidth=1.6,
            zorder=3,
        )
        right.set_ylim(0, top)
        right.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 3, 5, 6, 10]))
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}{unit}" if v else "0"))
        right.tick_params(axis="y", labelsize=8, colors=COLOURS["response"], length=0)
        for side in ("top", "right", "left", "bottom"):
            right.spines[side].set_visible(False)
    fig.tight_layout(pad=0.4)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor="white")
    return out.getvalue()
