"""``madoguchi doctor``: check every setting and reach every configured server.

One line per check: ``ok``, or what is wrong and how to fix it. Each check is an async
function of the settings returning :class:`CheckResult` lines; :data:`CHECKS` lists them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib

from bot.config import MailboxSettings, Settings
from bot.errors import MadoguchiError, MailboxAuthError, MailboxError
from bot.mail.outbox import tls_context
from bot.store import open_store


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """The line ``madoguchi doctor`` prints."""
        if self.ok:
            return f"ok    {self.name}: {self.detail}"
        return f"FAIL  {self.name}: {self.detail}" + (f" — fix: {self.fix}" if self.fix else "")


Check = Callable[[Settings], Awaitable[list[CheckResult]]]


async def check_store(settings: Settings) -> list[CheckResult]:
    """The database answers and its schema is current."""
    store = open_store(settings.database_url)
    try:
        await store.ping()
        pending = await store.pending_migrations()
    except MadoguchiError as exc:
        return [
            CheckResult(
                "store", False, str(exc), "start the database or correct MADOGUCHI_DATABASE_URL"
            )
        ]
    except Exception as exc:  # alembic/driver errors: report, do not crash the doctor
        return [
            CheckResult(
                "store", False, f"{type(exc).__name__}: {exc}", "correct MADOGUCHI_DATABASE_URL"
            )
        ]
    finally:
        await store.close()
    if pending:
        return [
            CheckResult(
                "store",
                False,
                f"{store.dialect}: {len(pending)} migration(s) not applied",
                "run `madoguchi migrate`",
            )
        ]
    return [CheckResult("store", True, f"{store.dialect}, schema up to date")]


async def _check_maildir(mailbox: MailboxSettings) -> CheckResult:
    name = f"mailbox {mailbox.name}"
    path = mailbox.path
    assert path is not None
    if not path.exists():
        return CheckResult(
            name,
            False,
            f"{path} does not exist",
            f"create it with `mkdir -p {path}/new {path}/cur {path}/tmp`",
        )
    missing = [sub for sub in ("new", "cur") if not (path / sub).is_dir()]
    if missing:
        return CheckResult(
            name,
            False,
            f"{path} is not a Maildir (no {', '.join(missing)}/)",
            f"mkdir -p {path}/new {path}/cur {path}/tmp",
        )
    if not os.access(path / "new", os.R_OK | os.X_OK):
        return CheckResult(
            name, False, f"{path}/new is not readable", "fix the folder's permissions"
        )
    count = sum(1 for _ in (path / "new").iterdir()) + sum(1 for _ in (path / "cur").iterdir())
    return CheckResult(name, True, f"Maildir {path} ({count} messages)")


async def check_mailboxes(settings: Settings) -> list[CheckResult]:
    """Each Maildir exists and is readable (IMAP mailboxes are checked by the IMAP module)."""
    return [await _check_maildir(m) for m in settings.mailboxes if m.scheme == "maildir"]


async def check_imap(settings: Settings) -> list[CheckResult]:
    """Each IMAP mailbox: login, SELECT of its folder, and whether IDLE is offered."""
    from bot.mail.imap_connection import probe

    results: list[CheckResult] = []
    for m in settings.mailboxes:
        if m.scheme not in ("imap", "imaps"):
            continue
        name = f"mailbox {m.name}"
        try:
            state, idle = await probe(m, seconds=min(m.timeout, 10.0))
        except MailboxAuthError:
            results.append(
                CheckResult(
                    name,
                    False,
                    f"{m.url}: login refused",
                    "check the password (MADOGUCHI_MAILBOX_PASSWORD or the mailbox's password_env)",
                )
            )
            continue
        except MailboxError as exc:
            results.append(
                CheckResult(
                    name,
                    False,
                    f"{m.url}: {exc}",
                    "check the host, port and folder; for a private CA set the mailbox's ca_file",
                )
            )
            continue
        how = "IDLE (push)" if idle else f"no IDLE: polling every {settings.poll_seconds:g} s"
        results.append(
            CheckResult(name, True, f"{m.url}: {state.exists} messages in {m.folder}, {how}")
        )
    return results


async def check_outbox(settings: Settings) -> list[CheckResult]:
    """The outbox folder is writable, or the SMTP server answers (and accepts the login)."""
    s = settings.outbox
    if s.scheme in ("files", "maildir"):
        assert s.path is not None
        target = s.path if s.path.exists() else s.path.parent
        if target.exists() and os.access(target, os.W_OK):
            return [CheckResult("outbox", True, f"{s.scheme} folder {s.path}")]
        return [
            CheckResult(
                "outbox",
                False,
                f"{s.path} is not writable",
                "create the folder or correct MADOGUCHI_OUTBOX",
            )
        ]
    client = aiosmtplib.SMTP(
        hostname=s.host,
        port=s.port,
        timeout=10,
        use_tls=s.scheme == "smtps",
        start_tls=s.scheme == "smtp+starttls",
        tls_context=tls_context(s.ca_file) if s.scheme != "smtp" else None,
    )
    try:
        await client.connect()
        if s.username:
            await client.login(s.username, s.password or "")
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        return [
            CheckResult(
                "outbox",
                False,
                f"{s.url}: login refused ({exc.code})",
                "check MADOGUCHI_OUTBOX_PASSWORD",
            )
        ]
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return [
            CheckResult(
                "outbox",
                False,
                f"{s.url}: {type(exc).__name__}: {exc}",
                "check the host, port and TLS settings of MADOGUCHI_OUTBOX",
            )
        ]
    return [
        CheckResult(
            "outbox", True, f"{s.url} answers" + (" and accepts the login" if s.username else "")
        )
    ]


async def check_templates(settings: Settings) -> list[CheckResult]:
    """The buyer-facing templates are there."""
    ja = settings.templates_dir / "ja"
    count = len(list(ja.rglob("*.txt")))
    if count == 0:
        return [
            CheckResult(
                "templates",
                False,
                f"no templates in {ja}",
                "set MADOGUCHI_TEMPLATES_DIR to the project's templates/",
            )
        ]
    return [CheckResult("templates", True, f"{count} Japanese templates in {ja}")]


async def check_tokenizer(settings: Settings) -> list[CheckResult]:
    """fugashi and its dictionary load."""
    try:
        import fugashi

        tagger = await asyncio.to_thread(fugashi.Tagger)
        words = [w.surface for w in tagger("まだ届いていません")]
    except Exception as exc:
        return [
            CheckResult(
                "tokenizer",
                False,
                f"{type(exc).__name__}: {exc}",
                "pip install fugashi unidic-lite",
            )
        ]
    return [
        CheckResult(
            "tokenizer", True, f"fugashi + unidic-lite ({len(words)} tokens in a test sentence)"
        )
    ]


async def check_shop(settings: Settings) -> list[CheckResult]:
    """The shop's identity is set (replies are signed with it)."""
    if settings.shop.name == "Madoguchi Shop":
        return [
            CheckResult(
                "shop",
                False,
                "MADOGUCHI_SHOP_NAME is not set; replies would be signed 'Madoguchi Shop'",
                "export MADOGUCHI_SHOP_NAME=ミライ雑貨店",
            )
        ]
    return [
        CheckResult(
            "shop",
            True,
            f"{settings.shop.name} <{settings.shop.address}> on {settings.shop.marketplace}",
        )
    ]


async def check_slack(settings: Settings) -> list[CheckResult]:
    """The Slack tokens work and the desk's channel is reachable (when Slack is configured)."""
    from bot.slack.doctor import slack_checks

    return await slack_checks(settings)


CHECKS: list[Check] = [
    check_shop,
    check_store,
    check_mailboxes,
    check_imap,
    check_outbox,
    check_templates,
    check_tokenizer,
    check_slack,
]


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Every check, in order; a check that crashes is reported, not raised."""
    results: list[CheckResult] = []
    for check in CHECKS:
        try:
            results.extend(await check(settings))
        except Exception as exc:
            results.append(
                CheckResult(
                    check.__name__.removeprefix("check_"), False, f"{type(exc).__name__}: {exc}"
                )
            )
    return results
