"""Text between Slack and mail: escaping for mrkdwn, and an agent's Slack message as plain text.

Pure functions, no I/O. Buyer text shown in mrkdwn is always escaped so that a buyer cannot
ping the channel (``<!channel>``) or dress up a link; agent text going to a buyer loses Slack's
markup (``<https://…|label>``, ``&amp;``) and becomes what the agent saw.
"""

from __future__ import annotations

import re

_ANGLE = re.compile(r"<([^<>]*)>")
NOTE_PREFIXES = ("note:", "note：", "メモ:", "メモ：")


def escape(text: str) -> str:
    """``text`` made inert in Slack mrkdwn (``&``, ``<`` and ``>`` as entities)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, ellipsis: str = "…") -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters (at a line end when one is near)."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - len(ellipsis)]
    newline = cut.rfind("\n")
    if newline > limit * 0.6:
        cut = cut[:newline]
    return cut.rstrip() + ellipsis, True


def quote(text: str) -> str:
    """Every line of already-escaped ``text`` as a mrkdwn block quote."""
    lines = text.strip("\n").splitlines() or [""]
    return "\n".join(f">{line}" if line else ">" for line in lines)


def chunks(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, split at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        if cut < size // 2:
            cut = size
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _plain_link(inner: str) -> str:
    if inner.startswith(("@", "#", "!")):
        target, _, label = inner.partition("|")
        if inner.startswith("#"):
            return "#" + (label or target[1:])
        if inner.startswith("!"):
            return "@" + (label or target[1:].split("^", 1)[0])
        return "@" + (label or target[1:])
    target, _, label = inner.partition("|")
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    if target.startswith("tel:"):
        return label or target[len("tel:") :]
    if not label:
        return target
    bare = re.sub(r"^[a-z]+://", "", target).rstrip("/")
    if label.rstrip("/") in (target.rstrip("/"), bare):
        return target if "://" in label else label
    return f"{label} ({target})"


def slack_to_plain(text: str) -> str:
    """What an agent typed in Slack, as plain text for a mail (links, entities, line ends)."""
    plain = _ANGLE.sub(lambda m: _plain_link(m.group(1)), text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return plain.replace("\r\n", "\n").strip()


def is_note(text: str) -> bool:
    """True for thread messages meant for colleagues only (``note:`` / ``メモ:``)."""
    head = text.lstrip().lower()
    return head.startswith(NOTE_PREFIXES)
