"""is_auto and auto_reason: machines are recognised, buyers are not."""

from __future__ import annotations

import pytest

from bot.mail.parse import parse_mail


def mail(headers: str, body: str = "本文") -> bytes:
    return (headers.strip() + "\r\n\r\n" + body).encode()


@pytest.mark.parametrize(
    ("headers", "reason_part"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted"),
        ("Auto-Submitted: auto-generated; x=1", "Auto-Submitted"),
        ("X-Autoreply: yes", "x-autoreply"),
        ("X-Autorespond: 1", "x-autorespond"),
        ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress"),
        ("Precedence: bulk", "Precedence"),
        ("Precedence: junk", "Precedence"),
        ("Precedence: list", "Precedence"),
        ("List-Id: <news.example.jp>", "List-Id"),
        ("Return-Path: <>", "Return-Path"),
        ("From: MAILER-DAEMON@mx.example.jp", "mailer-daemon"),
        ("From: postmaster@example.jp", "postmaster"),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=x", "report"),
        ("Subject: 【自動返信】お問い合わせありがとうございます", "subject"),
        ("Subject: 自動応答: Re: ご注文について", "subject"),
        ("Subject: 不在通知：5月6日まで休業します", "subject"),
        ("Subject: 【不在】山田", "subject"),
        ("Subject: 【配信専用】発送のお知らせ", "subject"),
        ("Subject: 【送信専用】ご注文確認", "subject"),
        ("Subject: Auto-Reply: your message", "subject"),
        ("Subject: Automatic reply: 注文", "subject"),
        ("Subject: Out of Office: until Monday", "subject"),
        ("Subject: Undeliverable: 発送について", "subject"),
        ("Subject: Delivery Status Notification (Failure)", "subject"),
    ],
)
def test_automatic_mail_is_recognised(headers: str, reason_part: str) -> None:
    parsed = parse_mail(mail(headers))
    assert parsed.is_auto
    assert parsed.auto_reason is not None
    assert reason_part.lower() in parsed.auto_reason.lower()


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: 不在票が入っていました",
        "Subject: 自動返信しか来ません",
        "Subject: Re: 配送について",
        "Auto-Submitted: no\r\nSubject: 返品",
        "Precedence: normal\r\nSubject: 質問",
        "Return-Path: <buyer@example.com>\r\nFrom: buyer@example.com",
        "From: daemon-fan@example.com",
    ],
)
def test_buyer_mail_is_not_automatic(headers: str) -> None:
    parsed = parse_mail(mail(headers))
    assert not parsed.is_auto
    assert parsed.auto_reason is None


def test_mdn_read_receipt_is_automatic() -> None:
    raw = mail(
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"',
        "--b\r\nContent-Type: text/plain\r\n\r\nread\r\n--b\r\n"
        "Content-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; a@b\r\n--b--",
    )
    assert parse_mail(raw).is_auto
