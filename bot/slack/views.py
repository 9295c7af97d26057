"""Modals and thread posts with buttons (Block Kit), built from plain values. Pure."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import ids
from bot.slack.card import Block, button
from bot.slack.mrkdwn import chunks, escape, truncate
from bot.slack.snapshot import InboundMail
from bot.slack.texts import SlackTexts

MODAL_TEXT_CHUNK = 2900
MODAL_MAX_BLOCKS = 95
INPUT_LIMIT = 3000


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def edit_modal(
    texts: SlackTexts, *, ticket_id: int, initial: str, source: str | None = None
) -> dict[str, Any]:
    """The "Edit and send" modal, prefilled with ``initial`` (the draft or a held reply)."""
    metadata = {"ticket_id": ticket_id, "source": source}
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.EDIT_INPUT,
        "multiline": True,
        "max_length": INPUT_LIMIT,
    }
    if initial.strip():
        element["initial_value"] = initial[:INPUT_LIMIT]
    return {
        "type": "modal",
        "callback_id": ids.EDIT_VIEW,
        "private_metadata": json.dumps(metadata),
        "title": _plain(texts.label("modal.edit_title")[:24]),
        "submit": _plain(texts.label("modal.submit")[:24]),
        "close": _plain(texts.label("modal.close")[:24]),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.EDIT_BLOCK,
                "label": _plain(texts.label("modal.edit_label")[:2000]),
                "element": element,
            }
        ],
    }


def mail_modal(texts: SlackTexts, mail: InboundMail) -> dict[str, Any]:
    """The "Full mail" modal: headers and the whole decoded text (as plain text)."""
    sender = mail.from_name or ""
    if mail.from_addr:
        sender = f"{sender} <{mail.from_addr}>".strip()
    blocks: list[Block] = [
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{texts.label('modal.mail_from')}*\n{escape(sender)}"},
                {
                    "type": "mrkdwn",
                    "text": f"*{texts.label('modal.mail_date')}*\n"
                    + (texts.when(mail.sent_at) if mail.sent_at else "—"),
                },
                {
                    "type": "mrkdwn",
                    "text": f"*{texts.label('modal.mail_subject')}*\n"
                    + escape(truncate(mail.subject, 1900)[0]),
                },
            ],
        },
        {"type": "divider"},
    ]
    for piece in chunks(mail.text.strip() or mail.new_text.strip() or "—", MODAL_TEXT_CHUNK):
        if len(blocks) >= MODAL_MAX_BLOCKS:
            blocks.append({"type": "section", "text": _plain("…")})
            break
        blocks.append({"type": "section", "text": _plain(piece or " ")})
    if mail.attachments:
        names = ", ".join(escape(n) for n in mail.attachments[:20])
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": texts.label(
                            "text.attachments", count=len(mail.attachments), names=names
                        ),
                    }
                ],
            }
        )
    return {
        "type": "modal",
        "title": _plain(texts.label("modal.mail_title")[:24]),
        "close": _plain(texts.label("modal.close")[:24]),
        "blocks": blocks,
    }


def queued_blocks(text: str, texts: SlackTexts, outbox_id: int) -> list[Block]:
    """The "reply goes out at …" post with its Cancel button."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [
                button(texts.label("button.cancel"), ids.CANCEL_SEND, str(outbox_id), "danger")
            ],
        },
    ]


def policy_blocks(text: str, texts: SlackTexts, source: str) -> list[Block]:
    """The policy warning with "Send anyway" and "Edit" (``source``: the held reply's event)."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [
                button(texts.label("button.send_anyway"), ids.SEND_ANYWAY, source, "danger"),
                button(texts.label("button.edit"), ids.POLICY_EDIT, source),
            ],
        },
    ]


def buyer_mail_blocks(texts: SlackTexts, mail: InboundMail, limit: int = 2800) -> list[Block]:
    """A follow-up mail from the buyer, posted into the ticket's thread."""
    body, _cut = truncate(mail.new_text.strip() or mail.text.strip() or "—", limit)
    quoted = "\n".join(f">{line}" if line else ">" for line in escape(body).splitlines())
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"{texts.label('notice.new_mail')} · {escape(truncate(mail.subject, 200)[0])}\n{quoted}",
            },
            "accessory": button(texts.label("button.full_mail"), ids.FULL_MAIL, str(mail.row_id)),
        }
    ]
