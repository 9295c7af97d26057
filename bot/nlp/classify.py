"""From a buyer's text to an :class:`Understanding`: intent, anger, action and evidence.

The path: cut leftover quotes → normalise → entities (before tokenising) → features → the
linear models → the decision rules below. The rules are deliberately few and each guards a
costly mistake: answering an angry buyer automatically, answering a mail that asks two
things with half an answer, or closing a mail that asks something as "thanks".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from bot.intents import AUTO_INTENTS
from bot.nlp.cleanup import buyer_text
from bot.nlp.dates import mentioned_dates
from bot.nlp.entities import order_ids, tracking_numbers
from bot.nlp.features import MailFeatures, extract
from bot.nlp.model import IntentModel, load_model
from bot.nlp.normalize import normalize
from bot.nlp.understanding import TrackingNumber, Understanding

_CLAIM_CUES: Final = frozenset({"bad_review", "claim"})
# Auto answers go only to text that reads like a buyer's mail, not to stray short phrases.
_MAIL_REGISTER: Final = re.compile(
    r"です|ます|ください|下さい|でしょうか|お願い|いたし|致し|ございま|\border\b|\bpackage\b|"
    r"\bparcel\b|\bshipment\b|\btracking\b|\binvoice\b|\breceipt\b|\bitem\b|\bdelivery\b",
    re.IGNORECASE,
)
_EVIDENCE_SIZE: Final = 5


@dataclass(frozen=True)
class PreparedMail:
    """A mail after cleaning, normalising and entity extraction, ready for the models."""

    subject: str
    body: str
    features: MailFeatures
    order_ids: list[str]
    tracking_numbers: list[TrackingNumber]


def prepare(subject: str, text: str) -> PreparedMail:
    """Clean, normalise, extract entities and features (no model involved)."""
    norm_subject = normalize(subject)
    body = normalize(buyer_text(text))
    combined = f"{norm_subject}\n{body}"
    ids, spans = order_ids(combined)
    tracking = tracking_numbers(combined, spans)
    features = extract(norm_subject, body)
    if ids:
        features.names.add("f:order_id")
    if tracking:
        features.names.add("f:tracking_number")
    return PreparedMail(norm_subject, body, features, ids, tracking)


def _readable(name: str, features: MailFeatures) -> str:
    """A feature name as an agent reads it: the cue's phrase, the lemma, the predicate."""
    kind, _, rest = name.partition(":")
    if kind in ("c", "cs", "cr") and rest in features.cues:
        return features.cues[rest][1]
    if kind == "f":
        return f"[{rest}]"
    if kind == "s":
        return f"件名:{rest}"
    return rest


@dataclass(frozen=True)
class Decision:
    """The outcome of the decision rules, before it becomes an :class:`Understanding`."""

    intent: str
    confidence: float
    angry: bool
    claim_risk: bool
    action: str
    other_intents: list[str]
    rules: list[str]


def decide(mail: PreparedMail, model: IntentModel) -> Decision:
    """Apply the models and the decision rules to a prepared mail."""
    names = mail.features.names
    cues = mail.features.cues
    probs = model.probabilities(names)
    ranked = sorted(zip(model.intents, probs, strict=True), key=lambda pair: -pair[1])
    intent, confidence = ranked[0]
    rules: list[str] = []
    asks = mail.features.asks
    if intent == "thanks" and asks and ranked[1][1] >= 0.05:
        # Thanks that also asks something is the ask (corpus guidelines).
        intent, confidence = ranked[1]
        rules.append("rule:question-inside-thanks")
    t = model.thresholds
    others = [name for name, p in ranked if name not in (intent, "thanks") and p >= t.other_intent]
    claim_risk = bool(_CLAIM_CUES & cues.keys())
    angry = model.angry_probability(names) >= t.angry or claim_risk
    if claim_risk:
        rules.append("rule:claim-threat")
    action = "handoff"
    if angry:
        pass
    elif intent in AUTO_INTENTS and confidence >= t.auto:
        if any(o not in AUTO_INTENTS for o in others):
            rules.append("rule:second-ask-needs-agent")
        elif not (_MAIL_REGISTER.search(mail.body) or mail.order_ids or mail.tracking_numbers):
            rules.append("rule:not-mail-like")
        else:
            action = "auto"
    elif intent == "thanks" and confidence >= t.none and not asks:
        action = "none"
    return Decision(intent, confidence, angry, claim_risk, action, others, rules)


def classify(
    subject: str,
    text: str,
    *,
    mail_date: datetime | None = None,
    model: IntentModel | None = None,
) -> Understanding:
    """Understand a buyer mail's subject and new text (see :func:`bot.nlp.understand`)."""
    model = model or load_model()
    mail = prepare(subject, text)
    decision = decide(mail, model)
    evidence = [
        _readable(n, mail.features)
        for n, _ in model.contributions(mail.features.names, decision.intent)[:_EVIDENCE_SIZE]
    ]
    if decision.angry:
        angry_names = model.angry_contributions(mail.features.names)[:2]
        evidence += [f"angry:{_readable(n, mail.features)}" for n, _ in angry_names]
    evidence += decision.rules
    dates: list[date] = mentioned_dates(mail.body, mail_date)
    return Understanding(
        intent=decision.intent,
        confidence=decision.confidence,
        angry=decision.angry,
        action=decision.action,
        order_ids=mail.order_ids,
        tracking_numbers=mail.tracking_numbers,
        evidence=list(dict.fromkeys(evidence)),
        other_intents=decision.other_intents,
        language=mail.features.language,
        dates=dates,
        claim_risk=decision.claim_risk,
    )
