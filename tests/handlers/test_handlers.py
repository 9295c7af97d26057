"""Handler rules that need no store: which order, which branch, which words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.clock import JST
from bot.nlp import Understanding
from bot.router import Handoff, Reply
from handlers.invoice import custom_request
from handlers.order_changes import stage
from handlers.order_facts import days_late, parcel
from handlers.shipping import shipping_status
from tests.templates.cases import (
    CANCELLED,
    DELIVERED,
    IN_TRANSIT,
    LATE_UNSHIPPED,
    S10_FROM_CHINA,
    SHOP,
    UNSHIPPED,
    YUNEXPRESS,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=JST).astimezone(UTC)
NLU = Understanding(intent="shipping_status", confidence=0.9, angry=False, action="auto")


async def test_when_only_one_of_several_orders_is_in_flight_it_is_the_one_asked_about() -> None:
    decision = await shipping_status(None, (DELIVERED, IN_TRANSIT, CANCELLED), NLU, SHOP, NOW)
    assert isinstance(decision, Reply)
    assert decision.template == "shipping/shipped.txt"
    assert decision.data["order"] is IN_TRANSIT
    assert "only order in flight" in decision.reason


async def test_several_orders_in_flight_ask_which_one() -> None:
    decision = await shipping_status(None, (UNSHIPPED, IN_TRANSIT), NLU, SHOP, NOW)
    assert isinstance(decision, Reply) and decision.template == "shipping/choose_order.txt"


async def test_a_named_but_unknown_order_is_never_swapped_for_another() -> None:
    nlu = replace(NLU, order_ids=["250-9999999-9999999"])
    decision = await shipping_status(None, (IN_TRANSIT,), nlu, SHOP, NOW)
    assert isinstance(decision, Handoff) and decision.draft_template == "drafts/order_unknown.txt"


async def test_a_parcel_marked_delivered_by_the_carrier_counts_as_delivered() -> None:
    carrier_says = replace(
        IN_TRANSIT, shipments=tuple(replace(s, status="delivered") for s in IN_TRANSIT.shipments)
    )
    decision = await shipping_status(carrier_says, (), NLU, SHOP, NOW)
    assert isinstance(decision, Handoff) and decision.data["claim_risk"] is True


async def test_shipped_without_a_tracking_number_goes_to_an_agent() -> None:
    decision = await shipping_status(replace(IN_TRANSIT, shipments=()), (), NLU, SHOP, NOW)
    assert isinstance(decision, Handoff) and "no tracking number" in decision.reason


def test_lateness_is_counted_in_japan_time() -> None:
    # 23:30 UTC on the 22nd is already the 23rd in Japan: one day past a window ending the 22nd.
    assert days_late(LATE_UNSHIPPED, datetime(2026, 11, 22, 23, 30, tzinfo=UTC), SHOP) == 1
    assert days_late(LATE_UNSHIPPED, datetime(2026, 11, 22, 14, 0, tzinfo=UTC), SHOP) == 0
    assert days_late(replace(UNSHIPPED, promised_to=None), NOW, SHOP) == 0
    assert LATE_UNSHIPPED.promised_to == date(2026, 11, 22)


def test_cross_border_parcels_are_recognised_by_carrier_or_s10_origin() -> None:
    yun = parcel(YUNEXPRESS.shipments[0], SHOP)
    s10 = parcel(S10_FROM_CHINA.shipments[0], SHOP)
    domestic = parcel(IN_TRANSIT.shipments[0], SHOP)
    assert (yun.international, yun.origin, yun.local_carrier) == (True, None, None)
    assert (s10.international, s10.origin, s10.local_carrier) == (True, "CN", "japanpost")
    assert (domestic.international, domestic.name_ja, domestic.number_ok) == (
        False,
        "ヤマト運輸",
        True,
    )


def test_the_sellers_carrier_name_and_tracking_page_win() -> None:
    shop = replace(
        SHOP,
        carrier_names={"yamato": "クロネコヤマト"},
        carrier_tracking_urls={"yamato": "https://track.example-logi.jp/?no={n}"},
    )
    found = parcel(IN_TRANSIT.shipments[0], shop)
    assert found.name_ja == "クロネコヤマト"
    assert found.url == "https://track.example-logi.jp/?no=123456789013"
    assert parcel(IN_TRANSIT.shipments[0], replace(SHOP, tracking_links=False)).url is None


def test_receipt_requests_with_an_addressee_or_note_are_recognised() -> None:
    assert custom_request("領収書の宛名を㈱サンプル御中でお願いします") == {
        "宛名": ["宛名", "(株)", "御中"]
    }
    assert custom_request("但し書きは「お品代」で") == {"但し書き": ["但し書き"]}
    assert custom_request("領収書をダウンロードしたいです") == {}


def test_order_stage_decides_the_draft_branch() -> None:
    assert [stage(o) for o in (None, UNSHIPPED, IN_TRANSIT, DELIVERED, CANCELLED)] == [
        "unknown",
        "unshipped",
        "in_transit",
        "delivered",
        "cancelled",
    ]
