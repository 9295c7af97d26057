"""The seller's orders: reading CSV/TSV exports and looking orders up for handlers.

Japanese Excel saves CSV as CP932, newer versions as UTF-8 with BOM; both are read. A file
is checked completely before anything is written: by default one bad row stops the import
(every bad row is reported with its line, column and reason), ``skip_invalid`` imports the
good rows. Re-importing an order updates it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import carriers
from bot.clock import JST
from bot.errors import OrdersFileError
from bot.store import Store
from bot.store.schema import orders, shipments
from bot.store.sql import upsert

STATUSES = ("unshipped", "shipped", "delivered", "cancelled")

_COLUMN_ALIASES: dict[str, str] = {
    "order_id": "order_id",
    "注文番号": "order_id",
    "注文id": "order_id",
    "オーダーid": "order_id",
    "amazon-order-id": "order_id",
    "order-id": "order_id",
    "buyer_email": "buyer_email",
    "購入者メールアドレス": "buyer_email",
    "メールアドレス": "buyer_email",
    "buyer-email": "buyer_email",
    "status": "status",
    "ステータス": "status",
    "注文ステータス": "status",
    "carrier": "carrier",
    "配送業者": "carrier",
    "運送会社": "carrier",
    "carrier-name": "carrier",
    "tracking_number": "tracking_number",
    "追跡番号": "tracking_number",
    "お問い合わせ伝票番号": "tracking_number",
    "伝票番号": "tracking_number",
    "tracking-number": "tracking_number",
    "shipped_at": "shipped_at",
    "発送日": "shipped_at",
    "出荷日": "shipped_at",
    "ship-date": "shipped_at",
    "promised_from": "promised_from",
    "お届け予定日(開始)": "promised_from",
    "お届け予定日from": "promised_from",
    "promised_to": "promised_to",
    "お届け予定日(終了)": "promised_to",
    "お届け予定日to": "promised_to",
    "お届け予定日": "promised",
    "promised": "promised",
    "items": "items",
    "商品名": "items",
    "product-name": "items",
}
_STATUS_ALIASES: dict[str, str] = {
    "unshipped": "unshipped",
    "未発送": "unshipped",
    "未出荷": "unshipped",
    "pending": "unshipped",
    "shipped": "shipped",
    "発送済み": "shipped",
    "発送済": "shipped",
    "出荷済み": "shipped",
    "出荷済": "shipped",
    "delivered": "delivered",
    "配達済み": "delivered",
    "配達完了": "delivered",
    "配達済": "delivered",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "キャンセル": "cancelled",
    "キャンセル済み": "cancelled",
    "取消": "cancelled",
}
_REQUIRED = ("order_id", "status")
_RANGE_SPLIT = re.compile(r"\s*[〜~～\-−ー]\s*(?=\d{4}[/\-.年])")


@dataclass(frozen=True)
class RowError:
    """One problem in one cell of the file."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class OrderRow:
    """One valid order as read from the file."""

    line: int
    order_id: str
    status: str
    buyer_email: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    promised_from: date | None = None
    promised_to: date | None = None
    items: str | None = None


@dataclass
class ImportReport:
    """What an import did (or, in a dry run or on errors, would have done)."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""
    applied: bool = False


@dataclass(frozen=True)
class Order:
    """An order as handlers see it, with its shipments."""

    order_id: str
    status: str
    buyer_email: str | None
    items: str | None
    shipped_at: datetime | None
    promised_from: date | None
    promised_to: date | None
    shipments: tuple[Shipment, ...] = ()

    @property
    def shipment(self) -> Shipment | None:
        """The latest shipment, if any."""
        return self.shipments[-1] if self.shipments else None


@dataclass(frozen=True)
class Shipment:
    """One parcel of an order."""

    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    status: str | None
    delivered_at: datetime | None


# ---------------------------------------------------------------------------------------------
# Reading the file


def decode_orders_file(data: bytes) -> tuple[str, str]:
    """Text of an orders file and the encoding it was read with (UTF-8, UTF-8 BOM or CP932)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise OrdersFileError(
            f"the file is neither UTF-8 nor CP932 (Shift_JIS): undecodable byte at offset {exc.start}"
        ) from None


def _header_key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).strip().lower().replace(" ", "")
    return _COLUMN_ALIASES.get(folded, _COLUMN_ALIASES.get(folded.replace("_", "-"), ""))


