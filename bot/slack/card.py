"""The ticket card (Block Kit): what an agent needs to answer, and the buttons to do it.

Pure: a :class:`TicketSnapshot` and the desk's words in, a list of blocks out. Buyer text is
shown escaped (or as plain text), never as mrkdwn it could abuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import carriers
from bot.slack import ids
from bot.slack.mrkdwn import escape, quote, truncate
from bot.slack.snapshot import TicketSnapshot
from bot.slack.texts import SlackTexts

NEW_TEXT_LIMIT = 1200
DRAFT_LIMIT = 2400
HEADER_LIMIT = 150
Block = dict[str, Any]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    """One Block Kit button."""
    element: Block = {
        "type": "button",
        "text": _plain(text[:75]),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def _field(texts: SlackTexts, name: str, value: str) -> dict[str, Any]:
    return _md(f"*{texts.label(f'field.{name}')}*\n{value}"[:2000])


def _intent_line(s: TicketSnapshot, texts: SlackTexts) -> str:
    confidence = s.latest.confidence if s.latest else None
    line = texts.label(
        "text.confidence",
        intent=texts.intent(s.intent),
        confidence=f"{confidence:.2f}" if confidence is not None else "—",
    )
    if s.latest and s.latest.evidence:
        words = "、".join(escape(w) for w in s.latest.evidence[:6])
        line += "\n" + texts.label("text.evidence", words=words)
    return line


def _flags_line(s: TicketSnapshot, texts: SlackTexts) -> str:
    flags = []
    if s.angry:
        flags.append(texts.label("text.angry"))
    if s.claim_risk:
        flags.append(texts.label("text.claim_risk"))
    return " ".join(flags) or texts.label("text.no_flags")


def _order_line(s: TicketSnapshot, texts: SlackTexts) -> str:
    if s.order is None:
        if s.order_id:
            return f"`{escape(s.order_id)}` · {texts.label('text.no_order')}"
        return texts.label("text.no_order")
    status = texts.label(f"order_status.{s.order.status}")
    line = f"`{escape(s.order.order_id)}` · {status}"
    promised = [d for d in (s.order.promised_from, s.order.promised_to) if d is not None]
    if promised:
        days = "–".join(dict.fromkeys(texts.day(d) for d in promised))
        line += "\n" + texts.label("text.promised", days=days)
    if s.order.items:
        line += f"\n{escape(truncate(s.order.items, 200)[0])}"
    return line


def _shipment_line(
    s: TicketSnapshot, texts: SlackTexts, tracking_overrides: Mapping[str, str]
) -> str:
    parcel = s.order.shipment if s.order else None
    if parcel is None:
        return texts.label("text.no_shipment")
    name = carriers.carrier_name(parcel.carrier, texts.lang)
    line = f"{escape(name)} `{escape(parcel.tracking_number)}`"
    url = carriers.tracking_url(parcel.carrier, parcel.tracking_number, dict(tracking_overrides))
    if url:
        line += f" · <{url}|{texts.label('text.track')}>"
    if parcel.shipped_at:
        line += f"\n{texts.when(parcel.shipped_at)}"
    return line


def _deadline_line(s: TicketSnapshot, texts: SlackTexts) -> str:
    if s.due_at is None:
        return texts.label("text.no_deadline")
    left = texts.time_left((s.due_at - s.now).total_seconds())
    return texts.label("text.due", when=texts.when(s.due_at), left=left)


def _earlier_line(s: TicketSnapshot, texts: SlackTexts) -> str:
    if not s.earlier:
        return texts.label("text.earlier_none")
    items = [
        texts.label(
            "text.earlier_item", id=e.id, status=texts.label(f"state.{_state_of(e.status)}")
        )
        for e in s.earlier
    ]
    if s.earlier_total > len(s.earlier):
        items.append(texts.label("text.earlier_more", count=s.earlier_total - len(s.earlier)))
    return ", ".join(items)


def _state_of(status: str) -> str:
    if status in ("closed", "no_reply"):
        return "closed"
    return "answered" if status == "answered" else "waiting"


def card_text(s: TicketSnapshot, texts: SlackTexts) -> str:
    """The card's notification text (shown where blocks are not: push, search)."""
    gist = texts.gist(
        intent=s.intent,
        order_id=s.order_id,
        carrier=s.carrier,
        angry=s.angry,
        claim_risk=s.claim_risk,
    )
    return f"#{s.id} {texts.label(f'state.{s.state}')} · {escape(gist)}"


