"""Who may answer buyers: members of the agent user group, or else of the desk's channel.

Membership is read from Slack (``usergroups.users.list`` / ``conversations.members``) and kept
for a minute. When Slack cannot say, :class:`AgentCheckUnavailable` is raised so the work is
retried later rather than refused or allowed by guess.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackSettings
from bot.errors import SlackError
from bot.logs import kv
from bot.slack.client import classify

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0


class AgentCheckUnavailable(SlackError):
    """Slack could not tell whether a user is an agent just now; try again later."""


class AgentDirectory:
    """Answers "is this Slack user an agent?" from a cached member list."""

    def __init__(
        self,
        client: AsyncWebClient,
        settings: SlackSettings,
        *,
        ttl: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.settings = settings
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def is_agent(self, user: str, channel: str | None = None) -> bool:
        """True when ``user`` may send mail and change tickets.

        Returns False (refuse) when the group or channel cannot be read for a lasting reason
        (bad setting, missing scope); raises :class:`AgentCheckUnavailable` when Slack is away.
        """
        source = self.settings.agent_group or channel or self.settings.channel or ""
        cached = self._cache.get(source)
        if cached is not None and self.monotonic() - cached[0] < self.ttl:
            return user in cached[1]
        try:
            members = await self._members(source)
        except Exception as exc:
            failure = classify(exc)
            if failure.kind in ("outage", "rate_limited"):
                raise AgentCheckUnavailable(f"agent list unavailable: {failure.detail}") from exc
            log.error(kv("slack.agents_unreadable", source=source, error=failure.detail))
            return False
        self._cache[source] = (self.monotonic(), members)
        return user in members

    def forget(self) -> None:
        """Drop the cached lists (after a membership change is known)."""
        self._cache.clear()

    async def _members(self, source: str) -> frozenset[str]:
        if self.settings.agent_group:
            response = await self.client.usergroups_users_list(usergroup=source)
            return frozenset(str(u) for u in response.get("users") or [])
        found: set[str] = set()
        cursor: str | None = None
        for _page in range(50):  # 50 pages of 1,000: far beyond any support channel
            kwargs: dict[str, object] = {"channel": source, "limit": 1000}
            if cursor:
                kwargs["cursor"] = cursor
            response = await self.client.conversations_members(**kwargs)  # type: ignore[arg-type]
            found.update(str(m) for m in response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return frozenset(found)
