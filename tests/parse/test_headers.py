"""Encoded words, RFC 2231 parameters, addresses, ids and dates."""

from __future__ import annotations

import base64
from datetime import timedelta

from bot.mail.headers import (
    decode_subject,
    decode_words,
    message_id,
    message_ids,
    parse_addresses,
    parse_date,
    parse_params,
)
from bot.mail.parse import parse_mail


def b_word(charset: str, data: bytes) -> str:
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def test_subject_with_circled_number_in_iso_2022_jp_word() -> None:
    word = b_word("ISO-2022-JP", b"\x1b$B%F%9%H-!\x1b(B")
    assert decode_subject(word).text == "テスト①"


def test_split_iso_2022_jp_words_are_joined_as_bytes() -> None:
    # 配送状況 in JIS is "G[Aw>u67"; the escape only opens the first word (domain.md §1).
    first = b_word("ISO-2022-JP", b"\x1b$BG[Aw")
    second = b_word("ISO-2022-JP", b">u67\x1b(B")
    decoded = decode_subject(f"{first}\r\n {second}")
    assert decoded.text == "配送状況"
    assert decoded.codecs == ["cp50220"]


def test_split_utf8_character_across_words_is_joined_as_bytes() -> None:
    data = "配送状況".encode()
    first, second = b_word("UTF-8", data[:4]), b_word("utf-8", data[4:])
    assert decode_subject(f"{first} {second}").text == "配送状況"


def test_joining_base64_text_would_break_so_padding_words_work() -> None:
    data = "ご注文".encode()
    words = " ".join(b_word("utf-8", data[i : i + 1]) for i in range(len(data)))
    assert decode_subject(words).text == "ご注文"


def test_windows_31j_and_x_sjis_words() -> None:
    subject = b_word("Windows-31J", "①配送".encode("cp932")) + " =?x-sjis?Q?=82=A8=8A=E8=82=A2?="
    decoded = decode_subject(subject)
    assert decoded.text == "①配送お願い"
    assert set(decoded.codecs) == {"cp932"}


def test_q_encoding_underscore_is_space() -> None:
    assert decode_words("=?utf-8?Q?Re:_=E3=81=82?=").text == "Re: あ"


def test_whitespace_between_text_and_word_is_kept() -> None:
    assert decode_subject("Re: " + b_word("utf-8", "返品".encode())).text == "Re: 返品"


def test_raw_8bit_utf8_subject() -> None:
    mail = parse_mail("Subject: 発送について\r\n\r\nbody".encode())
    assert mail.subject == "発送について"
    assert "utf-8" in mail.charsets
    assert not [d for d in mail.defects if "Subject" in d]


def test_raw_8bit_shift_jis_subject_is_guessed_with_a_defect() -> None:
    mail = parse_mail(b"Subject: " + "発送について".encode("cp932") + b"\r\n\r\nbody")
    assert mail.subject == "発送について"
    assert any(d.startswith("Subject:") for d in mail.defects)


def test_bad_base64_in_encoded_word_does_not_raise() -> None:
    decoded = decode_words("=?utf-8?B?4 4G*C?=")
    assert isinstance(decoded.text, str)
    assert decoded.defects


def test_rfc2231_iso_2022_jp_filename() -> None:
    quoted = "".join(f"%{b:02X}" for b in b"\x1b$B@A5a=q\x1b(B.pdf")
    _, params, info = parse_params(f"attachment; filename*=iso-2022-jp'ja'{quoted}", "filename")
    assert params["filename"] == "請求書.pdf"
    assert info.codecs == ["cp50220"]


def test_rfc2231_continuations_with_charset_in_first_section() -> None:
    value = (
        "attachment;\r\n filename*0*=UTF-8''%E9%A0%98%E5%8F%8E;\r\n"
        " filename*1*=%E6%9B%B8;\r\n filename*2=.pdf"
    )
    assert parse_params(value, "filename")[1]["filename"] == "領収書.pdf"


def test_encoded_word_inside_quoted_filename() -> None:
    value = 'attachment; filename="' + b_word("ISO-2022-JP", b"\x1b$B<L??\x1b(B") + '.jpg"'
    assert parse_params(value, "filename")[1]["filename"] == "写真.jpg"


