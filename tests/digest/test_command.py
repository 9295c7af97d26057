"""``madoguchi digest``: one digest on demand from the configured store."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import open_store
from tests.digest.story import seed

SHOP_TOML = """
[shop]
name = "ミライ雑貨店"
addresses = ["shop@mirai-zakka.example.jp"]
seller_language = "zh"

[digest]
languages = ["zh", "ja"]
email_to = ["seller@example.com"]
"""


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"

    async def prepare() -> None:
        store = open_store(url)
        await store.migrate()
        await seed(store)
        await store.close()

    asyncio.run(prepare())
    (tmp_path / "madoguchi.toml").write_text(SHOP_TOML, encoding="utf-8")
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", url)
    monkeypatch.setenv("MADOGUCHI_CONFIG", str(tmp_path / "madoguchi.toml"))
    return tmp_path


AS_OF = ["--as-of", "2026-11-27T09:00+09:00"]


def test_text_of_one_day_in_the_first_digest_language(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--from", "2026-11-26", "--text", *AS_OF]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ミライ雑貨店 客服日报\n统计时段：11月26日（周四）（日本时间）")
    assert "· 收到买家邮件 7 封（比前一天多 5 封）" in out


def test_a_week_as_html_with_the_chart_inside(seeded: Path) -> None:
    out = seeded / "digest.html"
    args = ["digest", "--from", "2026-11-20", "--to", "2026-11-26", "--lang", "ja"]
    assert main([*args, "--out", str(out), *AS_OF]) == 0
    html = out.read_text(encoding="utf-8")
    assert "お問い合わせ対応週次レポート" in html
    assert "11月20日（金）〜11月26日（木）" in html
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', html)


def test_an_eml_file_is_the_mail_the_seller_would_get(seeded: Path) -> None:
    out = seeded / "digest.eml"
    assert main(["digest", "--from", "2026-11-26", "--lang", "en", "--out", str(out), *AS_OF]) == 0
    msg = message_from_bytes(out.read_bytes(), policy=policy.default)
    assert msg["To"] == "seller@example.com"
    assert msg["Subject"].startswith("ミライ雑貨店 customer service daily digest: Thu 26 Nov 2026")
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]


def test_a_range_that_ends_before_it_starts_is_a_usage_error(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--from", "2026-11-26", "--to", "2026-11-20"]) == 2
    assert "--to" in capsys.readouterr().err


def test_an_unmigrated_store_is_reported_not_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("MADOGUCHI_CONFIG", "/dev/null")
    assert main(["digest", "--text"]) == 3
    assert "madoguchi migrate" in capsys.readouterr().err
