"""The digest as an e-mail: a plain-text part and an HTML part with the chart inline.

Structure: ``multipart/alternative`` [``text/plain``, ``multipart/related`` [``text/html``,
``image/png``]], the HTML pointing at the PNG by ``cid:`` so mail programs show it without
fetching anything from the network.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import ShopSettings
    from bot.digest.build import Digest


def chart_cid(message_id: str) -> str:
    """The Content-ID of the chart (unique per mail; without angle brackets)."""
    local, _, domain = message_id.strip("<>").partition("@")
    return f"chart.{local}@{domain or 'madoguchi.invalid'}"


def compose_digest(
    *,
    from_name: str,
    from_addr: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    chart_png: bytes | None,
    cid: str,
    message_id: str,
    date: datetime,
) -> bytes:
    """The bytes of one digest mail (UTF-8, CRLF line ends)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((from_name, from_addr), charset="utf-8")
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    # a report, not a conversation: vacation responders must not answer it
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text, charset="utf-8", cte="base64")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    if chart_png is not None:
        html_part = msg.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            filename="chart.png",
            disposition="inline",
        )
    return msg.as_bytes()


def digest_mail(
    digest: Digest,
    shop: ShopSettings,
    to: list[str],
    *,
    cid: str,
    message_id: str,
    date: datetime,
) -> bytes:
    """The shop's digest mail of ``digest`` (rendered with ``embed="cid"`` and this ``cid``)."""
    rendered = digest.rendered
    return compose_digest(
        from_name=f"{shop.name} (Madoguchi)",
        from_addr=shop.address,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        chart_png=digest.chart_png,
        cid=cid,
        message_id=message_id,
        date=date,
    )
