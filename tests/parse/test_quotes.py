"""new_text: what the buyer wrote this time, for every quote and signature form in domain.md §2."""

from __future__ import annotations

import pytest

from bot.mail.quotes import new_text

BUYER = "お世話になっております。\n注文した商品がまだ届きません。\n確認をお願いします。"


@pytest.mark.parametrize(
    "attribution",
    [
        "2024年5月1日(水) 10:00 山田太郎 <shop@example.jp>:",
        "2024年5月1日（水） 10:00 山田太郎 <shop@example.jp>:",
        "2024年5月1日(水) 10:00 <shop@example.jp>:",
        "2024年5月1日(水) 午前10:00 ショップ <shop@example.jp>:",
        "2024年5月1日(水) 10:00 山田太郎 <\nshop@example.jp>:",
        "2024年5月1日(水) 10:00 山田太郎\n<shop@example.jp>:",
        "2009/07/25 12:15 に 名前<shop@example.jp> さんは書きました:",
        "2006-11-08 (水) の 11:31 +0100 に 名前 さんは書きました:",
        "2024/05/01 10:00、ショップ <shop@example.jp>のメール:",
        "2024/05/01 10:00、ショップ <shop@example.jp>のメッセージ:",
        "On Wed, May 1, 2024 at 10:00 AM Shop <shop@example.jp> wrote:",
        "On Wed, May 1, 2024 at 10:00 AM Shop <shop@example.jp>\nwrote:",
    ],
)
def test_attribution_and_quoted_original_are_dropped(attribution: str) -> None:
    text = f"{BUYER}\n\n{attribution}\n\n> ご注文ありがとうございます。\n> 発送は明日です。\n"
    assert new_text(text) == BUYER


def test_full_width_quote_marks_are_dropped() -> None:
    assert new_text(f"{BUYER}\n\n＞ご注文ありがとうございます。\n＞発送は明日です。") == BUYER


def test_bottom_posted_text_after_quote_is_kept() -> None:
    text = (
        "2024/05/01 10:00 に ショップ さんは書きました:\n> 発送しました。\n\nまだ届いていません。"
    )
    assert new_text(text) == "まだ届いていません。"


def test_interleaved_answers_are_kept() -> None:
    text = "> サイズはMでよろしいですか？\nLでお願いします。\n> 色は？\n黒です。"
    assert new_text(text) == "Lでお願いします。\n黒です。"


@pytest.mark.parametrize(
    "block",
    [
        "ーーーーーーーーーーーーーーーー\n差出人: ショップ <shop@example.jp>\n送信日時: 2024年5月1日 10:00\n"
        "宛先: buyer@example.com\n件名: ご注文の発送について",
        "-----Original Message-----\nFrom: Shop <shop@example.jp>\nSent: Wednesday, May 1, 2024\n"
        "To: buyer@example.com\nSubject: Your order",
        "________________________________\n送信者: ショップ <shop@example.jp>\n日付: 2024年5月1日\n"
        "宛先: buyer@example.com\n件名: 発送",
        "From: Shop <shop@example.jp>\nDate: 2024/05/01\nSubject: 発送",
        "-----元のメッセージ-----\n差出人: ショップ\n件名: 発送",
        "---------- Forwarded message ---------\nFrom: Shop <shop@example.jp>\nDate: Wed",
        "Begin forwarded message:\n\nFrom: Shop",
        "転送されたメッセージ:\n\n差出人: ショップ",
    ],
)
def test_outlook_header_blocks_and_markers_cut_the_original(block: str) -> None:
    text = f"{BUYER}\n\n{block}\n\nご注文ありがとうございます。発送は明日です。\n"
    assert new_text(text) == BUYER


@pytest.mark.parametrize(
    "signature",
    [
        "━━━━━━━━━━━━━━━\n山田 太郎\n〒100-0001 東京都千代田区1-1\nTEL: 090-1234-5678\n━━━━━━━━━━━━━━━",
        "＝＝＝＝＝＝＝＝＝＝\n株式会社サンプル\n山田太郎\nURL: https://example.jp/\n＝＝＝＝＝＝＝＝＝＝",
        "----------------------\n山田太郎\nE-mail: taro@example.com\n----------------------",
        "――――――――――\n山田商店 山田\nTel 03-1234-5678\nhttps://example.jp",
        "＿＿＿＿＿＿＿＿＿＿\n(株)サンプル 営業部\n山田太郎\n携帯: 090-0000-0000",
        "-- \n山田太郎\nhttp://example.jp/blog",
        "--\n山田太郎",
    ],
)
def test_signature_blocks_are_dropped(signature: str) -> None:
    assert new_text(f"{BUYER}\n\n{signature}\n") == BUYER


@pytest.mark.parametrize(
    "footer",
    [
        "iPhoneから送信",
        "Sent from my iPhone",
        "iPadから送信",
        "Android携帯からの送信",
        "ドコモのスマートフォンから送信",
        "auメールから送信",
        "Galaxy スマートフォンから送信",
        "Get Outlook for iOS",
    ],
)
def test_mobile_footers_are_dropped(footer: str) -> None:
    assert new_text(f"{BUYER}\n\n{footer}") == BUYER


def test_footer_then_quote_is_dropped_together() -> None:
    text = f"{BUYER}\n\niPhoneから送信\n\n2024/05/01 10:00、ショップ <s@example.jp>のメール:\n\n> 発送しました"
    assert new_text(text) == BUYER


def test_dash_line_inside_buyer_text_is_kept() -> None:
    text = "注文について\n-----------\n商品Aが届いていません。\n商品Bは届きました。"
    assert new_text(text) == text


def test_dash_line_then_phone_number_sentence_is_kept() -> None:
    text = "以下の件です\n----------\n配達の電話がありましたが不在でした。\nTEL 090-1234-5678 に連絡ください。\n再配達をお願いします。"
    assert new_text(text) == text


def test_date_inside_buyer_text_is_kept() -> None:
    text = "2024年5月1日(水) 10:00に注文しました。\nまだ発送されていません。"
    assert new_text(text) == text


def test_line_ending_in_colon_without_date_or_address_is_kept() -> None:
    text = "以下の内容で注文しました:\n- 商品A\n- 商品B"
    assert new_text(text) == text


def test_amazon_relay_end_marker_and_boilerplate_are_dropped() -> None:
    text = (
        "注文番号: 249-1234567-1234567\n\n------------- メッセージ: -------------\n\n"
        "商品が届いていません。\n\n------------- メッセージの終わり -------------\n\n"
        "For Your Information: To help arbitrate disputes and preserve trust and safety, ..."
    )
    assert new_text(text) == (
        "注文番号: 249-1234567-1234567\n\n------------- メッセージ: -------------\n\n"
        "商品が届いていません。"
    )


def test_full_text_untouched_when_nothing_to_strip() -> None:
    assert new_text(BUYER) == BUYER


def test_crlf_text() -> None:
    assert new_text("届きません。\r\n\r\n> 以前のメール\r\n") == "届きません。"


def test_only_quote_gives_empty_text() -> None:
    assert new_text("> 引用だけ\n> です") == ""


def test_long_single_line_is_fast_and_kept() -> None:
    line = "あ" * 1_000_000
    assert new_text(line) == line
