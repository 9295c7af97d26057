"""``madoguchi digest``: one digest on demand, as an HTML file, an .eml file or plain text."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import LANGUAGES, Settings
from bot.digest.period import Period
from bot.errors import ConfigError, StoreError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``madoguchi digest``."""
    parser.add_argument(
        "--from",
        dest="first",
        type=date.fromisoformat,
        metavar="DATE",
        help="first day (default: yesterday in the digest time zone)",
    )
    parser.add_argument(
        "--to",
        dest="last",
        type=date.fromisoformat,
        metavar="DATE",
        help="last day, included (default: the same as --from)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="ja, en or zh (default: the first digest language)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the digest: FILE.eml for the whole mail, any other name for HTML",
    )
    parser.add_argument("--text", action="store_true", help="print the plain-text part")
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=datetime.fromisoformat,
        metavar="TIME",
        help="the moment the digest is made as of, ISO 8601 (default: now)",
    )


def choose_period(first: date | None, last: date | None, *, today: date) -> Period:
    """The period the options name: one day, a range, or yesterday when none is given."""
    if first is None and last is None:
        return Period.day(today - timedelta(days=1))
    first = first or last
    last = last or first
    assert first is not None and last is not None
    if last < first:
        raise ConfigError("--to", f"{last} is before --from {first}", f"--from {last} --to {first}")
    if first == last:
        return Period.day(first)
    if (last - first).days == 6:
        return Period.week(first)
    return Period(first, last)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Build the digest the options ask for and write or print it."""
    # imported here so that `madoguchi --help` does not load the store and the renderer
    from bot.clock import SystemClock
    from bot.digest.build import build_digest
    from bot.digest.mail import chart_cid, digest_mail
    from bot.mail.compose import make_message_id
    from bot.store import open_store

    tz = settings.digest.timezone
    now = SystemClock().now()
    if args.as_of is not None:
        as_of: datetime = args.as_of
        now = as_of if as_of.tzinfo else as_of.replace(tzinfo=ZoneInfo(tz))
    period = choose_period(args.first, args.last, today=now.astimezone(ZoneInfo(tz)).date())
    lang = args.lang or (settings.digest.languages or ("en",))[0]
    out: Path | None = args.out
    as_mail = out is not None and out.suffix.lower() == ".eml"
    shop = settings.shop
    message_id = make_message_id(
        f"digest:on-demand:{period.first}:{period.last}:{lang}:{now.isoformat()}",
        shop.address.split("@", 1)[1],
    )
    cid = chart_cid(message_id)
    store = open_store(settings.database_url)
    try:
        if await store.pending_migrations():
            raise StoreError("the store's tables are not up to date: run `madoguchi migrate` first")
        digest = await build_digest(
            store,
            period,
            lang,
            tz,
            settings=settings,
            now=now,
            embed="cid" if as_mail else ("data" if out is not None else "none"),
            cid=cid,
        )
    finally:
        await store.close()
    rendered = digest.rendered
    if out is not None:
        if as_mail:
            raw = digest_mail(
                digest,
                shop,
                list(settings.digest.email_to) or [shop.address],
                cid=cid,
                message_id=message_id,
                date=now,
            )
            await asyncio.to_thread(out.write_bytes, raw)
        else:
            await asyncio.to_thread(out.write_text, rendered.html, encoding="utf-8")
        print(
            f"wrote {out} ({lang}, {period.first} to {period.last}, {tz})",
            file=sys.stderr if args.text else sys.stdout,
        )
    if args.text or out is None:
        sys.stdout.write(rendered.text)
    return 0
