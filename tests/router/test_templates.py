"""Rendering helpers: Japanese dates in Japan time, the sandbox, missing templates."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.errors import TemplateMissingError
from bot.templates import Renderer, endate, jdate, jdatetime, zhdate


def test_dates_are_written_the_japanese_way_in_japan_time() -> None:
    assert jdate(date(2026, 12, 5)) == "12月5日（土）"
    # 16:30 UTC on the 4th is already the 5th in Japan
    assert jdate(datetime(2026, 12, 4, 16, 30, tzinfo=UTC)) == "12月5日（土）"
    assert jdatetime(datetime(2026, 12, 4, 16, 30, tzinfo=UTC)) == "12月5日（土）01:30"
    assert zhdate(date(2026, 12, 3)) == "12月3日（周四）"
    assert endate(date(2026, 12, 3)) == "Thu 3 Dec"
    assert jdate(None) == ""


def test_buyer_text_is_data_not_template(tmp_path: Path) -> None:
    (tmp_path / "ja").mkdir()
    (tmp_path / "ja" / "echo.txt").write_text("件名：{{ subject }}\n", encoding="utf-8")
    renderer = Renderer(tmp_path)
    assert renderer.render("ja", "echo.txt", subject="{{ 7*7 }}") == "件名：{{ 7*7 }}\n"


def test_the_sandbox_blocks_attribute_tricks(tmp_path: Path) -> None:
    from jinja2.exceptions import SecurityError

    (tmp_path / "ja").mkdir()
    (tmp_path / "ja" / "evil.txt").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8"
    )
    with pytest.raises(SecurityError):
        Renderer(tmp_path).render("ja", "evil.txt")


def test_the_sandbox_still_blocks_them_after_safe_look_ups(tmp_path: Path) -> None:
    from jinja2.exceptions import SecurityError

    (tmp_path / "ja").mkdir()
    (tmp_path / "ja" / "ok.txt").write_text("{{ t.upper() }} {{ g.send }}", encoding="utf-8")
    (tmp_path / "ja" / "evil.txt").write_text("{{ g.gi_frame }}", encoding="utf-8")
    (tmp_path / "ja" / "evil2.txt").write_text("{{ t.__class__ }}", encoding="utf-8")
    renderer = Renderer(tmp_path)
    for _ in range(3):
        generator = (c for c in "x")
        assert renderer.render("ja", "ok.txt", t="abc", g=generator).startswith("ABC <built-in")
        for evil in ("evil.txt", "evil2.txt"):
            with pytest.raises(SecurityError):
                renderer.render("ja", evil, t="abc", g=generator)


def test_missing_template_names_itself(tmp_path: Path) -> None:
    (tmp_path / "ja").mkdir()
    with pytest.raises(TemplateMissingError, match=r"ja/nothing\.txt"):
        Renderer(tmp_path).render("ja", "nothing.txt")


def test_templates_are_read_once_and_included_ones_found_again(tmp_path: Path) -> None:
    (tmp_path / "ja").mkdir()
    (tmp_path / "ja" / "_part.txt").write_text("部品{{ n }}\n", encoding="utf-8")
    (tmp_path / "ja" / "main.txt").write_text(
        '{% include "ja/_part.txt" %}\n本文{{ n }}\n', encoding="utf-8"
    )
    (tmp_path / "ja" / "page.html").write_text("<p>{{ n }}</p>\n", encoding="utf-8")
    renderer = Renderer(tmp_path)
    assert not renderer.exists("ja", "later.txt")
    for n in (1, 2):
        assert renderer.render("ja", "main.txt", n=n) == f"部品{n}本文{n}\n"
    # HTML stays autoescaped, text does not, however often each is asked for.
    for _ in (1, 2):
        assert renderer.render("ja", "page.html", n="<b>") == "<p>&lt;b&gt;</p>\n"
        assert renderer.render("ja", "main.txt", n="<b>") == "部品<b>本文<b>\n"
    # Read once per process: a changed file takes effect at the next start ...
    (tmp_path / "ja" / "_part.txt").write_text("変更{{ n }}\n", encoding="utf-8")
    assert renderer.render("ja", "main.txt", n=3) == "部品3本文3\n"
    assert Renderer(tmp_path).render("ja", "main.txt", n=3) == "変更3本文3\n"
    # ... while a template added meanwhile is found at once.
    (tmp_path / "ja" / "later.txt").write_text("後から\n", encoding="utf-8")
    assert renderer.exists("ja", "later.txt")
    assert renderer.render("ja", "later.txt") == "後から\n"
