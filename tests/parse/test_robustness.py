"""parse_mail never raises: hostile and broken input gives what could be read plus defects."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.mail.message import BuyerMail
from bot.mail.parse import parse_mail

GOOD = (
    b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <buyer@example.com>\r\n"
    b"To: shop@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCLSEbKEI=?=\r\n"
    b"Date: Wed, 1 May 2024 10:00:00 +0900\r\nMessage-ID: <m@x>\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
    b"\x1b$BFO$-$^$;$s\x1b(B\r\n"
    b"--b\r\nContent-Type: image/jpeg; name=a.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"/9j/4AAQSkZJRg==\r\n--b--\r\n"
)


def check(mail: BuyerMail) -> None:
    """Whatever came in, the result is a well-formed contract object."""
    contract = mail.to_contract()
    json.dumps(contract, ensure_ascii=False)
    assert isinstance(mail.text, str) and isinstance(mail.new_text, str)
    assert all(isinstance(d, str) and d for d in mail.defects)


def test_good_mail_for_reference() -> None:
    mail = parse_mail(GOOD)
    check(mail)
    assert (mail.subject, mail.text.strip(), mail.from_name) == ("①", "届きません", "山田")
    assert [(a.filename, a.size) for a in mail.attachments] == [("a.jpg", 10)]
    assert mail.defects == []


def test_empty_input() -> None:
    mail = parse_mail(b"")
    check(mail)
    assert mail.text == "" and mail.defects == ["empty mail"]


def test_truncated_mime() -> None:
    mail = parse_mail(GOOD[: GOOD.index(b"/9j/") + 6])
    check(mail)
    assert "届きません" in mail.text
    assert "multipart not closed (truncated mail?)" in mail.defects


def test_truncated_inside_headers() -> None:
    mail = parse_mail(GOOD[:40])
    check(mail)


def test_invalid_base64() -> None:
    raw = (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b"5bGK!!44GN*44G+44Gb44KT\r\n5"
    )
    mail = parse_mail(raw)
    check(mail)
    assert mail.text == "届きません"
    assert any("invalid characters in base64" in d for d in mail.defects)
    assert any("truncated base64" in d for d in mail.defects)


def test_base64_with_padding_in_the_middle() -> None:
    raw = (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b"5bGK44GN\r\n44G+44Gb44KT\r\nIQ==\r\nIQ==\r\n"
    )
    assert parse_mail(raw).text == "届きません!!"


def test_nul_bytes() -> None:
    raw = GOOD.replace(b"To: shop", b"To: sh\x00op").replace(b"$^$;", b"$^\x00$;")
    mail = parse_mail(raw)
    check(mail)
    assert "\x00" not in mail.text and "\x00" not in mail.subject


def test_one_megabyte_line_in_body_and_header() -> None:
    line = b"a" * 1_000_000
    mail = parse_mail(b"Subject: " + line + b"\r\n\r\n" + line + b"\r\n")
    check(mail)
    assert len(mail.subject) == 1_000_000 and len(mail.text.strip()) == 1_000_000


def test_hundred_levels_of_multipart_nesting() -> None:
    inner = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    for level in range(100):
        boundary = b"b%d" % level
        inner = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + inner
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    mail = parse_mail(b"Subject: deep\r\n" + inner)
    check(mail)
    assert mail.subject == "deep"
    assert any("nested deeper" in d for d in mail.defects)


def test_nesting_too_deep_for_the_stdlib_parser() -> None:
    inner = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    for level in range(3000):
        inner = (
            b"Content-Type: multipart/mixed; boundary=%d\r\n\r\n--%d\r\n"
            % (
                level,
                level,
            )
            + inner
        )
    mail = parse_mail(b"Subject: deeper\r\n" + inner)
    check(mail)
    assert mail.subject == "deeper"
    assert "MIME structure too deeply nested to parse: body shown as raw text" in mail.defects
    assert "hello" in mail.text


def test_binary_garbage() -> None:
    garbage = bytes(range(256)) * 64
    check(parse_mail(garbage))
    check(parse_mail(b"\xff\xfe\x00\x01" * 1000))


def test_multipart_without_boundary_keeps_the_body_as_text() -> None:
    mail = parse_mail(b"Content-Type: multipart/mixed\r\n\r\nhello there")
    check(mail)
    assert "hello there" in mail.text
    assert mail.defects


def test_headers_only_no_body() -> None:
    check(parse_mail(b"Subject: x\r\nFrom: a@b"))


def test_garbage_headers() -> None:
    raw = (
        b"Subject: =?x?B?====?= =?utf-8?Q?=ZZ?=\r\nFrom: <<<@@@>>>\r\nTo: ,,,;;;\r\n"
        b"Date: 99 Foo 99999 99:99:99\r\nContent-Type: ;;;=;charset\r\n"
        b"Content-Transfer-Encoding: x-strange\r\n\r\nbody"
    )
    mail = parse_mail(raw)
    check(mail)
    assert "body" in mail.text


def test_unknown_charset_in_encoded_word_and_body() -> None:
    raw = b"Subject: =?klingon?B?44GC?=\r\nContent-Type: text/plain; charset=klingon\r\n\r\n\xe3\x81\x82"
    mail = parse_mail(raw)
    check(mail)
    assert (mail.subject, mail.text) == ("あ", "あ")


_HEADER_NAMES = st.sampled_from(
    ["Subject", "From", "To", "Date", "Content-Type", "Content-Transfer-Encoding",
     "Content-Disposition", "Message-ID", "References", "X-Junk"]
)  # fmt: skip


@st.composite
def mime_like(draw: st.DrawFn) -> bytes:
    """Mails shaped like MIME with random values: reaches deeper code than random bytes."""
    lines = [
        draw(_HEADER_NAMES).encode() + b": " + draw(st.binary(max_size=60)).replace(b"\n", b" ")
        for _ in range(draw(st.integers(0, 8)))
    ]
    body = draw(st.binary(max_size=300))
    if draw(st.booleans()):
        part = b"Content-Type: text/plain; charset=" + draw(
            st.sampled_from([b"iso-2022-jp", b"shift_jis", b"utf-8", b"gb2312", b"x"])
        )
        body = b"--q\r\n" + part + b"\r\n\r\n" + body + draw(st.sampled_from([b"\r\n--q--", b""]))
        lines.append(b"Content-Type: multipart/mixed; boundary=q")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    check(parse_mail(raw))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_like())
def test_random_mime_never_raises(raw: bytes) -> None:
    check(parse_mail(raw))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_random_text_bodies_never_raise(text: str) -> None:
    raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode("utf-8", "surrogatepass")
    check(parse_mail(raw))
