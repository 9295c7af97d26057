"""Pure helpers: Slack markup to mail text, notes, escaping, deliveries' keys, error sorting."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.client import classify, retry_after_seconds
from bot.slack.intake import delivery_of
from bot.slack.mrkdwn import chunks, escape, is_note, slack_to_plain, truncate
from tests.slack.payloads import block_action, message_event


@pytest.mark.parametrize(
    ("typed", "mailed"),
    [
        (
            "詳しくは <https://www.amazon.co.jp/gp/help|ヘルプ> をご覧ください",
            "詳しくは ヘルプ (https://www.amazon.co.jp/gp/help) をご覧ください",
        ),
        ("<https://www.amazon.co.jp>", "https://www.amazon.co.jp"),
        ("<https://www.amazon.co.jp|www.amazon.co.jp>", "www.amazon.co.jp"),
        ("<mailto:shop@example.jp|shop@example.jp>", "shop@example.jp"),
        ("3 &lt; 5 &amp;&amp; 5 &gt; 3", "3 < 5 && 5 > 3"),
        ("<@U0AGENT01> さんに確認します", "@U0AGENT01 さんに確認します"),
        ("  前後の空白  \r\n", "前後の空白"),
    ],
)
def test_what_an_agent_typed_becomes_plain_mail_text(typed: str, mailed: str) -> None:
    assert slack_to_plain(typed) == mailed


@pytest.mark.parametrize(
    ("text", "internal"),
    [
        ("note: 倉庫に確認中", True),
        ("Note: check stock", True),
        ("  メモ: 明日連絡", True),
        ("メモ：全角コロン", True),
        ("ご注文ありがとうございます。note: は書きません", False),
        ("メモリーカードについて", False),
    ],
)
def test_notes_are_recognised_by_their_prefix(text: str, internal: bool) -> None:
    assert is_note(text) is internal


def test_escape_truncate_and_chunks() -> None:
    assert escape("<!here> & <b>") == "&lt;!here&gt; &amp; &lt;b&gt;"
    assert truncate("あいうえお", 10) == ("あいうえお", False)
    assert truncate("一行目\n二行目\n三行目", 8) == ("一行目\n二行目…", True)
    pieces = chunks("a" * 10 + "\n" + "b" * 10, 12)
    assert pieces == ["a" * 10, "b" * 10]
    assert "".join(chunks("x" * 25, 10)) == "x" * 25


def test_only_agent_messages_in_a_thread_are_deliveries() -> None:
    reply = message_event(channel="C1", thread_ts="1.000001", user="U1", text="hi", ts="1.000002")
    top_level = message_event(
        channel="C1", thread_ts="1.000002", user="U1", text="hi", ts="1.000002"
    )
    ours = message_event(channel="C1", thread_ts="1.000001", user="U1", text="hi")
    ours["event"]["bot_id"] = "B0BOT"
    edited = message_event(channel="C1", thread_ts="1.000001", user="U1", text="hi")
    edited["event"]["subtype"] = "message_changed"

    found = delivery_of(reply)

    assert found is not None and (found.key, found.kind) == ("message:C1:1.000002", "message")
    assert delivery_of(top_level) is None and delivery_of(ours) is None
    assert delivery_of(edited) is None


def test_the_same_message_has_one_key_whatever_event_carried_it() -> None:
    one = message_event(
        channel="C1", thread_ts="1.000001", user="U1", text="x", ts="1.5", event_id="Ev1"
    )
    two = message_event(
        channel="C1", thread_ts="1.000001", user="U1", text="x", ts="1.5", event_id="Ev2"
    )
    click = block_action(action_id="mdg_take", value="3", user="U1", channel="C1", message_ts="1.1")
    foreign = block_action(
        action_id="other_app", value="3", user="U1", channel="C1", message_ts="1.1"
    )

    assert delivery_of(one) == delivery_of(two)
    found = delivery_of(click)
    assert found is not None and found.kind == "action:mdg_take"
    assert delivery_of(foreign) is None


def _api_error(
    status: int, data: dict[str, Any], headers: dict[str, str] | None = None
) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="http://127.0.0.1/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


def test_failures_are_sorted_into_wait_or_give_up() -> None:
    limited = classify(
        _api_error(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "42"})
    )
    down = classify(_api_error(503, {"ok": False}))
    setup = classify(_api_error(200, {"ok": False, "error": "not_in_channel"}))
    refused = classify(_api_error(200, {"ok": False, "error": "invalid_blocks"}))
    offline = classify(ConnectionRefusedError("refused"))

    assert (limited.kind, limited.retry_after) == ("rate_limited", 42.0)
    assert down.kind == "outage" and offline.kind == "outage"
    assert setup.kind == "setup" and setup.should_wait
    assert refused.kind == "rejected" and not refused.should_wait


def test_retry_after_is_read_in_any_letter_case() -> None:
    assert retry_after_seconds({"retry-after": ["7"]}) == 7.0
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({}, default=30.0) == 30.0
