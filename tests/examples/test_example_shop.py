"""The example shop (examples/shop/) is complete, says what its README says, and is reproducible."""

from __future__ import annotations

import base64
import binascii
import csv
import email
import email.message
import email.policy
import importlib
import io
import quopri
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import ModuleType

import pytest

from bot.carriers import CARRIERS, check_digit_ok
from bot.intents import INTENTS

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
MAILS = SHOP / "mails"
SHOP_ADDRESS = "shop@mirai-zakka.example.jp"
COLUMNS = [
    "order_id",
    "buyer_email",
    "status",
    "carrier",
    "tracking_number",
    "shipped_at",
    "promised_from",
    "promised_to",
    "items",
]
RELAY = re.compile(r"^[a-z0-9]{15}@marketplace\.amazon\.co\.jp$")
ORDER_ID = re.compile(r"^(249|250|503)-\d{7}-\d{7}$")
DEMO_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=9)))


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """The generator script imported as a module (its helpers sit next to it)."""
    sys.path.insert(0, str(SHOP))
    try:
        return importlib.import_module("make_mails")
    finally:
        sys.path.remove(str(SHOP))


@pytest.fixture(scope="module")
def orders() -> list[dict[str, str]]:
    raw = (SHOP / "orders.csv").read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _readme_rows() -> dict[str, str]:
    """File name → intent cell of the README's mail table."""
    rows = {}
    for line in (SHOP / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`(\d\d-[a-z0-9-]+\.eml)`\s*\|\s*([^|]+?)\s*\|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def _mail(name: str) -> email.message.Message:
    return email.message_from_bytes((MAILS / name).read_bytes(), policy=email.policy.compat32)


# --- An independent decoder for what the generator wrote ------------------------------------


def _jis_to_cp932(data: bytes) -> str:
    """Decode ISO-2022-JP with Microsoft's extensions by mapping JIS rows back to Shift_JIS."""
    out = bytearray()
    double = False
    i = 0
    while i < len(data):
        if data[i] == 0x1B:
            double = data[i + 1 : i + 3] in (b"$B", b"$@")
            i += 3
            continue
        if double and data[i] not in (0x0D, 0x0A):
            row, cell = data[i] - 0x20, data[i + 1] - 0x20
            lead = (row + 1) // 2 + (0x80 if row <= 62 else 0xC0)
            # Odd rows use the first half of a Shift_JIS lead byte's trail range (skipping 0x7F).
            trail = cell + 0x3F + (cell >= 64) if row % 2 else cell + 0x9E
            out += bytes((lead, trail))
            i += 2
        else:
            out.append(data[i])
            i += 1
    return out.decode("cp932")


def _decode_charset(data: bytes, charset: str) -> str:
    charset = charset.lower()
    if charset == "iso-2022-jp":
        return _jis_to_cp932(data)
    if charset in ("shift_jis", "sjis-win"):
        return data.decode("cp932")
    return data.decode(charset)


def _decode_header(value: str) -> str:
    """RFC 2047 the careful way: adjacent words of one charset are joined as bytes first."""
    value = re.sub(r"\r?\n(?=[ \t])", "", value)  # unfold
    pieces: list[tuple[str | None, bytes]] = []
    pattern = re.compile(r"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")
    pos = 0
    for match in pattern.finditer(value):
        between = value[pos : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0]):
            pieces.append((None, between.encode("ascii")))
        charset, form, payload = match.groups()
        if form in "Bb":
            raw = base64.b64decode(payload)
        else:
            raw = quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=True)
        if pieces and pieces[-1][0] == charset.lower():
            pieces[-1] = (charset.lower(), pieces[-1][1] + raw)
        else:
            pieces.append((charset.lower(), raw))
        pos = match.end()
    if value[pos:]:
        pieces.append((None, value[pos:].encode("ascii")))
    return "".join(
        raw.decode("ascii") if cs is None else _decode_charset(raw, cs) for cs, raw in pieces
    )


def _text_parts(msg: email.message.Message, subtype: str = "plain") -> list[str]:
    texts = []
    for part in msg.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            texts.append(_decode_charset(payload, part.get_content_charset() or "us-ascii"))
    return texts


# --- README ----------------------------------------------------------------------------------


def test_readme_table_lists_exactly_the_mails_on_disk_and_in_the_generator(generator):
    on_disk = {p.name for p in MAILS.glob("*.eml")}
    in_readme = set(_readme_rows())
    in_generator = {m.file for m in generator.MAILS}
    assert in_readme == on_disk == in_generator
    assert len(on_disk) >= 28


def test_readme_intents_match_the_generator(generator):
    readme = _readme_rows()
    for mail in generator.MAILS:
        cell = readme[mail.file]
        named = re.match(r"`([a-z_]+)`", cell)
        assert (named.group(1) if named else None) == mail.intent, mail.file
        assert named or cell.startswith("—"), mail.file