def _parse_date(value: str) -> date:
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"[年月/.]", "-", text).replace("日", "")
    text = re.sub(r"\(.\)", "", text).strip()
    parts = text.split("-")
    if len(parts) != 3:
        raise ValueError(value)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def _parse_when(value: str) -> datetime:
    """A date or date-time; values without a zone are Japan time."""
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        head, _, rest = text.partition(" ")
        day = _parse_date(head)
        clock = time.fromisoformat(rest.strip()) if rest.strip() else time(0, 0)
        moment = datetime.combine(day, clock)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JST)
    return moment.astimezone(UTC)


def _cell(row: dict[str, str], key: str) -> str:
    return (row.get(key) or "").strip()


def _read_row(line: int, row: dict[str, str]) -> tuple[OrderRow | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(line, column, reason))

    order_id = unicodedata.normalize("NFKC", _cell(row, "order_id"))
    if not order_id:
        bad("order_id", "missing order number")
    raw_status = _cell(row, "status")
    status = _STATUS_ALIASES.get(unicodedata.normalize("NFKC", raw_status).lower())
    if status is None:
        bad(
            "status",
            f"{raw_status!r} is not one of {', '.join(STATUSES)}"
            if raw_status
            else "missing status",
        )

    email = _cell(row, "buyer_email").lower() or None
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        bad("buyer_email", f"{email!r} is not a mail address")

    carrier: str | None = None
    raw_carrier = _cell(row, "carrier")
    if raw_carrier:
        carrier = carriers.carrier_code(raw_carrier)
        if carrier is None:
            bad(
                "carrier",
                f"unknown carrier {raw_carrier!r} (use one of {', '.join(carriers.CARRIERS)})",
            )
    tracking = carriers.normalize_number(_cell(row, "tracking_number")) or None
    if status in ("shipped", "delivered"):
        if not raw_carrier:
            bad("carrier", f"required when status is {status}")
        if not tracking:
            bad("tracking_number", f"required when status is {status}")
    if tracking and carrier:
        ok = carriers.check_digit_ok(carrier, tracking)
        if ok is False:
            bad(
                "tracking_number",
                f"{tracking} is not a valid {carriers.carrier_name(carrier, 'en')} number (check digit or format)",
            )

    shipped_at = None
    if _cell(row, "shipped_at"):
        try:
            shipped_at = _parse_when(_cell(row, "shipped_at"))
        except ValueError:
            bad(
                "shipped_at",
                f"{_cell(row, 'shipped_at')!r} is not a date (use 2026-11-25 or 2026/11/25)",
            )

    promised_from = promised_to = None
    window = _cell(row, "promised")
    if window:
        halves = _RANGE_SPLIT.split(unicodedata.normalize("NFKC", window), maxsplit=1)
        row = {**row, "promised_from": halves[0], "promised_to": halves[-1]}
    for column in ("promised_from", "promised_to"):
        value = _cell(row, column)
        if not value:
            continue
        try:
            parsed = _parse_date(value)
        except ValueError:
            bad(column, f"{value!r} is not a date (use 2026-11-28)")
            continue
        if column == "promised_from":
            promised_from = parsed
        else:
            promised_to = parsed
    if promised_from and not promised_to:
        promised_to = promised_from
    if promised_to and not promised_from:
        promised_from = promised_to
    if promised_from and promised_to and promised_from > promised_to:
        bad("promised_to", "the delivery window ends before it starts")

    if errors or status is None:
        return None, errors
    return (
        OrderRow(
            line=line,
            order_id=order_id,
            status=status,
            buyer_email=email,
            carrier=carrier,
            tracking_number=tracking,
            shipped_at=shipped_at,
            promised_from=promised_from,
            promised_to=promised_to,
            items=_cell(row, "items") or None,
        ),
        [],
    )


