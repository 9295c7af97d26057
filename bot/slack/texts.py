"""The Slack desk's words, from ``templates/<lang>/slack/`` in the seller's language.

Short labels live in ``labels.toml`` (``{name}`` placeholders); the one-line gist for the seller
is a Jinja template (``slack/_gist.txt``). English is the fallback for anything a translation lacks.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.templates import Renderer, endate, jdate, zhdate

FALLBACK = "en"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]`` (unknown names kept)."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
    )


class SlackTexts:
    """Labels, dates, durations and the gist in one language."""

    def __init__(self, renderer: Renderer, lang: str, tz: str = "Asia/Tokyo") -> None:
        self.renderer = renderer
        self.lang = lang if lang in ("en", "zh", "ja") else FALLBACK
        self.tz = tz
        base = renderer.templates_dir
        self._labels = _load(base / self.lang / "slack" / "labels.toml")
        self._fallback = _load(base / FALLBACK / "slack" / "labels.toml")

    def label(self, key: str, **values: Any) -> str:
        """The label ``section.name`` (e.g. ``button.take``), with placeholders filled."""
        section, _, name = key.partition(".")
        found = self._labels.get(section, {}).get(name)
        if found is None:
            found = self._fallback.get(section, {}).get(name, key)
        return fill(str(found), values)

    def intent(self, intent: str | None) -> str:
        """The intent's name for agents."""
        return self.label(f"intent.{intent or 'other'}")

    def when(self, moment: datetime) -> str:
        """A date and time in the shop's time zone, written the seller's way."""
        local = moment.astimezone(ZoneInfo(self.tz))
        day = {"zh": zhdate, "ja": jdate}.get(self.lang, endate)(local, self.tz)
        return f"{day} {local:%H:%M}"

    def day(self, value: date) -> str:
        """A calendar date, written the seller's way."""
        return {"zh": zhdate, "ja": jdate}.get(self.lang, endate)(value, self.tz)

    def clock(self, moment: datetime) -> str:
        """Only the time of day (``14:03:27``) in the shop's time zone."""
        return f"{moment.astimezone(ZoneInfo(self.tz)):%H:%M:%S}"

    def time_left(self, seconds: float) -> str:
        """``5 h 12 min left`` or ``overdue by 20 min``."""
        overdue = seconds < 0
        minutes = int(abs(seconds) // 60)
        h, m = divmod(minutes, 60)
        prefix = "overdue" if overdue else "left"
        if h:
            return self.label(f"text.{prefix}_hm", h=h, m=m)
        return self.label(f"text.{prefix}_m", m=m)

    def gist(self, **facts: Any) -> str:
        """The one-line summary for the seller (``slack/_gist.txt``), e.g. 「买家询问物流状态 · 订单 …」."""
        lang = self.lang if self.renderer.exists(self.lang, "slack/_gist.txt") else FALLBACK
        data = {"intent": None, "order_id": None, "carrier": None, "angry": False}
        data |= {"claim_risk": False, **facts}
        text = self.renderer.render(lang, "slack/_gist.txt", **data)
        return " ".join(text.split("\n")).strip()
