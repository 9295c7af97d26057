"""``madoguchi doctor`` for the Slack desk: tokens work, the channel is reachable and joined."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.doctor import CheckResult
from bot.slack.client import api_error, classify, make_client
from bot.slack.threads import is_conversation_id

_FIX_TOKEN = (
    "check MADOGUCHI_SLACK_BOT_TOKEN (Bot User OAuth Token, xoxb-...) and reinstall the app"
)
_FIX_APP_TOKEN = (
    "create an app-level token with connections:write (Basic Information → App-Level Tokens) "
    "and set MADOGUCHI_SLACK_APP_TOKEN"
)


def _why(exc: BaseException) -> str:
    failure = classify(exc)
    return api_error(exc) if failure.kind != "outage" else f"cannot reach Slack ({failure.detail})"


async def slack_checks(settings: Settings) -> list[CheckResult]:
    """auth.test with each token; conversations.info on the channel; the agent group."""
    s = settings.slack
    if not s.enabled:
        return [CheckResult("slack", True, "not configured (hand-offs stay in the store)")]
    client = make_client(s, timeout=10, retries=False)
    results: list[CheckResult] = []
    try:
        auth: Any = await client.auth_test()
        results.append(
            CheckResult(
                "slack bot token",
                True,
                f"{auth.get('team')} as {auth.get('user')} ({s.api_url})",
            )
        )
    except Exception as exc:
        return [CheckResult("slack bot token", False, f"auth.test: {_why(exc)}", _FIX_TOKEN)]
    if s.mode == "socket":
        if not s.app_token:
            results.append(
                CheckResult(
                    "slack app token", False, "Socket Mode without an app token", _FIX_APP_TOKEN
                )
            )
        else:
            try:
                await make_client(
                    s, token=s.app_token, timeout=10, retries=False
                ).apps_connections_open(app_token=s.app_token)
                results.append(
                    CheckResult("slack app token", True, "Socket Mode connection allowed")
                )
            except Exception as exc:
                results.append(
                    CheckResult(
                        "slack app token",
                        False,
                        f"apps.connections.open: {_why(exc)}",
                        _FIX_APP_TOKEN,
                    )
                )
    else:
        results.append(
            CheckResult(
                "slack http mode",
                bool(s.signing_secret),
                "request URL: https://<your host>/slack/events (served by `madoguchi web`)",
                "set MADOGUCHI_SLACK_SIGNING_SECRET",
            )
        )
    results.append(await _check_channel(client, settings))
    if s.agent_group:
        try:
            response: Any = await client.usergroups_users_list(usergroup=s.agent_group)
            count = len(response.get("users") or [])
            results.append(
                CheckResult(
                    "slack agents",
                    count > 0,
                    f"user group {s.agent_group}: {count} member(s)",
                    "add the support agents to the user group",
                )
            )
        except Exception as exc:
            results.append(
                CheckResult(
                    "slack agents",
                    False,
                    f"usergroups.users.list {s.agent_group}: {_why(exc)}",
                    "check MADOGUCHI_SLACK_AGENT_GROUP (an S... id) and the usergroups:read scope",
                )
            )
    else:
        results.append(
            CheckResult("slack agents", True, "every member of the channel may answer buyers")
        )
    return results


async def _check_channel(client: Any, settings: Settings) -> CheckResult:
    channel = settings.slack.channel or ""
    if not is_conversation_id(channel):
        return CheckResult(
            "slack channel",
            False,
            f"{channel!r} is a name, not a channel id",
            "use the id from the channel's details (C0123456789) in MADOGUCHI_SLACK_CHANNEL",
        )
    try:
        response: Any = await client.conversations_info(channel=channel)
    except Exception as exc:
        return CheckResult(
            "slack channel",
            False,
            f"conversations.info {channel}: {_why(exc)}",
            "check MADOGUCHI_SLACK_CHANNEL, and invite the app: /invite @Madoguchi",
        )
    info = response.get("channel") or {}
    name = info.get("name") or channel
    if info.get("is_archived"):
        return CheckResult(
            "slack channel", False, f"#{name} is archived", "unarchive it or pick another"
        )
    if not info.get("is_member"):
        return CheckResult(
            "slack channel",
            False,
            f"the app is not a member of #{name}",
            f"in #{name}, type /invite @Madoguchi",
        )
    return CheckResult("slack channel", True, f"#{name} ({channel}), the app is a member")
