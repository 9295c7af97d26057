"""The Slack Web API client: every call to the configured base URL, with retries that listen.

Short waits are retried inside the client: a 429 whose ``Retry-After`` is short is retried
after exactly that long, 5xx and dropped connections after a short backoff. Anything longer
is raised and sorted by :func:`classify` so the Slack worker can keep its queue in order and
pause instead of spinning.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackSettings

Sleep = Callable[[float], Awaitable[None]]

NON_IDEMPOTENT = frozenset({"chat.postMessage", "chat.postEphemeral"})
# Errors that say "not now" rather than "never": wait and try the same row again.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Errors that say the desk is set up wrong: nothing will post until an admin fixes it.
SETUP_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "is_archived",
        "no_permission",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)


def retry_after_seconds(headers: Any, default: float = 1.0) -> float:
    """The ``Retry-After`` header in seconds (Slack sends whole seconds)."""
    if headers is None:
        return default
    value: Any = None
    for key in headers:
        if str(key).lower() == "retry-after":
            value = headers[key]
            break
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return default


class RateLimitRetry(AsyncRetryHandler):
    """On HTTP 429, wait what ``Retry-After`` asks (if at most ``max_wait``), then retry."""

    def __init__(
        self, max_retry_count: int = 2, max_wait: float = 5.0, sleep: Sleep = asyncio.sleep
    ) -> None:
        super().__init__(max_retry_count)
        self.max_wait = max_wait
        self.sleep = sleep
        self.waits: deque[float] = deque(maxlen=20)  # recent waits honoured, for tests and logs

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after_seconds(response.headers) <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = retry_after_seconds(response.headers if response else None)
        self.waits.append(wait)
        state.next_attempt_requested = True
        await self.sleep(wait)
        state.increment_current_attempt()


def _posts(request: HttpRequest) -> bool:
    """True for calls that create a message: repeating one blindly could post it twice."""
    return request.url.rstrip("/").rsplit("/", 1)[-1] in NON_IDEMPOTENT


class ServerErrorRetry(AsyncRetryHandler):
    """On HTTP 5xx, retry after a short exponential backoff (never a call that posts).

    A 5xx does not prove Slack did nothing; a post is retried by the Slack worker instead,
    which first looks for it (message metadata) so that it appears once.
    """

    def __init__(self, max_retry_count: int = 2, backoff: float = 0.3) -> None:
        super().__init__(max_retry_count, BackoffRetryIntervalCalculator(backoff_factor=backoff))

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or not 500 <= response.status_code < 600:
            return False
        return not _posts(request)


class ConnectionRetry(AsyncRetryHandler):
    """Retry a call whose connection failed; a post only when it surely never left."""

    def __init__(self, max_retry_count: int = 1, backoff: float = 0.3) -> None:
        super().__init__(max_retry_count, BackoffRetryIntervalCalculator(backoff_factor=backoff))

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, aiohttp.ClientConnectorError):
            return True  # refused or unresolvable: the request was never sent
        if isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
            return not _posts(request)
        return False


def make_client(
    settings: SlackSettings,
    *,
    token: str | None = None,
    timeout: int = 15,
    retries: bool = True,
) -> AsyncWebClient:
    """A Web API client on ``settings.api_url`` with the desk's retry handlers."""
    handlers: list[AsyncRetryHandler] = []
    if retries:
        handlers = [
            RateLimitRetry(),
            ServerErrorRetry(),
            ConnectionRetry(),
        ]
    return AsyncWebClient(
        token=token if token is not None else settings.bot_token,
        base_url=settings.api_url,
        timeout=timeout,
        retry_handlers=handlers,
    )


@dataclass(frozen=True)
class Failure:
    """What a failed call means for the work that needed it."""

    kind: str  # outage | rate_limited | setup | rejected
    detail: str
    retry_after: float | None = None

    @property
    def should_wait(self) -> bool:
        """True when the same work should be tried again later (nothing is wrong with it)."""
        return self.kind != "rejected"


def classify(exc: BaseException) -> Failure:
    """Sort a failed Web API call: Slack away, rate-limited, desk misconfigured, or refused."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 200) or 200)
        data = getattr(response, "data", None)
        error = str(data.get("error", "")) if isinstance(data, dict) else ""
        if status == 429 or error == "ratelimited":
            return Failure(
                "rate_limited",
                "HTTP 429",
                retry_after_seconds(getattr(response, "headers", None), default=30.0),
            )
        if status >= 500:
            return Failure("outage", f"HTTP {status}")
        if error in TRANSIENT_ERRORS:
            return Failure("outage", error)
        if error in SETUP_ERRORS:
            return Failure("setup", error)
        return Failure("rejected", error or f"HTTP {status}")
    if isinstance(exc, aiohttp.ClientError | OSError | asyncio.TimeoutError | SlackClientError):
        return Failure("outage", f"{type(exc).__name__}: {exc}"[:300])
    return Failure("rejected", f"{type(exc).__name__}: {exc}"[:300])


def api_error(exc: BaseException) -> str:
    """The Slack ``error`` code of a failed call (``channel_not_found``), or the exception name."""
    if isinstance(exc, SlackApiError):
        data = getattr(exc.response, "data", None)
        if isinstance(data, dict) and data.get("error"):
            return str(data["error"])
        return f"HTTP {getattr(exc.response, 'status_code', '?')}"
    return type(exc).__name__
