"""The act stage: the handler's decision, made safe, rendered and policy-checked.

Handlers say what the business rule wants. This stage applies the rules that hold whatever
the intent: never answer auto-replies, bounces or the shop itself; angry or uncertain mail goes
to a human first; a reply the policy check rejects is not sent; ``none`` needs certainty.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError

from bot.config import ShopSettings
from bot.intents import AUTO_INTENTS
from bot.logs import kv
from bot.mail.message import BuyerMail
from bot.nlp import Understanding
from bot.policy import check_text
from bot.router import HandlerContext, Handoff, NoReply, Reply, Router
from bot.templates import Renderer

log = logging.getLogger(__name__)

_NOREPLY_SENDER = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|auto[-_.]?confirm|"
    r"notifications?|info-noreply)(?:[+\-_.].*)?@",
    re.IGNORECASE,
)
# Amazon relay and other marketplaces append the channel to the buyer's display name.
_NAME_SUFFIX = re.compile(
    r"\s*(?:-|–|—|via|経由)\s*(?:Amazon(?:\.co\.jp)?(?: Marketplace)?|マーケットプレイス).*$", re.I
)


@dataclass(frozen=True)
class Outcome:
    """The final decision for one inbound mail, ready to be stored."""

    kind: str  # reply | handoff | none
    reason: str
    handler: str
    template: str | None = None
    body: str | None = None  # the reply to send (kind == "reply")
    draft: str | None = None  # a suggested reply for agents (kind == "handoff")
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GateFacts:
    """Facts from the store the safety rules need."""

    shop_addresses: tuple[str, ...]
    auto_replies_to_sender_24h: int = 0


def buyer_display_name(mail: BuyerMail) -> str | None:
    """The buyer's name for the salutation, without marketplace suffixes; None if unusable."""
    name = (mail.from_name or "").strip().strip('"')
    name = _NAME_SUFFIX.sub("", name).strip()
    if not name or "@" in name or len(name) > 40:
        return None
    return name


def is_noreply_sender(address: str | None) -> bool:
    """Addresses that do not take replies (noreply@, mailer-daemon@, ...)."""
    return bool(address and _NOREPLY_SENDER.match(address))


def unreadable(mail: BuyerMail) -> str | None:
    """Why a mail cannot be acted on automatically, or None when it can."""
    if not mail.from_addr:
        return "no readable sender address"
    if not (mail.new_text.strip() or mail.text.strip() or mail.attachments):
        return "no readable text"
    if any(d.startswith("unparseable") for d in mail.defects):
        return "the mail could not be parsed"
    return None


FAQ_MIN_CONFIDENCE = 0.75  # intents the classifier never marks "auto" need this much instead


def _common_data(ctx: HandlerContext) -> dict[str, Any]:
    local = ctx.now.astimezone(ZoneInfo(ctx.shop.timezone))
    return {
        "shop": ctx.shop,
        "buyer_name": buyer_display_name(ctx.mail),
        "first_contact": ctx.ticket.is_new,
        "late_night": local.hour >= 21 or local.hour < 6,
        "now": ctx.now,
        "today": local.date(),
        "apology": False,
    }


def known_numbers(ctx: HandlerContext) -> list[str]:
    """Order IDs and tracking numbers in play: a reply quoting them is not giving a phone number."""
    numbers = list(ctx.nlu.order_ids) + [t.number for t in ctx.nlu.tracking_numbers]
    for order in (ctx.order, *ctx.orders):
        if order is not None:
            numbers.append(order.order_id)
            numbers.extend(s.tracking_number for s in order.shipments)
    return numbers


def auto_allowed(intent: str, shop: ShopSettings) -> bool:
    """The seller lets the bot answer this intent alone (a FAQ file opts product questions in)."""
    return intent in shop.auto_intents or (
        intent == "product_question" and shop.faq_file is not None
    )


def confidence_hold(nlu: Understanding, shop: ShopSettings) -> str | None:
    """Why the classifier is not sure enough for an answer without a human, or None."""
    threshold = shop.confidence_threshold
    if nlu.intent in AUTO_INTENTS:
        # The classifier's own "auto" already applies its calibrated threshold and its rules.
        if nlu.action != "auto":
            rules = [e.removeprefix("rule:") for e in nlu.evidence if e.startswith("rule:")]
            if rules:
                return f"the classifier keeps it for a person ({', '.join(rules)})"
            return f"not confident enough to answer alone ({nlu.confidence:.2f})"
    elif nlu.confidence < (threshold or FAQ_MIN_CONFIDENCE):
        return f"not confident enough to answer alone ({nlu.confidence:.2f})"
    elif nlu.other_intents:
        return f"the mail also asks about {', '.join(nlu.other_intents)}"
    if threshold and nlu.confidence < threshold:
        return f"confidence {nlu.confidence:.2f} is under the shop's {threshold:.2f}"
    return None


