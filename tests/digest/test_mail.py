"""The digest as an e-mail: text and HTML alternatives, the chart inline by Content-ID."""

from __future__ import annotations

import re
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage

from bot.digest.chart import volume_chart
from bot.digest.figures import compute_figures
from bot.digest.mail import chart_cid, compose_digest
from bot.digest.period import Period
from tests.digest.story import AS_OF, HISTORY, jst

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_chart_is_a_png() -> None:
    figures = compute_figures(HISTORY, Period.day(date(2026, 11, 26)), "Asia/Tokyo", AS_OF)
    png = volume_chart(figures.days)
    assert png.startswith(PNG_MAGIC)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > height > 100


def test_html_part_and_png_are_related_and_the_html_points_at_the_png_by_cid() -> None:
    message_id = "<madoguchi.abc123@mirai-zakka.example.jp>"
    cid = chart_cid(message_id)
    png = PNG_MAGIC + b"rest-of-png"
    raw = compose_digest(
        from_name="ミライ雑貨店 (Madoguchi)",
        from_addr="shop@mirai-zakka.example.jp",
        to=["seller@example.com", "boss@example.com"],
        subject="【ミライ雑貨店】客服日报 · 11月26日（周四）",
        text="收到买家邮件 7 封",
        html=f'<html><body><p>收到买家邮件 7 封</p><img src="cid:{cid}"></body></html>',
        chart_png=png,
        cid=cid,
        message_id=message_id,
        date=jst(27, 9),
    )
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_type() == "multipart/alternative"
    plain, related = msg.get_payload()  # type: ignore[misc]
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image.get_content() == png
    assert image["Content-ID"] == f"<{cid}>"
    (src,) = re.findall(r'src="cid:([^"]+)"', html_part.get_content())
    assert f"<{src}>" == image["Content-ID"]
    assert plain.get_content().strip() == "收到买家邮件 7 封"
    assert msg["Subject"] == "【ミライ雑貨店】客服日报 · 11月26日（周四）"
    assert msg["To"] == "seller@example.com, boss@example.com"
    assert msg["Message-ID"] == message_id
    assert msg["Auto-Submitted"] == "auto-generated"


def test_without_a_chart_the_html_stands_alone() -> None:
    raw = compose_digest(
        from_name="Shop",
        from_addr="shop@example.jp",
        to=["seller@example.com"],
        subject="digest",
        text="text",
        html="<p>html</p>",
        chart_png=None,
        cid="unused@example.jp",
        message_id="<d@example.jp>",
        date=jst(27, 9),
    )
    msg = message_from_bytes(raw, policy=policy.default)
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
