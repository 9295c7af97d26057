"""``madoguchi demo``: the bundled example shop through the real pipeline, with a transcript.

The demo uses a throwaway SQLite store, a Maildir holding ``examples/shop/mails/*.eml`` and an
outbox folder. Mails are delivered one at a time in the order of their Date header, with the
clock set to a few minutes after each one, so deadlines and greetings read as they would have.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import JST, ManualClock
from bot.config import PROJECT_ROOT, MailboxSettings, OutboxSettings, Settings, load_settings
from bot.mail.parse import parse_mail
from bot.orders import import_orders
from bot.pipeline import Processed
from bot.service import Desk

EXAMPLE_SHOP = PROJECT_ROOT / "examples" / "shop"
_RULE = "─" * 72


def demo_settings(workdir: Path, shop_dir: Path = EXAMPLE_SHOP) -> Settings:
    """The example shop's settings, pointed at a private store, Maildir and outbox."""
    base = load_settings(env={}, config_file=shop_dir / "shop.toml")
    maildir = workdir / "maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    return replace(
        base,
        database_url=f"sqlite+aiosqlite:///{workdir / 'madoguchi.db'}",
        mailboxes=(
            MailboxSettings(
                name="demo",
                scheme="maildir",
                url=f"maildir:{maildir}",
                path=maildir,
                deadline_policy=base.deadlines.policy,
                sent_folder=None,
            ),
        ),
        outbox=OutboxSettings(
            scheme="files", url=f"files:{workdir / 'outbox'}", path=workdir / "outbox"
        ),
        data_dir=workdir,
        worker_id="demo",
    )


def _sorted_mails(folder: Path) -> list[tuple[Path, bytes]]:
    mails = [(p, p.read_bytes()) for p in sorted(folder.glob("*.eml"))]

    def when(item: tuple[Path, bytes]) -> float:
        date = parse_mail(item[1]).date
        return date.timestamp() if date else float("inf")

    return sorted(mails, key=when)


def _indent(text: str, prefix: str = "  │ ") -> str:
    return "\n".join(prefix + line for line in text.rstrip().splitlines())


def _print_item(out: TextIO, n: int, total: int, name: str, item: Processed) -> None:
    mail = item.mail
    print(f"\n{_RULE}\n[{n:02d}/{total}] {name}", file=out)
    if mail is not None:
        sender = (
            f"{mail.from_name} <{mail.from_addr}>"
            if mail.from_name
            else (mail.from_addr or "(no sender)")
        )
        print(f"From:      {sender}", file=out)
        print(f"Subject:   {mail.subject or '(none)'}", file=out)
        when = (
            mail.date.astimezone(JST).strftime("%Y-%m-%d %H:%M JST") if mail.date else "(no date)"
        )
        print(f"Date:      {when}   charsets: {', '.join(mail.charsets) or '-'}", file=out)
        if mail.is_auto:
            print(f"Automatic: {mail.auto_reason or 'yes'}", file=out)
        if mail.defects:
            print(f"Defects:   {'; '.join(mail.defects)}", file=out)
    if item.state == "duplicate":
        print(f"Decision:  DUPLICATE of ticket #{item.ticket_id} — not processed twice", file=out)
        return
    nlu = item.nlu
    if nlu is not None:
        flags = " ANGRY" if nlu.angry else ""
        print(
            f"Intent:    {nlu.intent} ({nlu.confidence:.2f}, action {nlu.action}){flags}"
            + (f"   also: {', '.join(nlu.other_intents)}" if nlu.other_intents else ""),
            file=out,
        )
        if nlu.evidence:
            print(f"Evidence:  {', '.join(nlu.evidence[:8])}", file=out)
    ticket = f"ticket #{item.ticket_id} ({item.thread})"
    print(f"Ticket:    {ticket}" + (f"   order {item.order_id}" if item.order_id else ""), file=out)
    outcome = item.outcome
    if outcome is None:
        print(f"Decision:  {item.state.upper()} {item.error or ''}", file=out)
        return
    label = {
        "reply": "REPLY (sent by the bot)",
        "handoff": "HANDOFF to an agent",
        "none": "NO REPLY needed",
    }[outcome.kind]
    print(f"Decision:  {label} — {outcome.reason}", file=out)
    if outcome.kind == "reply" and outcome.body:
        print(_indent(outcome.body), file=out)
    elif outcome.kind == "handoff" and outcome.draft:
        print("Draft for the agent:", file=out)
        print(_indent(outcome.draft, "  ┊ "), file=out)


