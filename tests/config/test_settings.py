"""Settings: defaults, the environment over the file, and bad values named clearly."""

from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, load_settings
from bot.errors import ConfigError


def test_defaults_need_no_configuration() -> None:
    settings = load_settings(env={})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.mailboxes[0].scheme == "maildir"
    assert settings.outbox.scheme == "files"
    assert settings.shop.marketplace == "amazon_jp"
    assert settings.deadlines.policy == "csba"
    assert not settings.slack.enabled


def test_design_doc_variables_are_read() -> None:
    settings = load_settings(
        env={
            "MADOGUCHI_DATABASE_URL": "postgresql+asyncpg://shop@db.example.jp/madoguchi",
            "MADOGUCHI_MAILBOX": "imaps://shop%40example.jp@imap.example.jp:993/INBOX",
            "MADOGUCHI_MAILBOX_PASSWORD": "pw",
            "MADOGUCHI_OUTBOX": "smtps://shop%40example.jp@smtp.example.jp:465",
            "MADOGUCHI_OUTBOX_PASSWORD": "pw2",
            "MADOGUCHI_OUTBOX_CONNECTIONS": "2",
            "MADOGUCHI_SHOP_NAME": "ミライ雑貨店",
            "MADOGUCHI_SHOP_ADDRESS": "Shop@Example.jp, support@example.jp",
            "MADOGUCHI_MARKETPLACE": "own_store",
            "MADOGUCHI_SLACK_BOT_TOKEN": "xoxb-1",
            "MADOGUCHI_SLACK_APP_TOKEN": "xapp-1",
            "MADOGUCHI_SLACK_CHANNEL": "C123",
            "MADOGUCHI_SLACK_API_URL": "http://127.0.0.1:8123/api",
        }
    )
    box = settings.mailboxes[0]
    assert (box.scheme, box.host, box.port, box.username, box.folder, box.password) == (
        "imaps",
        "imap.example.jp",
        993,
        "shop@example.jp",
        "INBOX",
        "pw",
    )
    assert (settings.outbox.scheme, settings.outbox.username, settings.outbox.password) == (
        "smtps",
        "shop@example.jp",
        "pw2",
    )
    assert settings.outbox.connections == 2
    assert settings.shop.addresses == ("shop@example.jp", "support@example.jp")
    assert settings.shop.marketplace == "own_store"
    assert settings.slack.enabled and settings.slack.api_url == "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"MADOGUCHI_DATABASE_URL": "mysql://x/y"}, "MADOGUCHI_DATABASE_URL"),
        ({"MADOGUCHI_DATABASE_URL": "postgresql+asyncpg://host/"}, "MADOGUCHI_DATABASE_URL"),
        ({"MADOGUCHI_MAILBOX": "pop3://x@y"}, "MADOGUCHI_MAILBOX"),
        ({"MADOGUCHI_MAILBOX": "imaps://u@host/INBOX"}, "MADOGUCHI_MAILBOX_PASSWORD"),
        (
            {
                "MADOGUCHI_MAILBOX": "imap://u@mail.example.jp/INBOX",
                "MADOGUCHI_MAILBOX_PASSWORD": "p",
            },
            "MADOGUCHI_MAILBOX",
        ),
        ({"MADOGUCHI_MAILBOX": "imaps://u:secret@host/INBOX"}, "MADOGUCHI_MAILBOX"),
        ({"MADOGUCHI_OUTBOX": "smtp://smtp.example.jp:25"}, "MADOGUCHI_OUTBOX"),
        ({"MADOGUCHI_OUTBOX": "smtps://u@smtp.example.jp"}, "MADOGUCHI_OUTBOX_PASSWORD"),
        ({"MADOGUCHI_OUTBOX_CONNECTIONS": "0"}, "MADOGUCHI_OUTBOX_CONNECTIONS"),
        ({"MADOGUCHI_OUTBOX_CONNECTIONS": "many"}, "MADOGUCHI_OUTBOX_CONNECTIONS"),
        ({"MADOGUCHI_MARKETPLACE": "ebay"}, "MADOGUCHI_MARKETPLACE"),
        ({"MADOGUCHI_SHOP_ADDRESS": "not an address"}, "MADOGUCHI_SHOP_ADDRESS"),
        ({"MADOGUCHI_SLACK_BOT_TOKEN": "xoxb-1"}, "MADOGUCHI_SLACK_CHANNEL"),
        (
            {"MADOGUCHI_SLACK_BOT_TOKEN": "xoxb-1", "MADOGUCHI_SLACK_CHANNEL": "C1"},
            "MADOGUCHI_SLACK_APP_TOKEN",
        ),
        ({"MADOGUCHI_SLACK_API_URL": "http://slack.example.com/api/"}, "MADOGUCHI_SLACK_API_URL"),
        ({"MADOGUCHI_DEADLINE_POLICY": "whenever"}, "MADOGUCHI_DEADLINE_POLICY"),
        ({"MADOGUCHI_BUSINESS_HOURS": "18:00-10:00"}, "MADOGUCHI_BUSINESS_HOURS"),
        ({"MADOGUCHI_TIMEZONE": "Mars/Olympus"}, "MADOGUCHI_TIMEZONE"),
        ({"MADOGUCHI_SHOP_SIGNATURE": "ミライ雑貨店 TEL 03-0000-0000"}, "MADOGUCHI_SHOP_SIGNATURE"),
    ],
)
def test_bad_setting_is_named_with_an_example(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)
    assert caught.value.setting == setting
    assert setting in str(caught.value)


