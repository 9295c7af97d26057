"""Composing replies: UTF-8, one ``Re:``, threading headers, a stable Message-ID, robot marks."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default
from email.utils import parseaddr

import pytest

from bot.clock import JST
from bot.mail.compose import compose, make_message_id, reply_subject, thread_references


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: RE: Ｒｅ：配送について", "Re: 配送について"),
        ("ＲＥ：　ＲＥ：　商品が届きません", "Re: 商品が届きません"),
        ("RE：Re[2]: 領収書", "Re: 領収書"),
        ("Fwd: Re: 交換の件", "Re: 交換の件"),
        ("返信: Re: キャンセル", "Re: キャンセル"),
        ("AW: Antw: Frage", "Re: Frage"),
        ("Re:注文番号について", "Re: 注文番号について"),
        ("[重要] 返品について", "Re: 返品について"),
        ("Reply about size", "Re: Reply about size"),
        ("", "Re: お問い合わせの件"),
        ("Re: ", "Re: お問い合わせの件"),
    ],
)
def test_reply_subject_has_exactly_one_re(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_reply_subject_keeps_the_buyers_characters_after_the_prefix() -> None:
    # Only the prefixes are folded; full-width text in the subject itself stays as written.
    assert reply_subject("Ｒｅ： ＡＢＣ－１２３の件") == "Re: ＡＢＣ－１２３の件"


def test_message_ids_are_deterministic_per_seed() -> None:
    one = make_message_id("reply:<q1@b>:7", "mirai-zakka.example.jp")
    assert one == make_message_id("reply:<q1@b>:7", "mirai-zakka.example.jp")
    assert one != make_message_id("reply:<q1@b>:8", "mirai-zakka.example.jp")
    assert one.startswith("<madoguchi.") and one.endswith("@mirai-zakka.example.jp>")


def test_references_append_the_parent_without_repeating_it() -> None:
    assert thread_references(["<a@x>", "<b@x>"], "<c@x>") == ["<a@x>", "<b@x>", "<c@x>"]
    assert thread_references(["<a@x>", "<c@x>"], "<c@x>") == ["<a@x>", "<c@x>"]
    assert len(thread_references([f"<{i}@x>" for i in range(40)], "<p@x>")) == 20


def _compose(automatic: bool) -> bytes:
    return compose(
        from_name="ミライ雑貨店 カスタマーサポート",
        from_addr="shop@mirai-zakka.example.jp",
        to="k2x7q9w3e5r1t8y+abc@marketplace.amazon.co.jp",
        subject=reply_subject("Re: RE: 配送状況について"),
        body="山田様\n\nお問い合わせいただきありがとうございます。①髙橋～",
        message_id="<madoguchi.1@mirai-zakka.example.jp>",
        date=datetime(2026, 11, 26, 10, 5, tzinfo=JST),
        in_reply_to="<q2@buyer.example.jp>",
        references=["<q1@buyer.example.jp>"],
        automatic=automatic,
    )


def test_a_bot_reply_is_utf8_threaded_and_marked_automatic() -> None:
    raw = _compose(automatic=True)
    assert all(line.endswith(b"\r") or not line for line in raw.split(b"\n")[:-1])  # CRLF
    msg = message_from_bytes(raw, policy=default)
    # RFC 2047 decoding joins adjacent encoded words (policy.default inserts a space there).
    legacy = message_from_bytes(raw)
    name, address = parseaddr(str(make_header(decode_header(legacy["From"]))))
    assert (name, address) == ("ミライ雑貨店 カスタマーサポート", "shop@mirai-zakka.example.jp")
    # A relay address is used as it is, tag included.
    assert msg["To"] == "k2x7q9w3e5r1t8y+abc@marketplace.amazon.co.jp"
    assert str(msg["Subject"]) == "Re: 配送状況について"
    assert msg["Message-ID"] == "<madoguchi.1@mirai-zakka.example.jp>"
    assert msg["In-Reply-To"] == "<q2@buyer.example.jp>"
    assert msg["References"].split() == ["<q1@buyer.example.jp>", "<q2@buyer.example.jp>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg.get_content_charset() == "utf-8"
    # Base64 text is in canonical form: CRLF line ends (RFC 2045).
    text = msg.get_content().replace("\r\n", "\n").rstrip("\n")
    assert text == "山田様\n\nお問い合わせいただきありがとうございます。①髙橋～"


def test_an_agents_reply_is_not_marked_automatic() -> None:
    msg = message_from_bytes(_compose(automatic=False), policy=default)
    assert msg["Auto-Submitted"] is None
    assert msg["X-Auto-Response-Suppress"] is None
    assert msg["In-Reply-To"] == "<q2@buyer.example.jp>"


def test_ascii_names_are_quoted_and_line_breaks_are_refused() -> None:
    raw = compose(
        from_name="Mirai, Inc.",
        from_addr="shop@mirai.example",
        to="a@b.example",
        subject="Re: your order",
        body="Thanks.",
        message_id="<m@mirai.example>",
        date=datetime(2026, 11, 26, 10, 5, tzinfo=JST),
        automatic=False,
    )
    msg = message_from_bytes(raw, policy=default)
    assert msg["From"].addresses[0].display_name == "Mirai, Inc."
    assert str(msg["Subject"]) == "Re: your order"
    with pytest.raises(ValueError):
        compose(
            from_name="x",
            from_addr="shop@mirai.example",
            to="a@b.example\r\nBcc: victim@example.com",
            subject="s",
            body="b",
            message_id="<m@x>",
            date=datetime(2026, 11, 26, tzinfo=JST),
        )


def test_long_references_are_folded() -> None:
    refs = [f"<reference-number-{i}@groupware.example.co.jp>" for i in range(8)]
    raw = compose(
        from_name="ミライ雑貨店",
        from_addr="shop@mirai.example",
        to="a@b.example",
        subject="Re: 件名",
        body="本文",
        message_id="<m@mirai.example>",
        date=datetime(2026, 11, 26, 10, 5, tzinfo=JST),
        in_reply_to="<parent@groupware.example.co.jp>",
        references=refs,
    )
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    msg = message_from_bytes(raw, policy=default)
    assert msg["References"].split() == [*refs, "<parent@groupware.example.co.jp>"]


@pytest.mark.parametrize("name", ["From", "Subject", "X-A-Very-Long-Header-Name-For-Folding-Tests"])
def test_encoded_headers_are_the_email_packages_words(name: str) -> None:
    # The composer writes encoded words itself; they are the same as the email package's.
    from email.header import Header

    from bot.mail.compose import _encoded

    pieces = [
        "配送状況について",
        "Re: ",
        "ミライ雑貨店",
        "😀",
        "é",
        "ｱｲｳ０１２",
        "a b;c,d",
        "\u2028",
        " ",
    ]
    values = [p * n for p in pieces for n in (1, 2, 5, 11, 30)]
    values += [
        "".join(pieces[(i * 7 + j) % len(pieces)] for j in range(i % 13)) for i in range(300)
    ]
    for value in values:
        expected = (
            value
            if value.isascii()
            else Header(value, "utf-8", header_name=name).encode(linesep="\r\n", maxlinelen=78)
        )
        assert _encoded(value, name) == expected, value