def test_params_are_case_insensitive_and_quoted_values_unescaped() -> None:
    main, params, _ = parse_params('Text/Plain; CHARSET="iso-2022-jp"; name="a\\"b"', "x")
    assert (main, params["charset"], params["name"]) == ("text/plain", "iso-2022-jp", 'a"b')


def test_addresses_are_bare_lower_case_with_decoded_names() -> None:
    name = b_word("ISO-2022-JP", b"\x1b$B;3ED\x1b(B")
    found, info = parse_addresses(f'"{name}" <Yamada@Example.JP>, b@C.example', "To")
    assert [(a.name, a.addr) for a in found] == [("山田", "yamada@example.jp"), ("", "b@c.example")]
    assert info.codecs == ["cp50220"]


def test_from_with_raw_utf8_name_and_comment() -> None:
    mail = parse_mail(
        "From: 佐藤 花子 <Hanako@Example.com>\r\nTo: shop@example.jp\r\n\r\nx".encode()
    )
    assert (mail.from_name, mail.from_addr, mail.to) == (
        "佐藤 花子",
        "hanako@example.com",
        ["shop@example.jp"],
    )


def test_amazon_relay_address_kept_as_reply_address() -> None:
    raw = (
        b"From: abcdefghijklmno@marketplace.amazon.co.jp\r\n"
        b"Reply-To: Abcdefghijklmno+ABC@marketplace.amazon.co.jp\r\n\r\nx"
    )
    mail = parse_mail(raw)
    assert mail.reply_to == "abcdefghijklmno+abc@marketplace.amazon.co.jp"
    assert mail.reply_address == mail.reply_to


def test_message_ids_keep_angle_brackets() -> None:
    assert message_id(" <abc@host>\r\n") == "<abc@host>"
    assert message_id("abc@host") == "<abc@host>"
    assert message_id("garbage words") is None
    assert message_ids("<a@x> <b@y>\r\n\t<a@x> junk <c@z>") == ["<a@x>", "<b@y>", "<c@z>"]


def test_date_with_zone() -> None:
    date, defects = parse_date("Wed, 01 May 2024 10:00:00 +0900 (JST)")
    assert date is not None and date.utcoffset() == timedelta(hours=9)
    assert date.isoformat() == "2024-05-01T10:00:00+09:00"
    assert defects == []


def test_date_without_zone_assumes_japan_with_a_defect() -> None:
    date, defects = parse_date("1 May 2024 10:00:00")
    assert date is not None and date.utcoffset() == timedelta(hours=9)
    assert defects == ["Date header has no usable time zone; assumed +09:00"]


def test_date_named_jst_is_japan_without_a_defect() -> None:
    date, defects = parse_date("Wed, 1 May 2024 10:00:00 JST")
    assert date is not None and date.utcoffset() == timedelta(hours=9) and defects == []


def test_date_minus_zero_is_utc() -> None:
    date, _ = parse_date("Wed, 1 May 2024 10:00:00 -0000")
    assert date is not None and date.utcoffset() == timedelta(0)


def test_unreadable_date_is_a_defect_not_an_error() -> None:
    assert parse_date("2024年5月1日")[0] is None
    date, defects = parse_date("Mon, 31 Feb 2024 10:00:00 +0900")
    assert date is None and defects[0].startswith("unreadable Date header")


def test_mail_level_threading_fields() -> None:
    raw = (
        b"Message-ID: <m2@shop>\r\nIn-Reply-To: <m1@shop>\r\n"
        b"References: <m0@shop>\r\n <m1@shop>\r\nDate: Wed, 1 May 2024 10:00:00 +0900\r\n\r\nx"
    )
    contract = parse_mail(raw).to_contract()
    assert contract["message_id"] == "<m2@shop>"
    assert contract["in_reply_to"] == "<m1@shop>"
    assert contract["references"] == ["<m0@shop>", "<m1@shop>"]
    assert contract["date"] == "2024-05-01T10:00:00+09:00"