def test_plain_imap_is_allowed_on_loopback_or_when_asked() -> None:
    loop = load_settings(
        env={
            "MADOGUCHI_MAILBOX": "imap://shop@127.0.0.1:1143/INBOX",
            "MADOGUCHI_MAILBOX_PASSWORD": "p",
        }
    )
    assert loop.mailboxes[0].scheme == "imap"
    remote = load_settings(
        env={
            "MADOGUCHI_MAILBOX": "imap://shop@mail.example.jp/INBOX",
            "MADOGUCHI_MAILBOX_PASSWORD": "p",
            "MADOGUCHI_MAILBOX_ALLOW_PLAINTEXT": "true",
        }
    )
    assert remote.mailboxes[0].port == 143


def test_file_settings_and_environment_precedence(tmp_path: Path) -> None:
    config = tmp_path / "madoguchi.toml"
    config.write_text(
        """
database_url = "sqlite+aiosqlite:///./from-file.db"
[shop]
name = "ファイルの店"
marketplace = "rakuten"
[[mailbox]]
name = "amazon"
url = "maildir:mail/amazon"
deadline_policy = "amazon"
[[mailbox]]
name = "own"
url = "maildir:/srv/mail/own"
""",
        encoding="utf-8",
    )
    settings = load_settings(env={"MADOGUCHI_SHOP_NAME": "環境の店"}, config_file=config)
    assert settings.shop.name == "環境の店"  # the environment wins
    assert settings.shop.marketplace == "rakuten"
    assert settings.database_url.endswith("from-file.db")
    assert [m.name for m in settings.mailboxes] == ["amazon", "own"]
    assert settings.mailboxes[0].path == tmp_path / "mail" / "amazon"  # relative to the file
    assert settings.mailboxes[0].deadline_policy == "amazon"


@pytest.mark.parametrize("key", ["password", "bot_token", "signing_secret"])
def test_secrets_in_the_file_stop_start_up(tmp_path: Path, key: str) -> None:
    config = tmp_path / "madoguchi.toml"
    config.write_text(f'[slack]\n{key} = "oops"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="environment"):
        load_settings(env={}, config_file=config)


def test_unreadable_toml_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "madoguchi.toml"
    config.write_text("[shop\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={}, config_file=config)


@pytest.mark.parametrize(("value", "ok"), [("4", 4), ("true", None), ("2.9", None), ("3.0", 3)])
def test_a_count_in_the_file_is_a_whole_number(tmp_path: Path, value: str, ok: int | None) -> None:
    config = tmp_path / "madoguchi.toml"
    config.write_text(f"[outbox]\nconnections = {value}\n", encoding="utf-8")
    if ok is None:  # TOML true or 2.9 would have become 1 or 2 without a word
        with pytest.raises(ConfigError, match="MADOGUCHI_OUTBOX_CONNECTIONS"):
            load_settings(env={}, config_file=config)
    else:
        assert load_settings(env={}, config_file=config).outbox.connections == ok
