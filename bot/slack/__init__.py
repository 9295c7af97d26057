"""The Slack desk: one card and one thread per handed-off ticket, replies mailed from threads.

Entry points: :func:`attach_slack` (the worker process), :func:`bot.slack.web.serve` (HTTP
mode), :mod:`bot.store.slack_queue` (what other stages call to put things in front of agents).
"""

from bot.slack.app import SlackDesk, attach_slack

__all__ = ["SlackDesk", "attach_slack"]