async def run_demo(
    out: TextIO = sys.stdout,
    *,
    workdir: Path | None = None,
    shop_dir: Path = EXAMPLE_SHOP,
    quiet: bool = False,
) -> dict[str, int]:
    """Run the demo; returns the counts of decisions. Keeps ``workdir`` if one is given."""
    started = time.perf_counter()
    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="madoguchi-demo-")) if workdir is None else workdir
    work.mkdir(parents=True, exist_ok=True)
    settings = demo_settings(work, shop_dir)
    mails = _sorted_mails(shop_dir / "mails")
    if not mails:
        raise FileNotFoundError(f"no .eml files in {shop_dir / 'mails'}")
    first = parse_mail(mails[0][1]).date
    clock = ManualClock((first or datetime.now(UTC)) - timedelta(hours=1))
    desk = Desk(settings, clock=clock)
    print(
        f"Madoguchi demo — {settings.shop.name} ({len(mails)} buyer mails); working in {work}",
        file=out,
    )
    print("Preparing the store and loading the Japanese tokenizer …", file=out, flush=True)
    try:
        await desk.start()
        report = await import_orders(desk.store, shop_dir / "orders.csv", now=clock.now())
        print(
            f"Imported {report.inserted} orders from orders.csv ({report.encoding}).",
            file=out,
            flush=True,
        )
        results: list[Processed] = []
        for n, (path, raw) in enumerate(mails, start=1):
            date = parse_mail(raw).date
            if date is not None and date > clock.now():
                clock.set(date + timedelta(minutes=3))
            else:
                clock.advance(timedelta(minutes=3))
            (settings.mailboxes[0].path / "new" / f"{n:03d}.{path.stem}.demo:2,").write_bytes(raw)  # type: ignore[operator]
            if quiet:
                print(f"[{n:02d}/{len(mails)}] {path.name}", file=out, flush=True)
            await desk.ingest_once()
            batch = await desk.process_all()
            await desk.send_outbox()
            for item in batch:
                results.append(item)
                if not quiet:
                    _print_item(out, n, len(mails), path.name, item)
            out.flush()
        clock.advance(timedelta(hours=1))
        for _name, step in desk.once_steps:  # reminders and scheduled digests, as `run --once` does
            await step()
        counts = _summary(out, results, settings, time.perf_counter() - started, work, own_dir)
        await _print_digests(out, desk, settings, clock)
        return counts
    finally:
        await desk.close()
        if own_dir and quiet:
            shutil.rmtree(work, ignore_errors=True)


async def _print_digests(out: TextIO, desk: Desk, settings: Settings, clock: ManualClock) -> None:
    """The seller's digest of the demo run, in each configured language."""
    from bot.digest.build import activity_period, render_digest_text

    tz = settings.digest.timezone
    period = await activity_period(desk.store, tz)
    if period is None:
        return
    for lang in settings.digest.languages:
        text = await render_digest_text(
            desk.store, period, lang, tz, now=clock.now(), settings=settings
        )
        print(f"\n{_RULE}\nDigest for the seller ({lang})\n\n{text.rstrip()}", file=out)


def _summary(
    out: TextIO,
    results: list[Processed],
    settings: Settings,
    seconds: float,
    work: Path,
    own_dir: bool,
) -> dict[str, int]:
    kinds = Counter(r.outcome.kind if r.outcome and r.state == "done" else r.state for r in results)
    intents = Counter(r.nlu.intent for r in results if r.nlu and r.state == "done")
    outbox = settings.outbox.path
    sent = len(list(outbox.glob("*.eml"))) if outbox and outbox.exists() else 0
    print(f"\n{_RULE}\nSummary", file=out)
    print(
        f"{len(results)} mails in {seconds:.1f} s: {kinds.get('reply', 0)} answered by the bot, "
        f"{kinds.get('handoff', 0)} handed to agents, {kinds.get('none', 0)} needing no reply"
        f" ({kinds.get('failed', 0)} failed, {kinds.get('duplicate', 0)} duplicates).",
        file=out,
    )
    print(
        "By intent: "
        + ", ".join(f"{k} {v}" for k, v in sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))),
        file=out,
    )
    where = f"{outbox}" if not own_dir else f"{outbox} (temporary)"
    print(f"Replies written as .eml: {sent} in {where}", file=out)
    return dict(kinds)


def main_text() -> str:
    """A one-paragraph description for ``madoguchi demo --help``."""
    return textwrap.dedent(
        """\
        Run the bundled example shop (examples/shop/) through the real pipeline on a throwaway
        SQLite store and print what the desk did with every mail."""
    )
