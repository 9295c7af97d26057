"""Importing the seller's orders: encodings, Japanese headers, bad rows, re-imports."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.errors import OrdersFileError
from bot.orders import get_order, import_orders, orders_of_buyer, read_orders
from bot.store import Store
from bot.store.schema import orders, shipments

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
HEADER = "order_id,buyer_email,status,carrier,tracking_number,shipped_at,promised_from,promised_to,items\n"
GOOD = (
    "249-1111111-1111111,aaaaaaaaaaaaaaa@marketplace.amazon.co.jp,shipped,yamato,123456789013,2026/11/22,2026-11-25,2026-11-27,USB充電器 2個\n"
    "250-2222222-2222222,bbbbbbbbbbbbbbb@marketplace.amazon.co.jp,unshipped,,,,2026-11-28,2026-11-30,卓上ライト\n"
    "503-3333333-3333333,,shipped,japanpost,EX123456785JP,2026-11-20T15:30:00+08:00,,,加湿器\n"
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


async def test_utf8_csv_imports_orders_and_shipments(store: Store, tmp_path: Path) -> None:
    report = await import_orders(store, write(tmp_path, HEADER + GOOD), now=NOW)
    assert (report.inserted, report.updated, report.errors, report.applied) == (3, 0, [], True)
    async with store.connect() as conn:
        order = await get_order(conn, "249-1111111-1111111")
        assert order is not None and order.status == "shipped"
        assert order.shipment is not None and (
            order.shipment.carrier,
            order.shipment.tracking_number,
        ) == ("yamato", "123456789013")
        assert order.promised_from == date(2026, 11, 25) and order.promised_to == date(2026, 11, 27)
        # 2026/11/22 is Japan time midnight
        assert order.shipped_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
        ems = await get_order(conn, "503-3333333-3333333")
        assert ems is not None and ems.shipped_at == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


async def test_cp932_with_japanese_headers_and_values(store: Store, tmp_path: Path) -> None:
    text = (
        "注文番号,購入者メールアドレス,ステータス,配送業者,追跡番号,発送日,お届け予定日,商品名\n"
        "249-4444444-4444444,ccccccccccccccc@marketplace.amazon.co.jp,発送済み,ヤマト運輸,123456789013,2026/11/24,2026/11/26～2026/11/28,髙品質 ①番ケーブル\n"
        "249-5555555-5555555,,未発送,,,,,ﾃｰﾌﾞﾙﾀｯﾌﾟ\n"
    )
    path = write(tmp_path, text, "cp932")
    report = await import_orders(store, path, now=NOW)
    assert report.encoding == "cp932" and report.inserted == 2, report.errors
    async with store.connect() as conn:
        order = await get_order(conn, "249-4444444-4444444")
    assert order is not None
    assert order.items == "髙品質 ①番ケーブル"  # CP932-only characters survive
    assert (order.promised_from, order.promised_to) == (date(2026, 11, 26), date(2026, 11, 28))
    assert order.shipment is not None and order.shipment.carrier == "yamato"


async def test_utf8_bom_and_tsv(sqlite_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + (HEADER + GOOD).replace(",", "\t"), name="orders.tsv")
    report = await import_orders(sqlite_store, path, now=NOW)
    assert (report.encoding, report.inserted) == ("utf-8-sig", 3)


async def test_a_bad_row_stops_the_import_and_is_named(store: Store, tmp_path: Path) -> None:
    bad = (
        "249-6666666-6666666,,shipped,yamato,123456789012,2026/11/22,,,壊れた番号\n"  # wrong check digit
        "249-7777777-7777777,,sent,,,,,\n"  # unknown status
        "249-8888888-8888888,,shipped,,,,,\n"  # shipped without carrier/number
    )
    report = await import_orders(store, write(tmp_path, HEADER + GOOD + bad), now=NOW)
    assert not report.applied
    found = {(e.line, e.column) for e in report.errors}
    assert (5, "tracking_number") in found
    assert (6, "status") in found
    assert {(7, "carrier"), (7, "tracking_number")} <= found
    assert "check digit" in str(next(e for e in report.errors if e.line == 5))
    async with store.connect() as conn:
        assert (await conn.execute(select(orders))).all() == []  # nothing imported


async def test_skip_invalid_imports_the_good_rows(store: Store, tmp_path: Path) -> None:
    bad = "249-7777777-7777777,,sent,,,,,\n"
    report = await import_orders(
        store, write(tmp_path, HEADER + GOOD + bad), now=NOW, skip_invalid=True
    )
    assert report.applied and report.inserted == 3 and report.skipped == 1
    assert [e.line for e in report.errors] == [5]


async def test_reimport_updates_instead_of_duplicating(store: Store, tmp_path: Path) -> None:
    await import_orders(store, write(tmp_path, HEADER + GOOD), now=NOW)
    changed = GOOD.replace("unshipped,,,,", "shipped,sagawa,123456789013,2026/11/26,")
    changed = changed.replace("yamato,123456789013", "yamato,100000000004")  # corrected number
    report = await import_orders(store, write(tmp_path, HEADER + changed), now=NOW)
    assert (report.inserted, report.updated) == (0, 3)
    async with store.connect() as conn:
        assert len((await conn.execute(select(orders))).all()) == 3
        parcels = (
            await conn.execute(
                select(shipments.c.order_id, shipments.c.tracking_number).order_by(
                    shipments.c.order_id
                )
            )
        ).all()
    assert [tuple(p) for p in parcels] == [
        ("249-1111111-1111111", "100000000004"),
        ("250-2222222-2222222", "123456789013"),
        ("503-3333333-3333333", "EX123456785JP"),
    ]


async def test_buyer_lookup_matches_relay_addresses_with_case_tags(
    store: Store, tmp_path: Path
) -> None:
    await import_orders(store, write(tmp_path, HEADER + GOOD), now=NOW)
    async with store.connect() as conn:
        found = await orders_of_buyer(conn, "AAAAAAAAAAAAAAA+c123@marketplace.amazon.co.jp")
    assert [o.order_id for o in found] == ["249-1111111-1111111"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"foo,bar\n1,2\n", "no order_id or status column"),
        (b"order_id,status\n\x85\x40,x\n", "neither UTF-8 nor CP932"),
    ],
)
def test_unreadable_files_are_explained(data: bytes, message: str) -> None:
    with pytest.raises(OrdersFileError, match=message):
        read_orders(data)


def test_duplicate_order_in_one_file_is_an_error() -> None:
    rows, errors, _ = read_orders((HEADER + GOOD + GOOD.splitlines(keepends=True)[0]).encode())
    assert len(rows) == 3
    assert [(e.line, e.column) for e in errors] == [(5, "order_id")]
