"""Order IDs and tracking numbers, found in normalised text before tokenising."""

from __future__ import annotations

import pytest

from bot.carriers import check_digit_ok, is_s10
from bot.nlp.entities import order_ids, tracking_numbers
from bot.nlp.normalize import normalize
from bot.nlp.understanding import TrackingNumber


def ids(text: str) -> list[str]:
    return order_ids(normalize(text))[0]


def tracking(text: str) -> list[TrackingNumber]:
    norm = normalize(text)
    return tracking_numbers(norm, order_ids(norm)[1])


@pytest.mark.parametrize(
    "text",
    [
        "注文番号：249-1234567-1234567",
        "注文番号：２４９－１２３４５６７－１２３４５６７です",
        "２４９ー１２３４５６７ー１２３４５６７",
        "249−1234567−1234567",
        "249‐1234567‐1234567",
        "249 - 1234567 - 1234567",
        "249 1234567 1234567",
        "order #249-1234567-1234567.",
        "注文番号24912345671234567",
    ],
)
def test_order_id_in_every_way_buyers_type_it(text: str) -> None:
    assert ids(text) == ["249-1234567-1234567"]


def test_several_order_ids_in_order_of_appearance_once_each() -> None:
    text = "503-7654321-7654321と249-1234567-1234567、それと503-7654321-7654321"
    assert ids(text) == ["503-7654321-7654321", "249-1234567-1234567"]


@pytest.mark.parametrize(
    "text",
    [
        "カード番号 4111-1111-1111-1111",
        "4111 1111 1111 1111",
        "4111111111111111",
        "1249-1234567-1234567",
        "249-1234567-12345678",
        "電話 03-0000-0000",
        "〒100-0000",
        "12345678901234567",
    ],
)
def test_near_misses_are_not_order_ids(text: str) -> None:
    assert ids(text) == []


def test_yamato_number_with_valid_check_digit() -> None:
    assert tracking("ヤマト運輸の伝票番号は1234-5678-9013です") == [
        TrackingNumber("yamato", "123456789013", True)
    ]


def test_full_width_tracking_number_with_carrier_after_it() -> None:
    assert tracking("１２３４５６７８９０１３（佐川急便）") == [
        TrackingNumber("sagawa", "123456789013", True)
    ]


def test_wrong_check_digit_is_reported_only_when_called_a_tracking_number() -> None:
    assert tracking("追跡番号 123456789012 で調べても出ません") == [
        TrackingNumber("yamato", "123456789012", False)
    ]
    assert tracking("商品コード 123456789012") == []


def test_japan_post_numbers() -> None:
    found = tracking("ゆうパックのお問い合わせ番号 1234-5678-9013")
    assert found == [TrackingNumber("japanpost", "123456789013", True)]
    eleven = tracking("ゆうパケット 12345678901 です")
    assert eleven == [TrackingNumber("japanpost", "12345678901", None)]


def test_eleven_digits_without_context_are_not_tracking() -> None:
    assert tracking("12345678901") == []


@pytest.mark.parametrize(
    "text",
    [
        "電話番号 090-1234-5678",
        "TEL 09012345678",
        "携帯：080 1234 5678",
        "03-0000-0000までお電話ください",
        "〒100-0000 東京都",
        "カード 4111 1111 1111 1111 で払いました",
        "12,800円",
        "2026-11-25",
        "合計 123456 円",
    ],
)
def test_phone_postal_card_and_amounts_are_not_tracking(text: str) -> None:
    assert tracking(text) == []


def test_order_id_digits_are_not_read_again_as_tracking() -> None:
    assert tracking("注文番号 249-1234567-1234567 の追跡番号を教えて") == []


def test_upu_s10_numbers() -> None:
    assert tracking("EMSで EX123456785JP と届きました") == [
        TrackingNumber("japanpost", "EX123456785JP", True)
    ]
    assert tracking("追跡番号 ex 123 456 789 jp") == [
        TrackingNumber("japanpost", "EX123456789JP", False)
    ]
    assert tracking("品番 AB123456789CD") == []


def test_yunexpress_and_sf_numbers() -> None:
    assert tracking("YT1234567890123456 で追跡") == [
        TrackingNumber("yunexpress", "YT1234567890123456", True)
    ]
    assert tracking("SF1234567890123") == [TrackingNumber("sf", "SF1234567890123", None)]


def test_english_carrier_name_is_a_whole_word() -> None:
    # "items" contains "ems" but says nothing about Japan Post.
    found = tracking("my items, number 123456789013")
    assert found == [TrackingNumber("yamato", "123456789013", True)]


def test_carrier_check_digits() -> None:
    assert check_digit_ok("yamato", "123456789013") is True
    assert check_digit_ok("yamato", "123456789012") is False
    assert check_digit_ok("sagawa", "1234-5678-9013") is True
    assert check_digit_ok("japanpost", "12345678901") is None
    assert is_s10("EX123456785JP") is True
    assert is_s10("EX123456789JP") is False
