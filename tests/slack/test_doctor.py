"""``madoguchi doctor`` for Slack: tokens, channel access, agent group."""

from __future__ import annotations

from typing import Any

from bot.doctor import CHECKS, check_slack
from bot.slack.doctor import slack_checks
from tests.slack.conftest import AGENT_GROUP, CHANNEL
from tests.slack.emulator import SlackEmulator


def _lines(results: list[Any]) -> dict[str, tuple[bool, str]]:
    return {r.name: (r.ok, r.line()) for r in results}


async def test_a_working_desk_passes_every_slack_check(
    sqlite_url: str, slack_settings: Any, emulator: SlackEmulator
) -> None:
    settings = slack_settings(sqlite_url, agent_group=AGENT_GROUP)

    results = _lines(await slack_checks(settings))

    assert check_slack in CHECKS
    assert all(ok for ok, _ in results.values()), results
    assert "#cs-desk" in results["slack channel"][1]
    assert "2 member(s)" in results["slack agents"][1]
    assert emulator.calls_to("apps.connections.open", ok=True)


async def test_a_channel_the_app_has_not_joined_is_reported_with_the_fix(
    sqlite_url: str, slack_settings: Any, emulator: SlackEmulator
) -> None:
    emulator.channels[CHANNEL].is_member = False

    results = _lines(await slack_checks(slack_settings(sqlite_url)))

    ok, line = results["slack channel"]
    assert not ok and "/invite @Madoguchi" in line


async def test_a_wrong_bot_token_or_channel_name_fails(
    sqlite_url: str, slack_settings: Any
) -> None:
    bad_token = _lines(await slack_checks(slack_settings(sqlite_url, bot_token="xoxb-revoked")))
    by_name = _lines(await slack_checks(slack_settings(sqlite_url, channel="#cs-desk")))

    assert (
        bad_token["slack bot token"][0] is False
        and "invalid_auth" in bad_token["slack bot token"][1]
    )
    assert by_name["slack channel"][0] is False and "channel id" in by_name["slack channel"][1]


async def test_slack_not_configured_is_fine(sqlite_url: str, make_settings: Any) -> None:
    (only,) = await slack_checks(make_settings(sqlite_url))
    assert only.ok and "not configured" in only.detail
