"""Bytes → text for every charset case in domain.md §1, built byte by byte here."""

from __future__ import annotations

import pytest

from bot.mail.charsets import codec_for_label, decode_bytes
from bot.mail.iso2022jp import decode as decode_iso2022jp
from bot.mail.iso2022jp import jis_to_sjis
from bot.mail.parse import parse_mail

ESC_KANJI = b"\x1b$B"
ESC_ASCII = b"\x1b(B"
ESC_KANA = b"\x1b(I"


def jis(text: str) -> bytes:
    """``text`` as ISO-2022-JP kanji-mode bytes, via cp932 and the inverse arithmetic."""
    out = bytearray()
    sjis = text.encode("cp932")
    for i in range(0, len(sjis), 2):
        s1, s2 = sjis[i], sjis[i + 1]
        row = (s1 - (0x70 if s1 < 0xE0 else 0xB0)) * 2 - (1 if s2 < 0x9F else 0)
        out += bytes([row, s2 - (0x1F if s2 < 0x7F else 0x20 if s2 < 0x9F else 0x7E)])
    return bytes(out)


def test_jis_to_sjis_arithmetic_matches_known_code_points() -> None:
    assert jis_to_sjis(0x2D, 0x21) == (0x87, 0x40)  # ①
    assert jis_to_sjis(0x24, 0x22) == (0x82, 0xA0)  # あ
    assert jis_to_sjis(0x30, 0x21) == (0x88, 0x9F)  # 亜
    assert jis_to_sjis(0x7C, 0x7E) == (0xEE, 0xFC)  # last NEC-selected IBM row


def test_circled_one_is_esc_dollar_b_2d21() -> None:
    text, problems = decode_iso2022jp(ESC_KANJI + b"\x2d\x21" + ESC_ASCII)
    assert (text, problems) == ("①", [])


@pytest.mark.parametrize("char", ["①", "⑳", "Ⅰ", "Ⅹ", "㈱", "№", "髙", "﨑", "～", "－", "∥", "＼"])
def test_cp50220_extensions_decode(char: str) -> None:
    data = b"X" + ESC_KANJI + jis(char) + ESC_ASCII + b"Y"
    assert decode_bytes(data, "ISO-2022-JP").text == f"X{char}Y"


def test_stdlib_rejects_what_we_decode() -> None:
    data = ESC_KANJI + jis("①㈱髙") + ESC_ASCII
    with pytest.raises(UnicodeDecodeError):
        data.decode("iso2022_jp")
    decoded = decode_bytes(data, "iso-2022-jp")
    assert (decoded.text, decoded.codec, decoded.defects) == ("①㈱髙", "cp50220", ())


def test_half_width_katakana_via_esc_paren_i() -> None:
    # ｷｬﾝｾﾙ = 0xB7 0xAC 0xDD 0xBE 0xD9 in cp932, minus 0x80 under ESC ( I
    data = ESC_KANA + bytes([0x37, 0x2C, 0x5D, 0x3E, 0x59]) + ESC_ASCII + b"!"
    assert decode_bytes(data, "iso-2022-jp").text == "ｷｬﾝｾﾙ!"


def test_half_width_katakana_via_shift_out() -> None:
    assert decode_iso2022jp(b"\x0e\x37\x2c\x0f.")[0] == "ｷｬ."


def test_jis_roman_yen_sign() -> None:
    assert decode_iso2022jp(b"\x1b(J\\100" + ESC_ASCII + b"\\")[0] == "¥100\\"


def test_user_defined_rows_become_private_use_with_a_problem() -> None:
    text, problems = decode_iso2022jp(ESC_KANJI + b"\x75\x21\x76\x7e" + ESC_ASCII)
    assert text == "\ue000\ue0bb"
    assert problems and "private-use" in problems[0]


def test_invalid_jis_pair_is_replaced_and_reported() -> None:
    text, problems = decode_iso2022jp(ESC_KANJI + b"\x29\x21" + ESC_ASCII)
    assert text == "\ufffd"
    assert "invalid" in problems[0]


def test_newline_inside_kanji_mode_passes_through() -> None:
    text, _ = decode_iso2022jp(ESC_KANJI + jis("本") + b"\n" + jis("文") + ESC_ASCII)
    assert text == "本\n文"


@pytest.mark.parametrize(
    "label", ["shift_jis", "Shift_JIS", "sjis", "x-sjis", "ms932", "windows-31j", "cp932", "SJIS"]
)
def test_every_shift_jis_label_is_read_as_cp932(label: str) -> None:
    data = "①髙～－∥＼㈱".encode("cp932")
    decoded = decode_bytes(data, label)
    assert (decoded.text, decoded.codec, decoded.defects) == ("①髙～－∥＼㈱", "cp932", ())


