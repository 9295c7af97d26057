"""Structured log lines: ``event=ingest.stored mailbox=default uid=12``.

Never pass buyer text or addresses at INFO; ticket and mail ids are enough to find them.
"""

from __future__ import annotations

import logging
import sys
from typing import Any


def _quote(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def kv(event: str, **fields: Any) -> str:
    """One log message: the event name then ``key=value`` pairs (None values left out)."""
    parts = [f"event={event}"]
    parts.extend(f"{k}={_quote(v)}" for k, v in fields.items() if v is not None)
    return " ".join(parts)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the line, not at set-up.

    A stream captured at set-up may be closed later (a test's captured stderr, a daemon that
    re-opens its output); the line would then be lost with a "Logging error" traceback.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr as ``time level logger message``; idempotent."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_madoguchi", False) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"
            )
        )
        handler._madoguchi = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for noisy in (
        "aiosqlite",
        "asyncio",
        "alembic.runtime.migration",
        "alembic.runtime.plugins",
        "slack_bolt",
        "slack_sdk",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