def card_plain_text(s: TicketSnapshot, texts: SlackTexts) -> str:
    """The card as one mrkdwn text, for when Slack refuses the blocks."""
    lines = [f"*{escape(s.subject or '')}*", card_text(s, texts)]
    if s.latest is not None:
        lines.append(quote(escape(truncate(s.latest.new_text.strip(), NEW_TEXT_LIMIT)[0])))
    lines.append(texts.label("text.hint"))
    return "\n".join(lines)


def card_blocks(
    s: TicketSnapshot,
    texts: SlackTexts,
    *,
    tracking_overrides: Mapping[str, str] | None = None,
) -> list[Block]:
    """The ticket's card as Block Kit blocks."""
    gist = texts.gist(
        intent=s.intent,
        order_id=s.order_id,
        carrier=s.carrier,
        angry=s.angry,
        claim_risk=s.claim_risk,
    )
    header = truncate(f"#{s.id} {s.subject or '(no subject)'}", HEADER_LIMIT)[0]
    blocks: list[Block] = [
        {"type": "header", "text": _plain(header)},
        {
            "type": "section",
            "block_id": "mdg_gist",
            "text": _md(f"*{texts.label(f'state.{s.state}')}*  ·  {escape(gist)}"),
        },
    ]
    if s.latest is not None:
        new_text, _cut = truncate(
            s.latest.new_text.strip() or s.latest.text.strip(), NEW_TEXT_LIMIT
        )
        buyer = escape(s.buyer_name or s.latest.from_name or "")
        title = f"*{texts.label('field.new_text')}*" + (f" ({buyer})" if buyer else "")
        blocks.append(
            {
                "type": "section",
                "block_id": "mdg_mail",
                "text": _md(f"{title}\n{quote(escape(new_text))}"),
                "accessory": button(
                    texts.label("button.full_mail"), ids.FULL_MAIL, str(s.latest.row_id)
                ),
            }
        )
        if s.latest.attachments:
            names = ", ".join(escape(n) for n in s.latest.attachments[:5])
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        _md(
                            texts.label(
                                "text.attachments", count=len(s.latest.attachments), names=names
                            )
                        )
                    ],
                }
            )
    fields = [
        _field(texts, "intent", _intent_line(s, texts)),
        _field(texts, "flags", _flags_line(s, texts)),
        _field(texts, "order", _order_line(s, texts)),
        _field(texts, "shipment", _shipment_line(s, texts, tracking_overrides or {})),
        _field(texts, "deadline", _deadline_line(s, texts)),
        _field(texts, "earlier", _earlier_line(s, texts)),
        _field(
            texts,
            "assignee",
            f"<@{s.assignee}>" if s.assignee else texts.label("text.unassigned"),
        ),
    ]
    blocks.append({"type": "section", "block_id": "mdg_facts", "fields": fields})
    blocks.append({"type": "divider"})
    if s.draft:
        draft, _cut = truncate(s.draft.strip(), DRAFT_LIMIT)
        blocks.append(
            {
                "type": "section",
                "block_id": "mdg_draft",
                "text": _md(f"*{texts.label('field.draft')}*\n```{escape(draft)}```"),
            }
        )
    else:
        blocks.append(
            {"type": "section", "block_id": "mdg_draft", "text": _md(texts.label("text.no_draft"))}
        )
    blocks.append({"type": "actions", "block_id": "mdg_actions", "elements": _buttons(s, texts)})
    footer = [texts.label("text.ticket_footer", id=s.id, when=texts.when(s.created_at))]
    if s.decision_reason:
        footer.append(
            texts.label("text.reason", reason=escape(truncate(s.decision_reason, 300)[0]))
        )
    footer.append(texts.label("text.hint"))
    blocks.append({"type": "context", "elements": [_md(line) for line in footer]})
    return blocks


def _buttons(s: TicketSnapshot, texts: SlackTexts) -> list[Block]:
    value = str(s.id)
    if s.state == "closed":
        return [button(texts.label("button.reopen"), ids.REOPEN, value)]
    elements: list[Block] = []
    if s.draft:
        elements.append(
            button(texts.label("button.send_draft"), ids.SEND_DRAFT, value, style="primary")
        )
    elements.append(button(texts.label("button.edit_send"), ids.EDIT_SEND, value))
    # Always offered: a colleague may take a ticket over.
    elements.append(button(texts.label("button.take"), ids.TAKE, value))
    elements.append(button(texts.label("button.no_reply"), ids.NO_REPLY, value))
    elements.append(button(texts.label("button.close"), ids.CLOSE, value, style="danger"))
    return elements