def test_cp932_differs_from_jis_shift_jis_at_wave_dash() -> None:
    assert b"\x81\x60".decode("shift_jis") == "〜"
    assert decode_bytes(b"\x81\x60", "shift_jis").text == "～"


def test_iso_2022_jp_label_on_utf8_bytes() -> None:
    decoded = decode_bytes("配送状況を教えてください".encode(), "iso-2022-jp")
    assert decoded.text == "配送状況を教えてください"
    assert decoded.codec == "utf-8"
    assert "8-bit" in decoded.defects[0]


def test_iso_2022_jp_label_on_shift_jis_bytes() -> None:
    decoded = decode_bytes("商品が届きません①".encode("cp932"), "ISO-2022-JP")
    assert (decoded.text, decoded.codec) == ("商品が届きません①", "cp932")
    assert decoded.defects


def test_iso_2022_jp_label_on_euc_jp_bytes() -> None:
    decoded = decode_bytes("注文をキャンセルしたいです".encode("euc_jp"), "iso-2022-jp")
    assert (decoded.text, decoded.codec) == ("注文をキャンセルしたいです", "euc_jp")


def test_missing_charset_on_8bit_bytes_is_guessed_with_a_defect() -> None:
    decoded = decode_bytes("領収書をお願いします".encode("cp932"), None)
    assert (decoded.text, decoded.codec) == ("領収書をお願いします", "cp932")
    assert "no charset declared" in decoded.defects[0]


def test_missing_charset_on_ascii_is_not_a_defect() -> None:
    assert decode_bytes(b"hello", None).defects == ()


def test_shift_jis_label_on_utf8_bytes() -> None:
    decoded = decode_bytes("お問い合わせ".encode(), "shift_jis")
    assert (decoded.text, decoded.codec) == ("お問い合わせ", "utf-8")
    assert decoded.defects


def test_gb2312_label_is_decoded_as_gb18030() -> None:
    data = "次の受信者またはグループへの配信に失敗しました".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    decoded = decode_bytes(data, "gb2312")
    assert (decoded.text, decoded.codec, decoded.defects) == (
        "次の受信者またはグループへの配信に失敗しました",
        "gb18030",
        (),
    )


def test_euc_jp_label() -> None:
    decoded = decode_bytes("返品について".encode("euc_jp"), "EUC-JP")
    assert (decoded.text, decoded.codec) == ("返品について", "euc_jp")


def test_euc_jp_with_nec_row_13_falls_back_to_jis_x_0213() -> None:
    data = "商品①".encode("euc_jis_2004")
    decoded = decode_bytes(data, "euc-jp")
    assert decoded.text == "商品①"


def test_utf8_with_one_bad_byte_keeps_its_label() -> None:
    data = "お世話になっております。発送はいつですか".encode() + b"\xff"
    decoded = decode_bytes(data, "utf-8")
    assert decoded.codec == "utf-8"
    assert decoded.text.startswith("お世話になっております。")
    assert "1 undecodable" in decoded.defects[0]


def test_unknown_label_is_sniffed_and_reported() -> None:
    decoded = decode_bytes("テスト".encode(), "x-no-such-charset")
    assert (decoded.text, decoded.codec) == ("テスト", "utf-8")
    assert "unknown charset" in decoded.defects[0]


def test_bytes_to_bytes_codec_names_are_not_charsets() -> None:
    assert codec_for_label("base64") is None
    assert codec_for_label("rot13") is None
    assert codec_for_label("unicode_escape") is None


def test_latin1_label_on_utf8_is_read_as_utf8() -> None:
    decoded = decode_bytes("ありがとうございます".encode(), "iso-8859-1")
    assert decoded.text == "ありがとうございます"


def test_real_latin1_stays_latin1() -> None:
    assert decode_bytes("café".encode("latin-1"), "iso-8859-1").text == "café"


def test_no_replacement_character_in_a_whole_cp932_mail() -> None:
    body = "お世話になります。\r\n注文番号２４９－１２３４５６７－１２３４５６７の件で①②③、㈱髙島屋".encode(
        "cp932"
    )
    raw = b"Subject: test\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n" + body
    mail = parse_mail(raw)
    assert "\ufffd" not in mail.text
    assert "㈱髙島屋" in mail.text
    assert mail.charsets == ["cp932"]


@pytest.mark.parametrize("label", [None, "us-ascii", "shift_jis", "utf-8"])
def test_iso_2022_jp_escapes_under_another_label_are_decoded(label: str | None) -> None:
    decoded = decode_bytes(ESC_KANJI + jis("届きません") + ESC_ASCII, label)
    assert (decoded.text, decoded.codec) == ("届きません", "cp50220")
    assert "ISO-2022-JP escapes" in decoded.defects[0]
