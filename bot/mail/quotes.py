"""Split what the buyer wrote this time from quoted earlier mail and the signature."""

from __future__ import annotations


def new_text(text: str) -> str:
    """The part of ``text`` the sender wrote this time (first version: drops ``>`` lines)."""
    kept = [line for line in text.splitlines() if not line.lstrip().startswith((">", "＞"))]
    return "\n".join(kept).strip()
