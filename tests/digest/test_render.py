"""The digest in each language: the same figures, written natively, in text, HTML and Slack."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.digest.figures import DigestFigures, compute_figures
from bot.digest.history import History, MailRecord, TicketRecord
from bot.digest.period import Period
from bot.digest.render import RenderedDigest, digest_renderer, render_digest
from tests.digest.story import AS_OF, HISTORY, jst

KANA = re.compile(r"[\u3040-\u30ff]")


def story_figures(history: History = HISTORY) -> DigestFigures:
    return compute_figures(history, Period.day(date(2026, 11, 26)), "Asia/Tokyo", AS_OF)


def rendered(
    lang: str, figures: DigestFigures | None = None, shop: str = "Mirai"
) -> RenderedDigest:
    return render_digest(
        digest_renderer(None, lang),
        figures or story_figures(),
        lang=lang,
        shop=shop,
        chart_src="cid:chart@x",
    )


def test_japanese_digest_text() -> None:
    text = rendered("ja").text
    assert "対象：11月26日（木）" in text
    assert "・受信したお問い合わせ：7件（前日比 +5件）" in text
    assert "自動で返信：1件" in text and "担当者が返信：3件" in text
    assert "・初回返信までの時間：中央値 1時間15分、90%が 7時間以内" in text
    assert "・返信期限：期限を迎えた 4件のうち、期限内 2件・期限超過 2件" in text
    assert "期限 11月26日（木）17:00 → 1時間遅れて返信" in text
    assert "期限 11月26日（木）20:00 → 未返信（13時間超過）" in text
    assert "・#10「支払い方法について」　残り 5時間（期限 11月27日（金）14:00）" in text
    assert "・配送状況の確認：2件（29%）" in text
    assert "・自動返信の割合：14% ／ 50%" in text
    assert "・初回返信の中央値：1時間15分 ／ 4時間1分" in text


def test_english_digest_text() -> None:
    text = rendered("en").text
    assert "Thu 26 Nov 2026 (JST)" in text
    assert "* Buyer mails received: 7 (5 more than the day before)" in text
    assert "* First response: median 1 h 15 min; 90% answered within 7 h" in text
    assert "    agents alone: median 1 h 30 min; 90% within 7 h" in text
    assert "* Reply deadlines: 4 fell due, 2 met, 2 missed" in text
    assert "due Thu 26 Nov, 20:00: still unanswered, 13 h overdue" in text
    assert '* #10 "支払い方法について": 5 h left (due Fri 27 Nov, 14:00)' in text
    assert "* Shipping and tracking: 2 (29%)" in text
    assert "COMPARED WITH THE DAY BEFORE (now / then)" in text


def test_chinese_digest_text() -> None:
    text = rendered("zh").text
    assert "统计时段：11月26日（周四）（日本时间）" in text
    assert "· 收到买家邮件 7 封（比前一天多 5 封）" in text
    assert "· 首次响应时间：中位数 1小时15分钟，90% 的邮件在 7小时内得到回复" in text
    assert "· 回复时限：本期到期 4 封，按时回复 2 封，超时 2 封" in text
    assert "截止 11月26日（周四）17:00，晚了 1小时才回复" in text
    assert "截止 11月26日（周四）20:00，至今未回复，已超时 13小时" in text
    assert "· 物流查询：2 封（29%）" in text
    assert "· #6「まだ届きません」 可能发起A-to-z索赔或留差评（尚未回复）" in text


def test_subjects_name_the_shop_the_day_and_missed_deadlines() -> None:
    assert rendered("ja", shop="ミライ雑貨店").subject == (
        "【ミライ雑貨店】お問い合わせ対応日次レポート 11月26日（木）（期限超過 2件）"
    )
    assert rendered("en").subject == (
        "Mirai customer service daily digest: Thu 26 Nov 2026 (2 missed deadlines)"
    )
    assert rendered("zh").subject == "【Mirai】客服日报 · 11月26日（周四）（2封超时）"


def ascii_history() -> History:
    """The story with subjects a non-Japanese reader could write, to check the wording alone."""
    tickets = {
        tid: TicketRecord(t.id, f"Subject {tid}", t.status, t.order_id, t.angry, t.claim_risk)
        for tid, t in HISTORY.tickets.items()
    }
    return History(HISTORY.mails, HISTORY.deadlines, tickets, HISTORY.replies)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_english_and_chinese_digests_contain_no_japanese(lang: str) -> None:
    digest = rendered(lang, story_figures(ascii_history()))
    for part in (digest.subject, digest.text, digest.html, digest.slack):
        assert not KANA.search(part), KANA.findall(part)


def test_the_english_digest_is_plain_ascii_apart_from_symbols() -> None:
    digest = rendered("en", story_figures(ascii_history()))
    assert not re.search(r"[\u3000-\u9fff\uff00-\uffef]", digest.text + digest.html)


@pytest.mark.parametrize("lang", ["ja", "en", "zh"])
def test_html_refers_to_the_chart_and_escapes_buyer_text(lang: str) -> None:
    history = History(
        (MailRecord(1, 1, jst(26, 10), "other", angry=True, decision="handoff"),),
        (),
        {1: TicketRecord(1, '<script>alert("x")</script> & co', "waiting", angry=True)},
        (),
    )
    digest = rendered(lang, story_figures(history))
    assert '<img src="cid:chart@x"' in digest.html
    assert "<script>" not in digest.html
    assert "&lt;script&gt;" in digest.html and "&amp; co" in digest.html
    assert digest.html.lstrip().startswith("<!DOCTYPE html>")
    assert f'<html lang="{ {"ja": "ja", "en": "en", "zh": "zh-CN"}[lang] }">' in digest.html
    # Slack mrkdwn: the control characters are escaped too
    assert "<script>" not in digest.slack


@pytest.mark.parametrize("lang", ["ja", "en", "zh"])
def test_slack_message_sums_up_the_day(lang: str) -> None:
    slack = rendered(lang).slack
    assert slack.startswith(":bar_chart: *")
    assert "*7" in slack  # received, in bold
    assert "#3" in slack and "#6" in slack  # the missed ones
    assert ":rotating_light:" in slack and "#2" in slack


def test_an_empty_day_reads_as_such() -> None:
    empty = story_figures(History())
    assert "・この期間のお問い合わせはありません。" in rendered("ja", empty).text
    assert "* No buyer mail in this period." in rendered("en", empty).text
    assert "· 本期没有收到买家邮件。" in rendered("zh", empty).text
    assert "首次响应时间：本期没有可统计的回复" in rendered("zh", empty).text


def test_only_three_languages_are_written() -> None:
    with pytest.raises(ValueError, match="ja, en, zh"):
        rendered("fr")


def test_answers_within_a_minute_read_naturally() -> None:
    from bot.digest.history import DeadlineRecord

    quick = History(
        (MailRecord(1, 1, jst(26, 10), "shipping_status", decision="reply"),),
        (DeadlineRecord(1, 1, 1, jst(26, 10), jst(26, 16), jst(26, 10, 0, 20), "replied_bot"),),
        {1: TicketRecord(1, "Where is it", "answered")},
        (),
    )
    figures = story_figures(quick)
    assert "中央値 1分未満、90%が 1分以内" in rendered("ja", figures).text
    assert "median under a minute; 90% answered within a minute" in rendered("en", figures).text
    assert "中位数 不到1分钟，90% 的邮件在 1分钟内得到回复" in rendered("zh", figures).text
