"""The ``madoguchi`` command line (also ``python -m bot``).

Exit codes: 0 done, 1 the work failed (bad orders file, failed checks), 2 a bad setting or
bad usage, 3 the store cannot be reached, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import Settings, load_settings
from bot.errors import ConfigError, MadoguchiError, OrdersFileError, StoreError
from bot.logs import kv, setup_logging

log = logging.getLogger("bot.cli")

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int] | int]


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(config_file=args.config)
    setup_logging("DEBUG" if args.verbose else settings.log_level)
    return settings


# --- commands -------------------------------------------------------------------------------


async def cmd_run(args: argparse.Namespace) -> int:
    from bot.service import Desk

    settings = _settings(args)
    desk = Desk(settings)
    try:
        if args.once:
            summary = await desk.run_once()
            counts = summary.counts()
            log.info(kv("run.once", ingested=summary.ingested, sent=summary.sent, **counts))
            print(
                json.dumps(
                    {
                        "ingested": summary.ingested,
                        "processed": len(summary.processed),
                        "sent": summary.sent,
                        "decisions": counts,
                    },
                    ensure_ascii=False,
                )
            )
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stopper(stop, sig))
        await desk.run(stop)
        return 0
    finally:
        await desk.close()


def _stopper(stop: asyncio.Event, sig: signal.Signals) -> Callable[[], None]:
    def handle() -> None:
        log.info(kv("desk.stopping", signal=sig.name))
        stop.set()

    return handle


async def cmd_web(args: argparse.Namespace) -> int:
    from bot.slack.web import serve

    settings = _settings(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stopper(stop, sig))
    await serve(settings, stop, host=args.host, port=args.port)
    return 0


async def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.store import open_store

    settings = _settings(args)
    store = open_store(settings.database_url)
    try:
        applied = await store.migrate()
    finally:
        await store.close()
    print(
        f"store ({store.dialect}): "
        + (f"applied {', '.join(applied)}" if applied else "already up to date")
    )
    return 0


async def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run_checks

    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(f"FAIL  settings: {exc}")
        return 1
    print(f"ok    settings: read ({args.config or 'environment'})")
    results = await run_checks(settings)
    for result in results:
        print(result.line())
    failed = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)} ok, {len(failed)} to fix")
    return 1 if failed else 0


async def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import EXAMPLE_SHOP, run_demo

    setup_logging("DEBUG" if args.verbose else "WARNING")
    await run_demo(workdir=args.keep, shop_dir=args.shop or EXAMPLE_SHOP, quiet=args.quiet)
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.mail.parse import parse_mail

    raw = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    print(json.dumps(parse_mail(raw).to_contract(), ensure_ascii=False, indent=2))
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from bot.nlp.batch import classify_records

    source = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")  # noqa: SIM115
    try:

        def records() -> Any:
            for n, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    yield {"id": None, "_invalid": f"line {n}: {exc.msg}"}

        for result in classify_records(records()):
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    finally:
        if source is not sys.stdin:
            source.close()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.nlp.evaluate import evaluate_file, format_report

    report = evaluate_file(args.file)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


async def cmd_orders_import(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.orders import import_orders
    from bot.store import open_store

    settings = _settings(args)
    store = open_store(settings.database_url)
    try:
        await store.migrate()
        report = await import_orders(
            store,
            args.file,
            now=SystemClock().now(),
            skip_invalid=args.skip_invalid,
            dry_run=args.dry_run,
        )
    finally:
        await store.close()
    for error in report.errors:
        print(f"{args.file}: {error}", file=sys.stderr)
    if report.errors and not args.skip_invalid:
        print(
            f"nothing imported: {len(report.errors)} problem(s) in {report.skipped} row(s); "
            "fix them or use --skip-invalid to import the good rows",
            file=sys.stderr,
        )
        return 1
    verb = "would import" if args.dry_run else "imported"
    print(
        f"{verb} {report.inserted + report.updated if not args.dry_run else report.rows - report.skipped} orders "
        f"({report.inserted} new, {report.updated} updated, {report.skipped} skipped) from {args.file} [{report.encoding}]"
    )
    return 0


async def cmd_digest(args: argparse.Namespace) -> int:
    from bot.digest.command import run

    return await run(_settings(args), args)


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="madoguchi",
        description="Madoguchi (窓口): a Japanese customer-service desk for online shops.",
        epilog="Settings come from MADOGUCHI_* environment variables and an optional madoguchi.toml; see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"madoguchi {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        help="a madoguchi.toml (default: $MADOGUCHI_CONFIG or ./madoguchi.toml)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Command, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add("run", cmd_run, "run the desk: read mail, answer, hand off, send (until SIGTERM)")
    p.add_argument("--once", action="store_true", help="process everything waiting, then exit")
    p = add("web", cmd_web, "serve Slack's HTTP mode: POST /slack/events on $PORT (until SIGTERM)")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    p.add_argument(
        "--port", type=int, help="port (default: $PORT, else slack.http_port, else 3000)"
    )
    add("migrate", cmd_migrate, "create or upgrade the store's tables")
    add("doctor", cmd_doctor, "check the settings and reach every configured server")
    p = add("demo", cmd_demo, "run the bundled example shop through the real pipeline")
    p.add_argument(
        "--keep", type=Path, metavar="DIR", help="work in DIR and keep the store and outbox"
    )
    p.add_argument(
        "--shop",
        type=Path,
        metavar="DIR",
        help="another example shop folder (shop.toml, orders.csv, mails/)",
    )
    p.add_argument("--quiet", action="store_true", help="only progress lines and the summary")
    p = add("parse", cmd_parse, "decode one mail and print the parse JSON")
    p.add_argument("file", type=Path, help="an .eml file, or - for stdin")
    p = add(
        "classify",
        cmd_classify,
        "classify JSON lines (id, subject, body) and print one result line each",
    )
    p.add_argument("--jsonl", required=True, metavar="FILE", help="the input file, or - for stdin")
    p = add("eval", cmd_eval, "measure the classifier on a labelled JSON-lines file")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p = add("digest", cmd_digest, "write the seller digest of a period (HTML, .eml or text)")
    from bot.digest.command import add_arguments as digest_arguments

    digest_arguments(p)
    orders = sub.add_parser("orders", help="the seller's orders").add_subparsers(
        dest="orders_command", metavar="ACTION"
    )
    p = orders.add_parser(
        "import", help="load orders from CSV or TSV (UTF-8, UTF-8 with BOM, or CP932)"
    )
    p.set_defaults(func=cmd_orders_import)
    p.add_argument("file", type=Path)
    p.add_argument(
        "--skip-invalid", action="store_true", help="import the good rows even if some are bad"
    )
    p.add_argument("--dry-run", action="store_true", help="check the file without importing")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``madoguchi`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if inspect.iscoroutinefunction(args.func):
            return asyncio.run(args.func(args))
        return int(args.func(args))
    except ConfigError as exc:
        print(f"madoguchi: configuration error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 3
    except OrdersFileError as exc:
        print(f"madoguchi: orders file: {exc}", file=sys.stderr)
        return 1
    except MadoguchiError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"madoguchi: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