def test_every_intent_of_the_design_doc_has_at_least_two_mails(generator):
    counts = Counter(m.intent for m in generator.MAILS if m.intent)
    assert set(counts) == set(INTENTS)
    assert min(counts.values()) >= 2, counts
    assert counts["shipping_status"] >= 4


# --- orders.csv -----------------------------------------------------------------------------


def test_orders_csv_is_excel_utf8_with_the_design_columns(orders):
    raw = (SHOP / "orders.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert list(orders[0].keys()) == COLUMNS
    assert 14 <= len(orders) <= 24
    for row in orders:
        assert ORDER_ID.match(row["order_id"]), row
        assert RELAY.match(row["buyer_email"]), row
        assert row["status"] in {"unshipped", "shipped", "delivered", "cancelled"}


def test_every_shipped_order_has_a_tracking_number_that_passes_its_check_digit(orders):
    shipped = [r for r in orders if r["status"] in ("shipped", "delivered")]
    assert shipped
    for row in shipped:
        carrier, number = row["carrier"], row["tracking_number"]
        assert carrier in CARRIERS, row
        verdict = check_digit_ok(carrier, number)
        assert verdict is True or (verdict is None and carrier not in ("yamato", "sagawa")), row
    for row in orders:
        if row["status"] in ("unshipped", "cancelled"):
            assert not row["tracking_number"] and not row["shipped_at"], row


def test_orders_cover_every_carrier_case_the_demo_needs(orders):
    numbers = {(r["carrier"], r["tracking_number"]) for r in orders if r["tracking_number"]}
    carriers = {c for c, _ in numbers}
    assert {"yamato", "sagawa", "japanpost", "yunexpress", "other"} <= carriers
    s10 = [n for c, n in numbers if c == "japanpost" and re.fullmatch(r"E[A-Z]\d{9}[A-Z]{2}", n)]
    domestic = [n for c, n in numbers if c == "japanpost" and re.fullmatch(r"\d{12}", n)]
    assert s10 and domestic
    assert all(re.fullmatch(r"YT\d{16}", n) for c, n in numbers if c == "yunexpress")
    assert {r["status"] for r in orders} == {"unshipped", "shipped", "delivered", "cancelled"}


def test_exactly_one_unshipped_order_is_already_late(orders):
    late = [
        r
        for r in orders
        if r["status"] == "unshipped"
        and date.fromisoformat(r["promised_to"].replace("/", "-")) < DEMO_NOW.date()
    ]
    assert [r["order_id"] for r in late] == ["503-8826403-1195570"]


# --- The mails as bytes ---------------------------------------------------------------------


def test_generator_reproduces_the_committed_bytes(tmp_path):
    subprocess.run(
        [sys.executable, str(SHOP / "make_mails.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in MAILS.glob("*.eml"))
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (MAILS / name).read_bytes(), name


@pytest.mark.parametrize("path", sorted(MAILS.glob("*.eml")), ids=lambda p: p.name)
def test_mail_is_crlf_with_short_lines_and_a_well_formed_envelope(path):
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(b < 0x80 for b in head), "raw 8-bit header"
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert msg["To"] == SHOP_ADDRESS
    sent = parsedate_to_datetime(msg["Date"])
    assert sent.utcoffset() == timedelta(hours=9)
    assert datetime(2026, 11, 20, tzinfo=sent.tzinfo) <= sent < DEMO_NOW


def test_message_ids_are_unique():
    ids = [_mail(p.name)["Message-ID"] for p in MAILS.glob("*.eml")]
    assert all(i and i.startswith("<") and i.endswith(">") for i in ids)
    assert len(set(ids)) == len(ids)


def test_subjects_and_text_bodies_decode_to_the_generator_text(generator):
    for mail in generator.MAILS:
        if mail.shape in ("bounce", "broken"):
            continue
        msg = _mail(mail.file)
        assert _decode_header(msg["Subject"]) == mail.subject, mail.file
        if mail.shape == "html":
            assert _text_parts(msg, "html") == [mail.html.replace("\n", "\r\n")]
            continue
        assert _text_parts(msg)[0] == mail.body.replace("\n", "\r\n"), mail.file


def test_charsets_and_encodings_are_spread_over_the_mails():
    seen = Counter()
    for path in MAILS.glob("*.eml"):
        for part in _mail(path.name).walk():
            if part.get_content_maintype() == "text":
                charset = (part.get_content_charset() or "-").lower()
                seen[(charset, (part["Content-Transfer-Encoding"] or "7bit").lower())] += 1
    for needed in [
        ("iso-2022-jp", "7bit"),
        ("iso-2022-jp", "quoted-printable"),
        ("shift_jis", "8bit"),
        ("utf-8", "base64"),
        ("utf-8", "quoted-printable"),
        ("utf-8", "8bit"),
    ]:
        assert seen[needed] >= 1, needed
    assert seen[("iso-2022-jp", "7bit")] >= 4
    assert seen[("shift_jis", "8bit")] >= 3


def test_iso_2022_jp_mails_carry_microsoft_rows_python_cannot_decode():
    for name, char in [
        ("20-missing-cable-cp50220.eml", "髙"),
        ("20-missing-cable-cp50220.eml", "①"),
        ("25-qualified-invoice-cp50220.eml", "㈱"),
    ]:
        body = _mail(name).get_payload(decode=True)
        assert char in _jis_to_cp932(body)
        with pytest.raises(UnicodeDecodeError):
            body.decode("iso2022_jp")


def test_shift_jis_mails_hold_cp932_only_characters():
    for name, char in [("19-where-is-it-no-order-id.eml", "～"), ("09-fewer-items.eml", "－")]:
        body = _mail(name).get_payload(decode=True)
        assert char in body.decode("cp932")
        assert char not in body.decode("shift_jis")


def test_subject_encodings_include_q_form_and_words_split_across_lines():
    subjects = {p.name: _mail(p.name)["Subject"] for p in MAILS.glob("*.eml")}
    assert any("?Q?" in s for s in subjects.values())
    assert sum(s.count("=?UTF-8?B?") >= 2 for s in subjects.values()) >= 1
    split = subjects["21-yunexpress-tracking.eml"]
    first, second = re.findall(r"\?B\?([^?]+)\?=", split)
    assert base64.b64decode(first).startswith(b"\x1b$B")
    assert b"\x1b$B" not in base64.b64decode(second)


# --- Who writes, and the mails the desk must not answer --------------------------------------


def test_most_mails_come_from_relay_addresses_of_orders(generator, orders):
    buyers = Counter(r["buyer_email"] for r in orders)
    from_buyers = [m for m in generator.MAILS if m.sender in buyers]
    assert len(from_buyers) >= 20
    by_file = {m.file: m for m in generator.MAILS}
    assert buyers[by_file["19-where-is-it-no-order-id.eml"].sender] == 1
    assert by_file["10-where-is-my-order-no-match.eml"].sender not in buyers
    no_id = _text_parts(_mail("19-where-is-it-no-order-id.eml"))[0]
    assert not re.search(r"\d{3}-\d{7}-\d{7}", no_id)


def test_follow_ups_thread_by_header_and_by_quoted_order_id():
    first = _mail("11-change-address.eml")
    reply = _mail("12-change-address-followup.eml")
    assert reply["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in reply["References"]
    forwarded = _mail("30-angry-late-order-followup.eml")
    assert forwarded["In-Reply-To"] is None and forwarded["References"] is None
    text = _text_parts(forwarded)[0]
    assert "503-8826403-1195570" in text and "差出人:" in text and "送信日時:" in text


def test_auto_reply_and_bounce_are_marked_as_machines_mark_them():
    ooo = _mail("05-out-of-office.eml")
    assert ooo["Auto-Submitted"] == "auto-replied"
    assert _decode_header(ooo["Subject"]).startswith("自動返信")
    bounce = _mail("04-bounce-user-unknown.eml")
    assert bounce.get_content_type() == "multipart/report"
    assert bounce.get_param("report-type") == "delivery-status"
    assert bounce["Return-Path"] == "<>"
    assert bounce["From"].startswith("MAILER-DAEMON@")
    kinds = [p.get_content_type() for p in bounce.walk()]
    assert "message/delivery-status" in kinds


def test_broken_mail_has_an_unknown_charset_bad_base64_and_no_closing_boundary():
    raw = (MAILS / "22-broken-truncated.eml").read_bytes()
    msg = _mail("22-broken-truncated.eml")
    boundary = msg.get_boundary()
    assert boundary and f"--{boundary}--".encode() not in raw
    text_part, image_part = msg.get_payload()
    with pytest.raises(LookupError):
        "".encode(text_part.get_content_charset())
    with pytest.raises(binascii.Error):
        base64.b64decode(image_part.get_payload(), validate=True)


def test_defect_photo_is_a_real_jpeg():
    image = pytest.importorskip("PIL.Image")
    parts = [
        p
        for p in _mail("06-heater-cracked-photo.eml").walk()
        if p.get_content_maintype() == "image"
    ]
    assert [p.get_filename() for p in parts] == ["IMG_2043.jpeg"]
    data = parts[0].get_payload(decode=True)
    picture = image.open(io.BytesIO(data))
    picture.load()
    assert picture.format == "JPEG" and picture.size == (96, 72)
