"""``madoguchi doctor`` on IMAP mailboxes, and the IMAP settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.doctor import CHECKS, check_imap
from bot.errors import ConfigError
from tests.servers import DovecotServer


async def test_doctor_reports_each_imap_mailbox_on_one_line(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    dovecot: DovecotServer,
    account: str,
) -> None:
    dovecot.append(account, b"Subject: x\r\n\r\nbody\r\n")
    settings = replace(
        make_settings(sqlite_url),
        mailboxes=(
            dovecot.mailbox("amazon", account),
            dovecot.mailbox("rakuten", account, password="wrong"),
            dovecot.mailbox("untrusted", account, ca_file=None),
        ),
    )
    good, refused, untrusted = [r.line() for r in await check_imap(settings)]
    assert good.startswith("ok    mailbox amazon: imaps://")
    assert "1 messages in INBOX, IDLE (push)" in good
    assert refused.startswith("FAIL  mailbox rakuten:") and "login refused" in refused
    assert "fix: check the password" in refused
    assert untrusted.startswith("FAIL  mailbox untrusted:") and "CERTIFICATE" in untrusted
    assert check_imap in CHECKS
    # The check only reads: the mail stays unseen.
    assert all("\\Seen" not in f for f in dovecot.flags(account).values())


def test_imap_timing_settings_are_read_and_checked(tmp_path: Path) -> None:
    env = {
        "MADOGUCHI_MAILBOX": "imaps://shop%40example.jp@imap.example.jp/INBOX",
        "MADOGUCHI_MAILBOX_PASSWORD": "pw",
    }
    [default] = load_settings(env=env).mailboxes
    assert (default.first_sync_days, default.idle_seconds) == (3.0, 600.0)
    [tuned] = load_settings(
        env={
            **env,
            "MADOGUCHI_MAILBOX_FIRST_SYNC_DAYS": "7",
            "MADOGUCHI_MAILBOX_IDLE_SECONDS": "240",
        }
    ).mailboxes
    assert (tuned.first_sync_days, tuned.idle_seconds) == (7.0, 240.0)
    with pytest.raises(ConfigError, match=r"MADOGUCHI_MAILBOX_IDLE_SECONDS.*29 minutes"):
        load_settings(env={**env, "MADOGUCHI_MAILBOX_IDLE_SECONDS": "1800"})

    toml = tmp_path / "madoguchi.toml"
    toml.write_text(
        '[[mailbox]]\nname = "amazon"\nurl = "imaps://a@imap.example.jp/INBOX"\n'
        "first_sync_days = 1\nidle_seconds = 300\n"
        '[[mailbox]]\nname = "rakuten"\nurl = "imaps://b@imap.example.jp/INBOX"\n'
        'password_env = "RAKUTEN_PASSWORD"\nfirst_sync_days = -1\n'
    )
    with pytest.raises(ConfigError, match=r"mailbox\[1\]\.first_sync_days"):
        load_settings(
            env={"MADOGUCHI_MAILBOX_PASSWORD": "a", "RAKUTEN_PASSWORD": "b"}, config_file=toml
        )
