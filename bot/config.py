"""Settings: read once from the environment and an optional ``madoguchi.toml``, then passed down.

The environment wins over the file. Secrets (passwords, tokens, signing secrets) come only
from the environment; a secret found in the file stops start-up. Every problem raises
:class:`~bot.errors.ConfigError` naming the setting and showing a good value.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.intents import AUTO_INTENTS, INTENTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES_DIR = PROJECT_ROOT / "templates"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/madoguchi.db"
MARKETPLACES = ("amazon_jp", "own_store", "rakuten")
DEADLINE_POLICIES = ("csba", "amazon", "business")
LANGUAGES = ("ja", "en", "zh")
# What a process does: read mailboxes, decide, send replies, talk to Slack, run reminders and
# digests. Every process does all by default; extra workers can take a share of the work.
ROLES = ("ingest", "decide", "send", "slack", "timers")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_SECRET_WORDS = ("password", "token", "secret")


@dataclass(frozen=True)
class MailboxSettings:
    """One mailbox the desk reads: IMAP(S) or a Maildir folder."""

    name: str
    scheme: Literal["imaps", "imap", "maildir"]
    url: str  # as configured, without any password
    host: str = ""
    port: int = 0
    username: str = ""
    folder: str = "INBOX"
    path: Path | None = None
    password: str | None = None
    ca_file: Path | None = None
    sent_folder: str | None = "Sent"
    deadline_policy: str = "csba"
    timeout: float = 30.0
    # A new deployment answers only mail that arrived this many days before its first sync.
    first_sync_days: float = 3.0
    # IDLE is ended and re-issued this often (RFC 2177 asks for less than 29 minutes).
    idle_seconds: float = 600.0

    def describe(self) -> str:
        """Where the mailbox is, safe to log (no password, no buyer data)."""
        return f"{self.name} ({self.url})"


@dataclass(frozen=True)
class OutboxSettings:
    """Where replies go: an SMTP server, or ``.eml`` files in a folder (the default)."""

    scheme: Literal["smtps", "smtp+starttls", "smtp", "maildir", "files"]
    url: str
    host: str = ""
    port: int = 0
    username: str = ""
    password: str | None = None
    path: Path | None = None
    ca_file: Path | None = None
    timeout: float = 30.0
    max_attempts: int = 8
    connections: int = 8  # SMTP connections opened side by side when many replies wait


@dataclass(frozen=True)
class ShopSettings:
    """Who the shop is and how it wants buyers answered."""

    name: str = "Madoguchi Shop"
    addresses: tuple[str, ...] = ("shop@example.jp",)
    marketplace: str = "amazon_jp"
    signature: str | None = None
    return_policy: str = ""
    invoice_registration_number: str | None = None
    invoice_policy: str | None = None
    carrier_names: Mapping[str, str] = field(default_factory=dict)
    carrier_tracking_urls: Mapping[str, str] = field(default_factory=dict)
    allowed_link_domains: tuple[str, ...] = ()
    faq_file: Path | None = None
    auto_intents: frozenset[str] = AUTO_INTENTS
    seller_language: str = "en"
    timezone: str = "Asia/Tokyo"
    auto_replies_per_sender_per_day: int = 3
    confidence_threshold: float = 0.0  # 0 = the classifier's own calibrated threshold
    # Whether replies may carry carrier tracking links (Amazon's stance on them is unverified).
    tracking_links: bool = True
    # Typical days from dispatch abroad to the buyer's door, told to buyers of cross-border parcels.
    international_transit_days: tuple[int, int] = (7, 14)

    @property
    def address(self) -> str:
        """The address replies are sent from."""
        return self.addresses[0]


@dataclass(frozen=True)
class SlackSettings:
    """The Slack desk. Enabled when a bot token and a channel are set."""

    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    channel: str | None = None
    api_url: str = "https://slack.com/api/"
    mode: Literal["socket", "http"] = "socket"
    http_port: int = 3000
    agent_group: str | None = None
    escalation_mention: str | None = None
    undo_seconds: float = 10.0
    agent_language: str = "ja"  # reminders and other agent-facing text: ja, en or zh

    @property
    def enabled(self) -> bool:
        """True when the desk can post: a bot token and a channel are configured."""
        return bool(self.bot_token and self.channel)


@dataclass(frozen=True)
class DeadlineSettings:
    """Reply deadlines: the default policy and the reminder ladder."""

    policy: str = "csba"
    reminders_minutes: tuple[int, ...] = (120, 30, 0)
    business_hours: tuple[time, time] = (time(10, 0), time(18, 0))
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    business_target_hours: float = 8.0
    # ISO dates ("2026-12-31") or inclusive ranges ("2026-12-29..2027-01-03") the shop is shut.
    closed_days: tuple[str, ...] = ()
    public_holidays: bool = True  # Japanese public holidays count as closed under ``business``


@dataclass(frozen=True)
class DigestSettings:
    """Seller digests: when, in which language, to whom."""

    languages: tuple[str, ...] = ("en",)
    daily_at: time = time(9, 0)
    weekly: bool = False
    weekly_day: int = 0
    timezone: str = "Asia/Tokyo"
    email_to: tuple[str, ...] = ()
    to_slack: bool = True


@dataclass(frozen=True)
class Settings:
    """Everything the desk needs to run, read once at start-up."""

    database_url: str = DEFAULT_DATABASE_URL
    mailboxes: tuple[MailboxSettings, ...] = ()
    outbox: OutboxSettings = field(
        default_factory=lambda: OutboxSettings(
            scheme="files", url="files:./var/outbox", path=Path("var/outbox")
        )
    )
    shop: ShopSettings = field(default_factory=ShopSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    deadlines: DeadlineSettings = field(default_factory=DeadlineSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    templates_dir: Path = DEFAULT_TEMPLATES_DIR
    data_dir: Path = Path("var")
    log_level: str = "INFO"
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    poll_seconds: float = 5.0
    roles: frozenset[str] = frozenset(ROLES)
    # Helper processes that parse and classify mail for the decide role (0: in this process).
    analysis_processes: int = 0

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (tests and the demo use this)."""
        return replace(self, **changes)