async def decide(
    router: Router, renderer: Renderer, ctx: HandlerContext, gate: GateFacts
) -> Outcome:
    """Route the mail to its handler and turn the answer into an :class:`Outcome`."""
    mail, nlu, shop = ctx.mail, ctx.nlu, ctx.shop
    facts: dict[str, Any] = {"defects": list(mail.defects)} if mail.defects else {}
    if mail.is_auto:
        return Outcome(
            "none",
            f"automatic mail ({mail.auto_reason or 'auto-reply or bounce'}): never answered",
            "gate",
            facts=facts,
        )
    own = [
        a for a in (mail.from_addr, mail.reply_address) if a and a.lower() in gate.shop_addresses
    ]
    if own:
        # Answering would mail the shop itself (and its auto-replies could answer back).
        return Outcome(
            "none", "mail from or to be answered at the shop's own address", "gate", facts=facts
        )
    problem = unreadable(mail)
    if problem:
        return Outcome(
            "handoff",
            f"{problem}; defects: {'; '.join(mail.defects) or 'none'}",
            "gate",
            facts=facts,
        )

    decision, handler = await router.dispatch(nlu.intent, ctx)
    data = {**_common_data(ctx), **dict(getattr(decision, "data", {}) or {})}
    if data.get("claim_risk"):
        facts["claim_risk"] = True
    # Japanese for Japanese and for languages we do not answer (the agent's draft); English
    # only where an English template exists.
    lang = "en" if nlu.language == "en" else "ja"
    numbers = known_numbers(ctx)

    if isinstance(decision, NoReply):
        if nlu.action != "none" or nlu.angry:
            return Outcome(
                "handoff",
                f"{decision.reason}, but not certain enough to leave unanswered",
                handler,
                facts=facts,
            )
        return Outcome("none", decision.reason, handler, facts=facts)

    if isinstance(decision, Handoff):
        draft, error = _render(renderer, lang, decision.draft_template, data)
        if error and draft is None and renderer.exists(lang, decision.draft_template or ""):
            facts["draft_error"] = error
        if draft is not None:
            warnings = check_text(draft, shop, known_numbers=numbers)
            if warnings:
                facts["draft_policy"] = [str(v) for v in warnings]
        return Outcome(
            "handoff", decision.reason, handler, decision.draft_template, draft=draft, facts=facts
        )

    assert isinstance(decision, Reply)
    body, error = _render(renderer, lang, decision.template, data)
    hold: list[str] = []
    if body is None:
        hold.append(error or f"no {lang} template {decision.template}")
    if nlu.language not in ("ja", "en"):
        hold.append("the mail is in a language the bot does not answer")
    if nlu.angry or nlu.claim_risk:
        hold.append("the buyer is angry or threatens a claim: a human answers first")
    unsure = confidence_hold(nlu, shop)
    if unsure:
        hold.append(unsure)
    if not auto_allowed(nlu.intent, shop):
        hold.append(f"automatic answers are off for {nlu.intent}")
    if is_noreply_sender(mail.reply_address):
        hold.append("the sender does not accept replies")
    if gate.auto_replies_to_sender_24h >= shop.auto_replies_per_sender_per_day:
        hold.append(
            f"already {gate.auto_replies_to_sender_24h} automatic replies to this sender in 24 h"
        )
    if body is not None:
        violations = check_text(body, shop, known_numbers=numbers)
        hold.extend(f"policy: {v}" for v in violations)
        if violations:
            facts["policy"] = [str(v) for v in violations]
    if hold:
        return Outcome(
            "handoff",
            f"{decision.reason}; held: {'; '.join(hold)}",
            handler,
            decision.template,
            draft=body,
            facts=facts,
        )
    return Outcome("reply", decision.reason, handler, decision.template, body=body, facts=facts)


def _render(
    renderer: Renderer, lang: str, name: str | None, data: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The rendered text, or None and why not (no such template, or it failed to render)."""
    if name is None:
        return None, None
    if not renderer.exists(lang, name):
        return None, f"no {lang} template {name}"
    try:
        return renderer.render(lang, name, **data), None
    except TemplateError as exc:
        log.warning(kv("act.template_error", template=f"{lang}/{name}", error=type(exc).__name__))
        return None, f"template {lang}/{name} failed: {type(exc).__name__}: {exc}"
