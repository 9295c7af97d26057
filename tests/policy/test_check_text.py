"""The policy check: each rule fires on what it forbids and stays quiet on its near misses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import ShopSettings
from bot.policy import Violation, allowed_domains, check_text, warning_text

SHOP = ShopSettings(
    name="ミライ雑貨店",
    addresses=("shop@mirai-zakka.example.jp",),
    marketplace="amazon_jp",
    signature="ミライ雑貨店 カスタマーサポート",
)
OWN_STORE = replace(SHOP, marketplace="own_store", allowed_link_domains=("mirai-zakka.example.jp",))


def rules(text: str, shop: ShopSettings = SHOP, **kwargs: object) -> list[str]:
    return [v.rule for v in check_text(text, shop, **kwargs)]  # type: ignore[arg-type]


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "お電話（03-1234-5678）でも承ります。",
        "携帯：090-1234-5678",
        "０９０－１２３４－５６７８までご連絡ください。",
        "090ー1234ー5678",
        "09012345678",
        "TEL 0312345678",
        "+81-3-1234-5678",
        "(03)1234-5678",
        "フリーダイヤル 0120-123-456",
        "0120123456",
    ],
)
def test_phone_numbers_are_found(text: str) -> None:
    assert rules(text) == ["phone_number"]


@pytest.mark.parametrize(
    "text",
    [
        "注文番号：249-1234567-1234567",
        "注文番号：２４９－１２３４５６７－１２３４５６７",
        "お問い合わせ伝票番号：123456789013",
        "お問い合わせ伝票番号：0123-4567-8901",
        "〒100-0001 東京都千代田区",
        "〒060-0001 札幌市",
        "お届け予定日：2026-11-28",
        "2026/11/28 10:00-18:00",
        "受付時間 09:00〜18:00",
        "合計金額 ¥12,800（税込）",
        "1,980円を返金いたしました。",
        "追跡番号 LX123456785CN",
        "YT2412345678901234",
        "数量：3個、重さ0.5kg",
        "登録番号 T1234567890123",
    ],
)
def test_order_ids_tracking_numbers_postcodes_dates_and_prices_are_not_phone_numbers(
    text: str,
) -> None:
    assert rules(text) == []


def test_a_known_tracking_number_shaped_like_a_phone_number_is_not_one() -> None:
    text = "お問い合わせ伝票番号：09012345678"
    assert rules(text) == ["phone_number"]
    assert rules(text, known_numbers=["09012345678"]) == []


def test_an_unseparated_landline_needs_a_phone_word_to_count() -> None:
    assert rules("西濃運輸 お問い合わせ番号 0312345678") == []
    assert rules("電話番号は0312345678です") == ["phone_number"]


# --- mail addresses and links ------------------------------------------------------------------


def test_mail_addresses_are_found_also_in_full_width() -> None:
    assert rules("support@mirai-zakka.example.jp までどうぞ") == ["email_address"]
    assert rules("ｓｕｐｐｏｒｔ＠ｍｉｒａｉ．ｊｐ") == ["email_address"]


def test_an_at_sign_without_an_address_is_fine() -> None:
    assert rules("@のあとに何もない行、または ＠ だけ") == []


def test_links_to_carriers_and_amazon_are_allowed_and_others_are_not() -> None:
    ok = "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789013 と Amazon.co.jp の注文履歴"
    assert rules(ok) == []
    found = check_text("詳しくは https://mirai-zakka.example.jp/faq をご覧ください。", SHOP)
    assert [(v.rule, v.excerpt) for v in found] == [("link", "https://mirai-zakka.example.jp/faq")]


def test_bare_domains_count_as_links_but_file_names_do_not() -> None:
    assert rules("mirai-zakka.jp で新しい情報を公開しています") == ["link"]
    assert rules("写真（photo.jpg）を添付してください") == []


def test_allowed_domains_are_configurable() -> None:
    assert rules("https://mirai-zakka.example.jp/faq", OWN_STORE) == []
    assert "mirai-zakka.example.jp" in allowed_domains(OWN_STORE)


def test_turning_tracking_links_off_forbids_carrier_pages() -> None:
    shop = replace(SHOP, tracking_links=False)
    assert rules("https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=1", shop) == ["link"]
    assert "amazon.co.jp" in allowed_domains(shop)


def test_the_sellers_own_tracking_page_is_allowed() -> None:
    shop = replace(SHOP, carrier_tracking_urls={"other": "https://track.example-logi.jp/?no={n}"})
    assert rules("https://track.example-logi.jp/?no=ZX99812", shop) == []


# --- marketing and reviews ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ただいま冬のセールを開催中です。",
        "次回使える10%OFFクーポンをお送りします。",
        "新商品もぜひご覧ください。",
        "期間限定の特価でご案内しております。",
        "Check out our new arrivals!",
    ],
)
def test_promotional_wording_is_found(text: str) -> None:
    assert "marketing" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "セールスのお電話ではございません。",
        "新しい商品をお送りいたします。",
        "返金額は1,980円です。",
        "wholesale orders are handled by our team",
    ],
)
def test_marketing_near_misses_pass(text: str) -> None:
    assert rules(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "よろしければ星5のレビューをお願いいたします。",
        "高評価をいただけますと励みになります。",
        "レビューを書いていただいた方にはギフト券を差し上げます。",
        "評価を削除していただけないでしょうか。",
        "Please leave us a positive feedback.",
    ],
)
def test_review_requests_and_incentives_are_found(text: str) -> None:
    assert "review_request" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "商品の評価について、社内で確認いたします。",
        "いただいたご意見は、今後の改善に生かしてまいります。",
    ],
)
def test_review_near_misses_pass(text: str) -> None:
    assert rules(text) == []


# --- thank-you-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "山田 太郎 様\n\nお問い合わせいただきありがとうございます。\n\nミライ雑貨店 カスタマーサポート",
        "山田様\nこのたびはご購入いただき誠にありがとうございました。\n今後ともよろしくお願いいたします。\nミライ雑貨店",
        "Dear John,\nThank you very much for your order!\nKind regards,\nミライ雑貨店",
    ],
)
def test_thank_you_only_messages_are_found(text: str) -> None:
    assert rules(text) == ["thank_you_only"]


@pytest.mark.parametrize(
    "text",
    [
        "ご注文ありがとうございます。商品は本日発送いたしました。",
        "ご注文ありがとうございます、商品は本日発送しました",
        "ご連絡ありがとうございます。承知いたしました。明日発送いたします。",
    ],
)
def test_thanks_with_content_is_fine(text: str) -> None:
    assert rules(text) == []


def test_own_store_replies_may_carry_contact_details() -> None:
    text = (
        "ご不明な点は 03-1234-5678 または support@mirai-zakka.example.jp までお問い合わせください。"
    )
    assert rules(text, OWN_STORE) == []
    assert sorted(rules(text)) == ["email_address", "phone_number"]


# --- size, subject, keigo, drafts ----------------------------------------------------------------


def test_attachments_over_ten_megabytes_are_refused() -> None:
    assert rules("写真をお送りします。", attachment_bytes=10 * 1024 * 1024) == []
    assert rules("写真をお送りします。", attachment_bytes=10 * 1024 * 1024 + 1) == [
        "attachment_size"
    ]


def test_important_tag_in_the_subject_is_flagged_only_in_half_width() -> None:
    assert rules("発送のご連絡です。", subject="[重要] 発送のご連絡") == ["important_subject"]
    assert rules("発送のご連絡です。", subject="［重要］ 発送のご連絡") == []


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("資料をご覧になられましたか。", "ご覧になり"),
        ("明日お伺いいたします。", "伺います"),
        ("了解しました。", "承知しました"),
        ("ご安心してお使いください。", "安心して"),
        ("お客様がおっしゃられた件", "おっしゃい"),
        ("こちらでよろしかったでしょうか。", "よろしいでしょうか"),
        ("お越しになられた際に", "お〜になり"),
    ],
)
def test_keigo_pitfalls_are_found_with_the_fix(text: str, fix: str) -> None:
    found = check_text(text, SHOP)
    assert [v.rule for v in found] == ["keigo"]
    assert fix in found[0].detail


def test_keigo_near_misses_pass() -> None:
    assert rules("承知いたしました。伺います。安心してお使いください。ご覧になりましたか。") == []
    assert rules("確認させていただきます。発送させていただきました。") == []


def test_a_pile_of_sasete_itadaku_is_flagged() -> None:
    text = "確認させていただきます。手配させていただきます。ご連絡させていただきます。"
    assert rules(text) == ["keigo"]


def test_a_draft_placeholder_left_in_is_flagged() -> None:
    assert rules("（ここに回答を記入してください）\n\n商品は発送済みです。") == ["placeholder"]


def test_an_empty_message_is_flagged() -> None:
    assert rules("  \n ") == ["empty"]


def test_violations_say_what_broke_and_read_in_both_languages() -> None:
    found = check_text("お電話は03-1234-5678まで。", SHOP)
    assert found == [Violation("phone_number", "phone numbers are not allowed", "03-1234-5678")]
    assert warning_text(found) == "• 電話番号の記載: phone numbers are not allowed（03-1234-5678）"
    assert warning_text(found, "en").startswith("• phone number: ")


def test_the_same_rules_only_warn_when_an_agent_wrote_the_reply() -> None:
    text = "お電話（03-1234-5678）でもどうぞ。星5のレビューをお願いします。"
    bot = check_text(text, SHOP)
    agent = check_text(text, SHOP, author="agent")
    assert [v.rule for v in agent] == [v.rule for v in bot] != []
    assert all(v.blocking for v in bot) and not any(v.blocking for v in agent)
    assert check_text("商品は本日発送いたしました。", SHOP, author="agent") == []