# ---------------------------------------------------------------------------------------------
# Parsing helpers. Each takes the setting's name so that errors can name it.


def _database_url(name: str, value: str) -> str:
    example = "sqlite+aiosqlite:///./var/madoguchi.db or postgresql+asyncpg://user@host/db"
    if value.startswith("sqlite:///"):
        value = "sqlite+aiosqlite:///" + value[len("sqlite:///") :]
    elif value.startswith(("postgresql://", "postgres://")):
        value = "postgresql+asyncpg://" + value.split("://", 1)[1]
    if value.startswith("sqlite+aiosqlite:///"):
        if value == "sqlite+aiosqlite:///":
            raise ConfigError(name, "the SQLite URL has no file path", example)
        return value
    if value.startswith("postgresql+asyncpg://"):
        parts = urlsplit(value)
        if not parts.hostname and "host=" not in parts.query:
            raise ConfigError(name, "the PostgreSQL URL has no host", example)
        if not parts.path.strip("/"):
            raise ConfigError(name, "the PostgreSQL URL names no database", example)
        return value
    raise ConfigError(name, f"unsupported database URL {_redact(value)!r}", example)


def _redact(url: str) -> str:
    """A URL with any password replaced, safe for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def _port(name: str, parts: Any, default: int, example: str) -> int:
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(name, f"bad port: {exc}", example) from None
    return int(port or default)


def _mailbox(
    name: str,
    setting: str,
    url: str,
    password: str | None,
    *,
    ca_file: str | None,
    allow_plaintext: bool,
    deadline_policy: str,
    sent_folder: str | None,
    first_sync_days: float = 3.0,
    idle_seconds: float = 600.0,
) -> MailboxSettings:
    example = "imaps://shop%40example.jp@imap.example.jp:993/INBOX or maildir:/var/mail/shop"
    if url.startswith("maildir:"):
        path = url[len("maildir:") :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ConfigError(setting, "maildir: needs a folder path", example)
        return MailboxSettings(
            name=name,
            scheme="maildir",
            url=url,
            path=Path(path),
            deadline_policy=deadline_policy,
            sent_folder=None,
        )
    parts = urlsplit(url)
    if parts.scheme not in ("imaps", "imap"):
        raise ConfigError(setting, f"unsupported mailbox URL scheme {parts.scheme!r}", example)
    if not parts.hostname:
        raise ConfigError(setting, "the mailbox URL has no host", example)
    if parts.password:
        raise ConfigError(
            setting,
            "put the password in MADOGUCHI_MAILBOX_PASSWORD, not in the URL",
            example,
        )
    if parts.scheme == "imap" and parts.hostname not in _LOOPBACK and not allow_plaintext:
        raise ConfigError(
            setting,
            "plain imap:// sends the password unencrypted; use imaps:// or set "
            "MADOGUCHI_MAILBOX_ALLOW_PLAINTEXT=true",
            example,
        )
    if not parts.username:
        raise ConfigError(setting, "the mailbox URL has no user name", example)
    if password is None:
        raise ConfigError(
            "MADOGUCHI_MAILBOX_PASSWORD", f"mailbox {name!r} needs a password", "s3cret"
        )
    return MailboxSettings(
        name=name,
        scheme=parts.scheme,  # type: ignore[arg-type]
        url=_redact(url),
        host=parts.hostname,
        port=_port(setting, parts, 993 if parts.scheme == "imaps" else 143, example),
        username=unquote(parts.username),
        folder=unquote(parts.path.strip("/")) or "INBOX",
        password=password,
        ca_file=Path(ca_file) if ca_file else None,
        deadline_policy=deadline_policy,
        sent_folder=sent_folder,
        first_sync_days=first_sync_days,
        idle_seconds=idle_seconds,
    )


def _imap_timing(names: tuple[str, str], days: Any, idle: Any) -> dict[str, float]:
    """The first-sync horizon and the IDLE renewal interval of one mailbox, checked."""
    days_name, idle_name = names
    first_sync_days = _float(days_name, days, "3")
    if first_sync_days < 0:
        raise ConfigError(days_name, "must not be negative", "3")
    idle_seconds = _float(idle_name, idle, "600")
    if not 1 <= idle_seconds < 29 * 60:
        raise ConfigError(idle_name, "IDLE must be renewed within 29 minutes (RFC 2177)", "600")
    return {"first_sync_days": first_sync_days, "idle_seconds": idle_seconds}


def _outbox(url: str, password: str | None, ca_file: str | None) -> OutboxSettings:
    setting = "MADOGUCHI_OUTBOX"
    example = "smtps://shop%40example.jp@smtp.example.jp:465 or maildir:/var/mail/outbox"
    for prefix, scheme in (("maildir:", "maildir"), ("files:", "files")):
        if url.startswith(prefix):
            path = url[len(prefix) :].removeprefix("//")
            if not path:
                raise ConfigError(setting, f"{prefix} needs a folder path", example)
            return OutboxSettings(scheme=scheme, url=url, path=Path(path))  # type: ignore[arg-type]
    parts = urlsplit(url)
    defaults = {"smtps": 465, "smtp+starttls": 587, "smtp": 25}
    if parts.scheme not in defaults:
        raise ConfigError(setting, f"unsupported outbox URL scheme {parts.scheme!r}", example)
    if not parts.hostname:
        raise ConfigError(setting, "the outbox URL has no host", example)
    if parts.password:
        raise ConfigError(
            setting, "put the password in MADOGUCHI_OUTBOX_PASSWORD, not in the URL", example
        )
    if parts.scheme == "smtp" and parts.hostname not in _LOOPBACK:
        raise ConfigError(
            setting,
            "plain smtp:// is allowed only to a loopback relay; use smtps:// or smtp+starttls://",
            example,
        )
    if parts.username and password is None:
        raise ConfigError(
            "MADOGUCHI_OUTBOX_PASSWORD",
            "the outbox URL names a user but no password is set",
            "s3cret",
        )
    return OutboxSettings(
        scheme=parts.scheme,  # type: ignore[arg-type]
        url=_redact(url),
        host=parts.hostname,
        port=_port(setting, parts, defaults[parts.scheme], example),
        username=unquote(parts.username or ""),
        password=password,
        ca_file=Path(ca_file) if ca_file else None,
    )


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(name, f"{value!r} is not one of {', '.join(choices)}", choices[0])
    return value


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(name, f"{value!r} is not a yes/no value", "true")


def _float(name: str, value: Any, example: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"{value!r} is not a number", example) from None


def _int(name: str, value: Any, example: str) -> int:
    # A TOML true or 2.9 is not a count: int() would quietly make it 1 or 2.
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ConfigError(name, f"{value!r} is not a whole number", example)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"{value!r} is not a whole number", example) from None


def _usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _analysis_processes(value: Any) -> int:
    """``auto``: one helper on a machine with more than one CPU, none on a single CPU."""
    name, example = "MADOGUCHI_ANALYSIS_PROCESSES", "auto, 0 (in the desk process) or 1"
    if str(value).strip().lower() == "auto":
        return 1 if _usable_cpus() > 1 else 0
    count = _int(name, value, example)
    if not 0 <= count <= 32:
        raise ConfigError(name, f"{count} is not between 0 and 32", example)
    return count


def _outbox_connections(value: Any) -> int:
    """SMTP connections at most at once (a relay may allow each client only a few)."""
    name, example = "MADOGUCHI_OUTBOX_CONNECTIONS", "8 (1 for a relay that allows one)"
    count = _int(name, value, example)
    if not 1 <= count <= 32:
        raise ConfigError(name, f"{count} is not between 1 and 32", example)
    return count


def _list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v.strip() for v in str(value).split(",") if v.strip())


def _day_range(name: str, value: Any) -> tuple[int, int]:
    days = [_int(name, v, "7,14") for v in _list(value)]
    if len(days) != 2 or not 0 < days[0] <= days[1]:
        raise ConfigError(name, f"{value!r} is not a range of days (low, high)", "7,14")
    return days[0], days[1]


def _clock_time(name: str, value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(name, f"{value!r} is not a time of day", "09:00") from None


def _closed_days(name: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """Check each closed day is an ISO date or an ordered ``first..last`` range of them."""
    for value in values:
        parts = value.split("..")
        try:
            dates = [date.fromisoformat(part.strip()) for part in parts]
        except ValueError:
            dates = []
        if len(parts) > 2 or not dates or dates[0] > dates[-1]:
            raise ConfigError(
                name, f"{value!r} is not a date or a range of dates", "2026-12-29..2027-01-03"
            )
    return values


def _zone(name: str, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(name, f"unknown time zone {value!r}", "Asia/Tokyo") from None
    return value


def _reject_secrets(table: Mapping[str, Any], where: str) -> None:
    for key, value in table.items():
        if isinstance(value, Mapping):
            _reject_secrets(value, f"{where}{key}.")
        elif any(word in key.lower() for word in _SECRET_WORDS) and not key.endswith("_env"):
            raise ConfigError(
                f"{where}{key}",
                "secrets are read only from the environment, never from madoguchi.toml",
                "export MADOGUCHI_MAILBOX_PASSWORD=... (or name the variable with password_env)",
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError("MADOGUCHI_CONFIG", f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("MADOGUCHI_CONFIG", f"{path} is not valid TOML: {exc}") from None
    _reject_secrets(data, "")
    return data


# ---------------------------------------------------------------------------------------------


def load_settings(
    env: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build :class:`Settings` from ``env`` (default: ``os.environ``) and the TOML file.

    The file is ``config_file``, else ``$MADOGUCHI_CONFIG``, else ``./madoguchi.toml`` if it
    exists. Raises :class:`ConfigError` on the first bad or missing setting.
    """
    env = os.environ if env is None else env
    path = config_file or (Path(env["MADOGUCHI_CONFIG"]) if env.get("MADOGUCHI_CONFIG") else None)
    if path is None and Path("madoguchi.toml").is_file():
        path = Path("madoguchi.toml")
    doc = _read_toml(path) if path else {}
    base = path.parent if path else Path(".")

    def pick(var: str, *keys: str, default: Any = None) -> Any:
        if env.get(var) not in (None, ""):
            return env[var]
        node: Any = doc
        for key in keys:
            if not isinstance(node, Mapping) or key not in node:
                return default
            node = node[key]
        return node

    def rel(p: str | None) -> Path | None:
        if not p:
            return None
        q = Path(p)
        return q if q.is_absolute() else base / q

    database_url = _database_url(
        "MADOGUCHI_DATABASE_URL",
        str(pick("MADOGUCHI_DATABASE_URL", "database_url", default=DEFAULT_DATABASE_URL)),
    )

    deadline_policy = _choice(
        "MADOGUCHI_DEADLINE_POLICY",
        str(pick("MADOGUCHI_DEADLINE_POLICY", "deadlines", "policy", default="csba")),
        DEADLINE_POLICIES,
    )

    mailboxes: list[MailboxSettings] = []
    allow_plain = _bool(
        "MADOGUCHI_MAILBOX_ALLOW_PLAINTEXT", env.get("MADOGUCHI_MAILBOX_ALLOW_PLAINTEXT", "false")
    )
    if env.get("MADOGUCHI_MAILBOX"):
        mailboxes.append(
            _mailbox(
                "default",
                "MADOGUCHI_MAILBOX",
                env["MADOGUCHI_MAILBOX"],
                env.get("MADOGUCHI_MAILBOX_PASSWORD"),
                ca_file=env.get("MADOGUCHI_MAILBOX_CA_FILE"),
                allow_plaintext=allow_plain,
                deadline_policy=deadline_policy,
                sent_folder=env.get("MADOGUCHI_MAILBOX_SENT_FOLDER", "Sent") or None,
                **_imap_timing(
                    ("MADOGUCHI_MAILBOX_FIRST_SYNC_DAYS", "MADOGUCHI_MAILBOX_IDLE_SECONDS"),
                    env.get("MADOGUCHI_MAILBOX_FIRST_SYNC_DAYS", 3),
                    env.get("MADOGUCHI_MAILBOX_IDLE_SECONDS", 600),
                ),
            )
        )
    else:
        for i, table in enumerate(doc.get("mailbox", [])):
            where = f"mailbox[{i}]"
            if not isinstance(table, Mapping) or "url" not in table:
                raise ConfigError(
                    f"{where}.url", "each [[mailbox]] needs a url", "maildir:./var/mail"
                )
            name = str(table.get("name") or f"mailbox{i + 1}")
            password_env = str(table.get("password_env") or "MADOGUCHI_MAILBOX_PASSWORD")
            url = str(table["url"])
            if url.startswith("maildir:") and not Path(url[8:]).is_absolute():
                url = f"maildir:{rel(url[8:])}"
            policy = _choice(
                f"{where}.deadline_policy",
                str(table.get("deadline_policy", deadline_policy)),
                DEADLINE_POLICIES,
            )
            mailboxes.append(
                _mailbox(
                    name,
                    f"{where}.url",
                    url,
                    env.get(password_env),
                    ca_file=str(rel(table.get("ca_file"))) if table.get("ca_file") else None,
                    allow_plaintext=_bool(
                        f"{where}.allow_plaintext", table.get("allow_plaintext", allow_plain)
                    ),
                    deadline_policy=policy,
                    sent_folder=table.get("sent_folder", "Sent") or None,
                    **_imap_timing(
                        (f"{where}.first_sync_days", f"{where}.idle_seconds"),
                        table.get("first_sync_days", 3),
                        table.get("idle_seconds", 600),
                    ),
                )
            )
    if not mailboxes:
        mailboxes.append(
            _mailbox(
                "default",
                "MADOGUCHI_MAILBOX",
                "maildir:./var/maildir",
                None,
                ca_file=None,
                allow_plaintext=False,
                deadline_policy=deadline_policy,
                sent_folder=None,
            )
        )
    names = [m.name for m in mailboxes]
    if len(set(names)) != len(names):
        raise ConfigError("mailbox.name", "two mailboxes share a name", 'name = "amazon"')

    outbox_url = pick("MADOGUCHI_OUTBOX", "outbox", "url", default="files:./var/outbox")
    outbox = replace(
        _outbox(
            str(outbox_url),
            env.get("MADOGUCHI_OUTBOX_PASSWORD"),
            env.get("MADOGUCHI_OUTBOX_CA_FILE")
            or (str(rel(pick("", "outbox", "ca_file"))) if pick("", "outbox", "ca_file") else None),
        ),
        connections=_outbox_connections(
            pick("MADOGUCHI_OUTBOX_CONNECTIONS", "outbox", "connections", default="8")
        ),
    )

    shop_doc = doc.get("shop", {}) if isinstance(doc.get("shop"), Mapping) else {}
    carriers_doc = (
        shop_doc.get("carriers", {}) if isinstance(shop_doc.get("carriers"), Mapping) else {}
    )
    auto_intents = frozenset(
        _list(pick("MADOGUCHI_AUTO_INTENTS", "shop", "auto_intents", default=sorted(AUTO_INTENTS)))
    )
    for intent in auto_intents:
        if intent not in INTENTS:
            raise ConfigError(
                "MADOGUCHI_AUTO_INTENTS", f"unknown intent {intent!r}", "shipping_status,invoice"
            )
    addresses = tuple(
        a.lower()
        for a in _list(
            pick("MADOGUCHI_SHOP_ADDRESS", "shop", "addresses", default="shop@example.jp")
        )
    )
    for address in addresses:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
            raise ConfigError(
                "MADOGUCHI_SHOP_ADDRESS", f"{address!r} is not a mail address", "shop@example.jp"
            )
    if not addresses:
        raise ConfigError("MADOGUCHI_SHOP_ADDRESS", "no address given", "shop@example.jp")
    shop = ShopSettings(
        name=str(pick("MADOGUCHI_SHOP_NAME", "shop", "name", default="Madoguchi Shop")),
        addresses=addresses,
        marketplace=_choice(
            "MADOGUCHI_MARKETPLACE",
            str(pick("MADOGUCHI_MARKETPLACE", "shop", "marketplace", default="amazon_jp")),
            MARKETPLACES,
        ),
        signature=pick("MADOGUCHI_SHOP_SIGNATURE", "shop", "signature"),
        return_policy=str(pick("MADOGUCHI_RETURN_POLICY", "shop", "return_policy", default="")),
        invoice_registration_number=pick(
            "MADOGUCHI_INVOICE_REGISTRATION_NUMBER", "shop", "invoice", "registration_number"
        ),
        invoice_policy=pick("", "shop", "invoice", "policy"),
        carrier_names={
            k: str(v["name"])
            for k, v in carriers_doc.items()
            if isinstance(v, Mapping) and "name" in v
        },
        carrier_tracking_urls={
            k: str(v["tracking_url"])
            for k, v in carriers_doc.items()
            if isinstance(v, Mapping) and "tracking_url" in v
        },
        allowed_link_domains=_list(
            pick("MADOGUCHI_ALLOWED_LINK_DOMAINS", "shop", "allowed_link_domains", default=[])
        ),
        faq_file=rel(pick("MADOGUCHI_FAQ_FILE", "shop", "faq_file")),
        auto_intents=auto_intents,
        seller_language=_choice(
            "MADOGUCHI_SELLER_LANGUAGE",
            str(pick("MADOGUCHI_SELLER_LANGUAGE", "shop", "seller_language", default="en")),
            ("en", "zh", "ja"),
        ),
        timezone=_zone(
            "MADOGUCHI_TIMEZONE",
            str(pick("MADOGUCHI_TIMEZONE", "shop", "timezone", default="Asia/Tokyo")),
        ),
        auto_replies_per_sender_per_day=_int(
            "MADOGUCHI_AUTO_REPLIES_PER_SENDER",
            pick(
                "MADOGUCHI_AUTO_REPLIES_PER_SENDER",
                "shop",
                "auto_replies_per_sender_per_day",
                default=3,
            ),
            "3",
        ),
        confidence_threshold=_float(
            "MADOGUCHI_CONFIDENCE_THRESHOLD",
            pick("MADOGUCHI_CONFIDENCE_THRESHOLD", "shop", "confidence_threshold", default=0.0),
            "0.8",
        ),
        tracking_links=_bool(
            "MADOGUCHI_TRACKING_LINKS",
            pick("MADOGUCHI_TRACKING_LINKS", "shop", "tracking_links", default=True),
        ),
        international_transit_days=_day_range(
            "MADOGUCHI_INTERNATIONAL_TRANSIT_DAYS",
            pick(
                "MADOGUCHI_INTERNATIONAL_TRANSIT_DAYS",
                "shop",
                "international_transit_days",
                default=[7, 14],
            ),
        ),
    )
    if (
        shop.marketplace == "amazon_jp"
        and shop.signature
        and re.search(r"https?://|@|\d{2,4}-\d{2,4}-\d{3,4}", shop.signature)
    ):
        raise ConfigError(
            "MADOGUCHI_SHOP_SIGNATURE",
            "Amazon forbids links, mail addresses and phone numbers in seller messages",
            "ミライ雑貨店 カスタマーサポート",
        )

    slack_mode = _choice(
        "MADOGUCHI_SLACK_MODE",
        str(pick("MADOGUCHI_SLACK_MODE", "slack", "mode", default="socket")),
        ("socket", "http"),
    )
    api_url = str(
        pick("MADOGUCHI_SLACK_API_URL", "slack", "api_url", default="https://slack.com/api/")
    )
    if not re.match(r"^https?://[^/]+", api_url):
        raise ConfigError(
            "MADOGUCHI_SLACK_API_URL",
            f"{api_url!r} is not an http(s) URL",
            "https://slack.com/api/",
        )
    if api_url.startswith("http://") and urlsplit(api_url).hostname not in _LOOPBACK:
        raise ConfigError(
            "MADOGUCHI_SLACK_API_URL",
            "plain http is allowed only on loopback",
            "https://slack.com/api/",
        )
    if not api_url.endswith("/"):
        api_url += "/"
    slack = SlackSettings(
        bot_token=env.get("MADOGUCHI_SLACK_BOT_TOKEN") or None,
        app_token=env.get("MADOGUCHI_SLACK_APP_TOKEN") or None,
        signing_secret=env.get("MADOGUCHI_SLACK_SIGNING_SECRET") or None,
        channel=pick("MADOGUCHI_SLACK_CHANNEL", "slack", "channel"),
        api_url=api_url,
        mode=slack_mode,  # type: ignore[arg-type]
        http_port=_int(
            "PORT", env.get("PORT") or pick("", "slack", "http_port", default=3000), "3000"
        ),
        agent_group=pick("MADOGUCHI_SLACK_AGENT_GROUP", "slack", "agent_group"),
        escalation_mention=pick("MADOGUCHI_SLACK_ESCALATION", "slack", "escalation_mention"),
        undo_seconds=_float(
            "MADOGUCHI_SLACK_UNDO_SECONDS",
            pick("MADOGUCHI_SLACK_UNDO_SECONDS", "slack", "undo_seconds", default=10),
            "10",
        ),
        agent_language=_choice(
            "MADOGUCHI_SLACK_LANGUAGE",
            str(pick("MADOGUCHI_SLACK_LANGUAGE", "slack", "language", default="ja")),
            LANGUAGES,
        ),
    )
    if slack.bot_token and not slack.channel:
        raise ConfigError(
            "MADOGUCHI_SLACK_CHANNEL", "a Slack bot token is set but no channel", "C0123456789"
        )
    if slack.bot_token and slack.mode == "socket" and not slack.app_token:
        raise ConfigError(
            "MADOGUCHI_SLACK_APP_TOKEN",
            "Socket Mode needs an app-level token (xapp-...)",
            "xapp-1-A0...",
        )
    if slack.bot_token and slack.mode == "http" and not slack.signing_secret:
        raise ConfigError(
            "MADOGUCHI_SLACK_SIGNING_SECRET",
            "HTTP mode verifies every request and needs the signing secret",
            "8f14e45f...",
        )

    ladder_raw = pick("MADOGUCHI_REMINDERS", "deadlines", "reminders_minutes", default=[120, 30, 0])
    ladder = tuple(
        sorted(
            {_int("MADOGUCHI_REMINDERS", v, "120,30,0") for v in _list(ladder_raw)}, reverse=True
        )
    )
    hours_raw = str(
        pick("MADOGUCHI_BUSINESS_HOURS", "deadlines", "business_hours", default="10:00-18:00")
    )
    try:
        start_s, end_s = hours_raw.split("-")
        hours = (time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip()))
    except ValueError:
        raise ConfigError(
            "MADOGUCHI_BUSINESS_HOURS", f"{hours_raw!r} is not a range of times", "10:00-18:00"
        ) from None
    if hours[0] >= hours[1]:
        raise ConfigError(
            "MADOGUCHI_BUSINESS_HOURS",
            "the opening time must come before the closing time",
            "10:00-18:00",
        )
    days = tuple(
        _int("deadlines.business_days", d, "[0, 1, 2, 3, 4]")
        for d in _list(pick("", "deadlines", "business_days", default=[0, 1, 2, 3, 4]))
    )
    deadlines = DeadlineSettings(
        policy=deadline_policy,
        reminders_minutes=ladder,
        business_hours=hours,
        business_days=days,
        business_target_hours=_float(
            "MADOGUCHI_BUSINESS_TARGET_HOURS",
            pick("MADOGUCHI_BUSINESS_TARGET_HOURS", "deadlines", "target_hours", default=8),
            "8",
        ),
        closed_days=_closed_days(
            "deadlines.closed_days",
            _list(pick("MADOGUCHI_CLOSED_DAYS", "deadlines", "closed_days", default=[])),
        ),
        public_holidays=_bool(
            "MADOGUCHI_PUBLIC_HOLIDAYS",
            pick("MADOGUCHI_PUBLIC_HOLIDAYS", "deadlines", "public_holidays", default=True),
        ),
    )

    languages = _list(
        pick("MADOGUCHI_DIGEST_LANGUAGES", "digest", "languages", default=[shop.seller_language])
    )
    for lang in languages:
        _choice("MADOGUCHI_DIGEST_LANGUAGES", lang, LANGUAGES)
    digest = DigestSettings(
        languages=languages,
        daily_at=_clock_time(
            "MADOGUCHI_DIGEST_AT",
            pick("MADOGUCHI_DIGEST_AT", "digest", "daily_at", default="09:00"),
        ),
        weekly=_bool(
            "MADOGUCHI_DIGEST_WEEKLY",
            pick("MADOGUCHI_DIGEST_WEEKLY", "digest", "weekly", default=False),
        ),
        weekly_day=_int("digest.weekly_day", pick("", "digest", "weekly_day", default=0), "0"),
        timezone=_zone(
            "MADOGUCHI_DIGEST_TIMEZONE",
            str(pick("MADOGUCHI_DIGEST_TIMEZONE", "digest", "timezone", default=shop.timezone)),
        ),
        email_to=_list(pick("MADOGUCHI_DIGEST_EMAIL", "digest", "email_to", default=[])),
        to_slack=_bool("digest.to_slack", pick("", "digest", "to_slack", default=True)),
    )

    log_level = str(pick("MADOGUCHI_LOG_LEVEL", "log_level", default="INFO")).upper()
    _choice("MADOGUCHI_LOG_LEVEL", log_level, ("INFO", "DEBUG", "WARNING", "ERROR"))
    templates_dir = rel(pick("MADOGUCHI_TEMPLATES_DIR", "templates_dir")) or DEFAULT_TEMPLATES_DIR
    if not (templates_dir / "ja").is_dir():
        raise ConfigError(
            "MADOGUCHI_TEMPLATES_DIR",
            f"{templates_dir} has no ja/ folder",
            str(DEFAULT_TEMPLATES_DIR),
        )

    settings = Settings(
        database_url=database_url,
        mailboxes=tuple(mailboxes),
        outbox=outbox,
        shop=shop,
        slack=slack,
        deadlines=deadlines,
        digest=digest,
        templates_dir=templates_dir,
        data_dir=Path(str(pick("MADOGUCHI_DATA_DIR", "data_dir", default="var"))),
        log_level=log_level,
        poll_seconds=_float(
            "MADOGUCHI_POLL_SECONDS", pick("MADOGUCHI_POLL_SECONDS", "poll_seconds", default=5), "5"
        ),
        roles=frozenset(
            _choice("MADOGUCHI_ROLES", role, ROLES)
            for role in _list(pick("MADOGUCHI_ROLES", "roles", default=list(ROLES)))
        ),
        analysis_processes=_analysis_processes(
            pick("MADOGUCHI_ANALYSIS_PROCESSES", "analysis_processes", default="auto")
        ),
    )
    if not settings.roles:
        raise ConfigError("MADOGUCHI_ROLES", "no role given", ",".join(ROLES))
    if env.get("MADOGUCHI_WORKER_ID"):
        settings = replace(settings, worker_id=env["MADOGUCHI_WORKER_ID"])
    return settings
