"""Facts about an order that several handlers use: its parcels, lateness, Japan-time dates.

Pure functions over the order the pipeline found; no I/O. Sentences stay in the templates:
these only decide *which* facts a template gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import carriers
from bot.config import ShopSettings
from bot.orders import Order, Shipment

IN_FLIGHT = ("unshipped", "shipped")


@dataclass(frozen=True)
class Parcel:
    """One parcel as a reply talks about it."""

    carrier: str  # registry code
    name_ja: str  # the seller's name for the carrier first, else the registry's
    name_en: str
    number: str
    url: str | None  # None when tracking links are off or no page is known
    international: bool  # a cross-border leg: non-domestic carrier or a foreign S10 number
    origin: str | None  # two-letter country of a foreign S10 number
    local_carrier: str | None  # who delivers in Japan, when the number tells (S10 → Japan Post)
    number_ok: bool | None  # the carrier's check digit: True, False, or None (no rule)
    delivered: bool

    @property
    def traceable(self) -> bool:
        """A known carrier, or at least a page where the buyer can look the number up."""
        return self.carrier in carriers.CARRIERS and (self.carrier != "other" or bool(self.url))


def parcel(shipment: Shipment, shop: ShopSettings) -> Parcel:
    """What a reply needs to know about one shipment."""
    number = carriers.normalize_number(shipment.tracking_number)
    entry = carriers.CARRIERS.get(shipment.carrier)
    foreign_s10 = carriers.is_s10(number) and not number.endswith("JP")
    url = None
    if shop.tracking_links:
        url = carriers.tracking_url(shipment.carrier, number, dict(shop.carrier_tracking_urls))
    return Parcel(
        carrier=shipment.carrier,
        name_ja=carriers.carrier_name(shipment.carrier, "ja", dict(shop.carrier_names)),
        name_en=carriers.carrier_name(shipment.carrier, "en"),
        number=number,
        url=url,
        international=foreign_s10 or (entry is not None and not entry.domestic),
        origin=number[-2:] if foreign_s10 else None,
        local_carrier="japanpost" if foreign_s10 else None,
        number_ok=carriers.check_digit_ok(shipment.carrier, number),
        delivered=shipment.status == "delivered" or shipment.delivered_at is not None,
    )


def parcels(order: Order, shop: ShopSettings) -> list[Parcel]:
    """Every parcel of the order, in shipping order."""
    return [parcel(s, shop) for s in order.shipments]


def today(now: datetime, shop: ShopSettings) -> date:
    """The shop's calendar day (Japan time by default) at ``now``."""
    return now.astimezone(ZoneInfo(shop.timezone)).date()


def days_late(order: Order, now: datetime, shop: ShopSettings) -> int:
    """Days since the last promised delivery day passed (0 when not late or no promise)."""
    if order.promised_to is None:
        return 0
    return max(0, (today(now, shop) - order.promised_to).days)


def is_delivered(order: Order) -> bool:
    """The seller's data or the carrier says the parcel reached the buyer."""
    return order.status == "delivered" or any(
        s.status == "delivered" or s.delivered_at is not None for s in order.shipments
    )