def read_orders(data: bytes) -> tuple[list[OrderRow], list[RowError], str]:
    """Check every row of an orders file; returns the good rows, the errors and the encoding."""
    text, encoding = decode_orders_file(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise OrdersFileError(
            "the file is empty: it needs a header row and at least one order"
        ) from None
    keys = [_header_key(name) for name in header]
    missing = [k for k in _REQUIRED if k not in keys]
    if missing:
        raise OrdersFileError(
            f"the header row has no {' or '.join(missing)} column "
            f"(found: {', '.join(h.strip() for h in header)}); expected e.g. "
            "order_id,buyer_email,status,carrier,tracking_number,shipped_at,promised_from,promised_to,items"
        )
    good: list[OrderRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = {k: v for k, v in zip(keys, values, strict=False) if k}
        parsed, row_errors = _read_row(line, row)
        errors.extend(row_errors)
        if parsed is None:
            continue
        if parsed.order_id in seen:
            errors.append(
                RowError(
                    line,
                    "order_id",
                    f"{parsed.order_id} already appears on line {seen[parsed.order_id]}",
                )
            )
            continue
        seen[parsed.order_id] = line
        good.append(parsed)
    return good, errors, encoding


async def import_orders(
    store: Store, path: Path, *, now: datetime, skip_invalid: bool = False, dry_run: bool = False
) -> ImportReport:
    """Load an orders file into the store (all or nothing unless ``skip_invalid``)."""
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise OrdersFileError(f"cannot read {path}: {exc.strerror}") from None
    rows, errors, encoding = read_orders(data)
    report = ImportReport(
        rows=len(rows) + len({e.line for e in errors}), errors=errors, encoding=encoding
    )
    report.skipped = len({e.line for e in errors})
    if (errors and not skip_invalid) or dry_run:
        return report
    async with store.begin() as conn:
        for row in rows:
            inserted = await save_order(conn, row, now=now)
            report.inserted += inserted
            report.updated += not inserted
    report.applied = True
    return report


async def save_order(conn: AsyncConnection, row: OrderRow, *, now: datetime) -> bool:
    """Insert or update one order and its shipment; True when the order is new."""
    inserted = await upsert(
        conn,
        orders,
        {
            "order_id": row.order_id,
            "buyer_email": row.buyer_email,
            "status": row.status,
            "items": row.items,
            "shipped_at": row.shipped_at,
            "promised_from": row.promised_from,
            "promised_to": row.promised_to,
            "imported_at": now,
            "updated_at": now,
        },
        ["order_id"],
        keep=["imported_at"],
    )
    # The file is the source of truth for the order's parcel: drop numbers it no longer lists.
    stale = delete(shipments).where(shipments.c.order_id == row.order_id)
    if row.tracking_number:
        stale = stale.where(shipments.c.tracking_number != row.tracking_number)
    await conn.execute(stale)
    if row.tracking_number and row.carrier:
        await upsert(
            conn,
            shipments,
            {
                "order_id": row.order_id,
                "carrier": row.carrier,
                "tracking_number": row.tracking_number,
                "shipped_at": row.shipped_at,
                "status": "delivered" if row.status == "delivered" else "in_transit",
                "updated_at": now,
            },
            ["order_id", "tracking_number"],
        )
    return inserted


# ---------------------------------------------------------------------------------------------
# Looking orders up


def _order_from_rows(row: Any, parcels: Sequence[Any]) -> Order:
    return Order(
        order_id=row.order_id,
        status=row.status,
        buyer_email=row.buyer_email,
        items=row.items,
        shipped_at=row.shipped_at,
        promised_from=row.promised_from,
        promised_to=row.promised_to,
        shipments=tuple(
            Shipment(p.carrier, p.tracking_number, p.shipped_at, p.status, p.delivered_at)
            for p in parcels
        ),
    )


async def get_order(conn: AsyncConnection, order_id: str) -> Order | None:
    """One order by its ID, with its shipments."""
    row = (await conn.execute(select(orders).where(orders.c.order_id == order_id))).first()
    if row is None:
        return None
    parcels = (
        await conn.execute(
            select(shipments).where(shipments.c.order_id == order_id).order_by(shipments.c.id)
        )
    ).all()
    return _order_from_rows(row, parcels)


async def orders_of_buyer(conn: AsyncConnection, address: str, *, limit: int = 5) -> list[Order]:
    """The buyer's most recent orders by address (relay addresses match as they are)."""
    local, _, domain = address.lower().partition("@")
    # Amazon may add "+case" tags to relay addresses; the order file holds the bare alias.
    bare = f"{local.split('+', 1)[0]}@{domain}"
    ids = (
        (
            await conn.execute(
                select(orders.c.order_id)
                .where(func.lower(orders.c.buyer_email).in_({address.lower(), bare}))
                .order_by(orders.c.updated_at.desc(), orders.c.order_id.desc())
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    found = [await get_order(conn, order_id) for order_id in ids]
    return [o for o in found if o is not None]
