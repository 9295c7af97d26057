"""From a buyer's text to an :class:`Understanding`: intent, anger, action and evidence.

The path: cut leftover quotes → normalise → entities (before tokenising) → features → the
linear models → the decision rules below. The rules are deliberately few and each guards a
costly mistake: answering an angry buyer automatically, answering a mail that asks two
things with half an answer, answering a request only a person can carry out (a change, a
cancellation, a return) because it is worded like a shipping question, or closing a mail
that asks something as "thanks". Each rule was checked on writer folds (one writer's mail
judged by a model of the others'), the nearest stand-in for mail from new people.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Final

from bot.intents import AUTO_INTENTS
from bot.nlp.cleanup import buyer_text
from bot.nlp.contract import contract_line
from bot.nlp.dates import mentioned_dates
from bot.nlp.entities import blank, order_ids, tracking_numbers
from bot.nlp.features import MailFeatures, extract
from bot.nlp.model import IntentModel, Scores, load_model
from bot.nlp.normalize import DIGITS_AND_MORE, normalize
from bot.nlp.understanding import TrackingNumber, Understanding

_CLAIM_CUES: Final = frozenset({"bad_review", "claim"})
# Cue families that mean a human has something to do, whatever the model's top intent.
_HUMAN_CUES: Final = frozenset(
    {
        "not_received",
        "change_order",
        "cancel",
        "return_refund",
        "defective",
        "payment",
        "other",
        "product_question",
    }
)
# A second question is never a sales pitch: the words of "other" (弊社, 御社, 工場, テスト)
# are a business buyer's own, so with several questions only the other human asks count.
_SECOND_QUESTION_CUES: Final = _HUMAN_CUES - {"other"}
_HUMAN_CUE_FLOOR: Final = 0.05
# Cues of an action on the order only a person can take (change, cancel, return, refund, a
# wrong item) or of a question only a person can answer (restocking, by when to order):
# whatever the model thinks of them, the mail goes to an agent.
_HUMAN_ONLY_CUES: Final = frozenset(
    {"change_request", "cancel", "return", "refund", "wrong_item", "restock", "order_by"}
)
_THANKS_FLOOR: Final = 0.2
_CUE_OTHER_FLOOR: Final = 0.05
_LONG_MAIL: Final = 400
_ASK_INTENTS: Final = _HUMAN_CUES | AUTO_INTENTS
# A mail closed with no reply may carry thanks cues and nothing else.
_NONE_CUES: Final = frozenset({"thanks", "cancel_negated"})
_ARRIVAL_CUES: Final = frozenset({"not_arrived", "when_arrive"})
# Auto answers go only to text that reads like a buyer's mail, not to stray short phrases.
_MAIL_REGISTER: Final = re.compile(
    r"です|ます|ません|ました|ください|下さい|でしょうか|お願い|いたし|致し|ございま|\bor?der\b|\bpackage\b|"
    r"\bparcel\b|\bship|\btracking\b|\binvoice\b|\breceipt\b|\bitem\b|\bdeliver|\bquot",
    re.IGNORECASE,
)
_LINK: Final = re.compile(r"https?:|www\.", re.IGNORECASE)
# "If it has not shipped yet, …": what follows asks the shop to act on the order (change the
# carrier, cut it shorter, cancel) even where it is worded around the parcel. Read from the
# text: the tagger gives 「発送前でしたら」 and 「発送前でした」 the same lemmas.
_IF_NOT_SHIPPED: Final = re.compile(
    r"(?:発送|出荷)前(?:なら|でしたら|であれば|だったら)"
    r"|(?:発送|出荷)(?:されて|して)い?な(?:ければ|いなら|いようでしたら|いようであれば|いのであれば)"
    r"|まだ間に合(?:えば|うなら|うよう|うので)"
    r"|\bif (?:it |the order |my order |the parcel )?(?:hasn.?t|has not|is not|isn.?t) (?:yet )?"
    r"(?:been )?(?:shipped|sent|dispatched)|\bif not (?:yet )?(?:shipped|dispatched|sent)"
    r"|\bbefore (?:it )?(?:ships|is shipped|goes out)",
    re.IGNORECASE,
)
# Written out, not \d{3}: a pattern that starts with a character class lets the engine
# skip to candidate characters instead of trying a match at every position (the first digit
# is found through a class without categories, see DIGITS_AND_MORE).
_THREE_DIGITS: Final = re.compile(rf"[{DIGITS_AND_MORE}](?<=\d)\d\d")
_EVIDENCE_SIZE: Final = 5
# What a buyer asks sits at the top; past this the text is pasted logs or quoted threads, and
# the tagger's cost grows faster than linearly with one long input.
_MAX_TEXT: Final = 4000
_MAX_SUBJECT: Final = 300
# An automatic answer needs the mail to talk about the shop's world, not only to ask "where"
# or "when" (「台風は今どこですか」 is not about a parcel).
_SHOP_WORDS: Final = frozenset(
    f"w:{w}"
    for w in (
        "荷物",
        "商品",
        "注文",
        "発送",
        "出荷",
        "配達",
        "配送",
        "届く",
        "到着",
        "追跡",
        "伝票",
        "領収",
        "請求",
        "見積もり",
        "納品",
        "インボイス",
        "適格",
        "購入",
        "品物",
        "宅配",
        "郵便",
        "package",
        "order",
        "oder",
        "parcel",
        "shipment",
        "item",
        "tracking",
        "invoice",
        "receipt",
        "delivery",
        "shipping",
        "ship",
        "shipped",
        "quotation",
        "purchase",
        "レシート",
        "見積もり_書",
        "配達_員",
        "arrive",
        "arrival",
        "quote",
        "carrier",
        # Arriving and delivering as buyers also write them (「何日で着きますか」「お届けまで」),
        # the carrier's depot, the delivery date, and the past tense the English tagger keeps.
        "着く",
        "届け",
        "届ける",
        "トラッキング",
        "営業_所",
        "納期",
        "ordered",
        "delivered",
        # Carriers and parcel words buyers use for 荷物 (「ヤマトで置き配って出てるけど」「搬入日」),
        # and a receipt's parts (宛名, 但し書き, 明細, the invoice registration number, 経費).
        "ヤマト",
        "佐川",
        "ユウ_パック",
        "置く_配",
        "搬入",
        "宛て名",
        "但し書き",
        "明細",
        "登録_番号",
        "経費",
    )
)
# Polite endings and request helpers: a mail's register even when its text is in katakana.
_POLITE_NAMES: Final = frozenset({"x:です", "x:ます", "x:下さる", "x:頂く", "x:願う"})


class PreparedMail:
    """A mail after cleaning, normalising and entity extraction, ready for the models.

    Read-only by convention. Like :class:`Decision`, a plain class, not a dataclass: one is
    made per mail, and the compiled build constructs a plain class several times faster (a
    dataclass's generated ``__init__`` is not compiled).
    """

    __slots__ = ("body", "digits", "features", "order_ids", "subject", "tracking_numbers")

    def __init__(
        self,
        subject: str,
        body: str,
        features: MailFeatures,
        order_ids: list[str],
        tracking_numbers: list[TrackingNumber],
        digits: bool = True,
    ) -> None:
        self.subject = subject
        self.body = body
        self.features = features
        self.order_ids = order_ids
        self.tracking_numbers = tracking_numbers
        # Whether subject or body holds a run of three digits: every order ID, tracking
        # number and dated year does, and most mails have none (their scans are then skipped).
        self.digits = digits


def prepare(subject: str, text: str) -> PreparedMail:
    """Clean, normalise, extract entities and features (no model involved)."""
    norm_subject = normalize(subject[:_MAX_SUBJECT])
    body = normalize(buyer_text(text[:_MAX_TEXT]))
    combined = f"{norm_subject}\n{body}"
    digits = _THREE_DIGITS.search(combined) is not None
    ids: list[str] = []
    tracking: list[TrackingNumber] = []
    read_subject, read_body = norm_subject, body
    if digits:
        ids, spans = order_ids(combined)
        if spans:
            # The models read the mail with its order IDs blanked out: the tagger reads a word
            # next to digits as a numeral (「…5607493いつ発送ですか」: いつ as 五, five), and the
            # digits themselves say nothing an "f:order_id" does not (a subject that names an
            # order is then also the same subject as the next buyer's). Tracking numbers are
            # read from the same blanked text, as tracking_numbers would blank it itself.
            combined = blank(combined, spans)
            cut = len(norm_subject)
            read_subject, read_body = combined[:cut].strip(), combined[cut + 1 :]
        tracking = tracking_numbers(combined)
    features = extract(read_subject, read_body)
    if ids:
        features.names.add("f:order_id")
    if tracking:
        features.names.add("f:tracking_number")
    return PreparedMail(norm_subject, body, features, ids, tracking, digits)


# Readable text of feature names that are not cues (the same in every mail). Evidence names
# are model features, so this holds at most one entry per feature of the model.
_READABLE: Final[dict[str, str]] = {}


def _readable(name: str, features: MailFeatures) -> str:
    """A feature name as an agent reads it: the cue's phrase, the lemma, the predicate."""
    text = _READABLE.get(name)
    if text is not None:
        return text
    kind, _, rest = name.partition(":")
    if kind in ("c", "cs", "cr"):
        cue, bar, flag = rest.partition("|")
        # A cue is quoted by the phrase that fired in this mail.
        return features.cues[cue][1] + bar + flag if cue in features.cues else rest
    text = f"[{rest}]" if kind == "f" else (f"件名:{rest}" if kind == "s" else rest)
    _READABLE[name] = text
    return text


def _auto_blockers(
    intent: str,
    others: list[str],
    cue_intents: set[str],
    mail: PreparedMail,
    probability: dict[str, float],
) -> list[str]:
    """Why a confident auto-answerable mail must still go to an agent (empty: it need not)."""
    blockers = []
    if any(o not in AUTO_INTENTS for o in others):
        blockers.append("second-ask-needs-agent")
    # A cue for an ask only a human can answer counts when the model gives it some weight too,
    # or when the mail asks several questions (the other one is likely that ask).
    human_cues = cue_intents & _HUMAN_CUES
    if any(probability[i] >= _HUMAN_CUE_FLOOR for i in human_cues) or (
        not human_cues.isdisjoint(_SECOND_QUESTION_CUES) and "f:questions>1" in mail.features.names
    ):
        blockers.append("cue-of-an-ask-the-bot-cannot-answer")
    if any(n in _HUMAN_ONLY_CUES for n in mail.features.cues if n not in mail.features.negated):
        blockers.append("asks-what-only-a-person-can-do")
    if _IF_NOT_SHIPPED.search(mail.body):
        blockers.append("asks-to-act-before-shipping")
    if "angry_mild" in cue_intents:
        blockers.append("displeasure-words")
    if intent not in cue_intents:
        blockers.append(f"no-{intent}-cue")
    # Nothing asked (a report, thanks, a remark): an agent decides whether to answer. "Not
    # here yet" asks by itself, unless the mail also thanks or says it is settled
    # (「届いていないと思っていた荷物、ありました。お騒がせしました」).
    waiting = not _ARRIVAL_CUES.isdisjoint(mail.features.cues)
    if not mail.features.asks and (not waiting or "thanks" in cue_intents):
        blockers.append("no-question")
    # Casual phone mails count when they ask a question ("?") in the shop's words (the cue).
    names = mail.features.names
    # Only its truth counts: the cheap tests go first, the pattern last.
    mail_like = (
        not names.isdisjoint(_POLITE_NAMES)
        or mail.order_ids
        or mail.tracking_numbers
        or _MAIL_REGISTER.search(mail.body)
    )
    # The subject counts: 「配送」 over 「今どこですか」 is about a parcel.
    shop_words = names & _SHOP_WORDS or mail.features.subject_names & _SHOP_WORDS
    if not shop_words and not (mail.order_ids or mail.tracking_numbers):
        blockers.append("no-shop-words")
    if probability["thanks"] >= _THANKS_FLOOR:
        blockers.append("may-be-only-thanks")
    if len(mail.body) > _LONG_MAIL:
        # A long mail tells a story; an automatic answer covers one line of it.
        blockers.append("long-mail")
    if not (mail_like or "?" in mail.body):
        blockers.append("not-mail-like")
    # A link holds ":" or "." (the pattern is tried only then).
    if (":" in mail.body or "." in mail.body) and _LINK.search(mail.body):
        # Buyers asking about a parcel rarely send links; fake carrier notices do.
        blockers.append("link-in-mail")
    return blockers


class Decision:
    """The outcome of the decision rules, before it becomes an :class:`Understanding`.

    Read-only by convention (a plain class for the reason given at :class:`PreparedMail`).
    """

    __slots__ = (
        "action",
        "angry",
        "claim_risk",
        "confidence",
        "intent",
        "other_intents",
        "rules",
        "scores",
    )  # fmt: skip

    def __init__(
        self,
        intent: str,
        confidence: float,
        angry: bool,
        claim_risk: bool,
        action: str,
        other_intents: list[str],
        rules: list[str],
        scores: Scores,
    ) -> None:
        self.intent = intent
        self.confidence = confidence
        self.angry = angry
        self.claim_risk = claim_risk
        self.action = action
        self.other_intents = other_intents
        self.rules = rules
        self.scores = scores


def _ranked(intents: tuple[str, ...], probs: list[float]) -> list[tuple[str, float]]:
    """Intents most probable first; equal probabilities keep the model's intent order (sort
    is stable)."""
    return sorted(zip(intents, probs, strict=True), key=itemgetter(1), reverse=True)


def _top_two(probs: list[float]) -> tuple[int, int]:
    """The places of the first two intents of :func:`_ranked`, found by two scans (the
    decision needs only those; the whole ranking only for further asks)."""
    first = 0
    for i in range(1, len(probs)):
        # Strictly greater: of equal probabilities the earlier intent ranks first.
        if probs[i] > probs[first]:
            first = i
    second = -1
    for i in range(len(probs)):
        if i != first and (second < 0 or probs[i] > probs[second]):
            second = i
    return first, second


def _further_asks(
    ranked: list[tuple[str, float]],
    intent: str,
    floor: float,
    cue_intents: set[str],
    probability: dict[str, float],
) -> list[str]:
    """The intents asked besides ``intent``: likely enough by the model, or named by a cue
    the model does not rule out."""
    others = [name for name, p in ranked if name not in (intent, "thanks") and p >= floor]
    for cue_intent in sorted(cue_intents & _ASK_INTENTS, key=lambda i: -probability[i]):
        if (
            cue_intent not in others
            and cue_intent != intent
            and probability[cue_intent] >= _CUE_OTHER_FLOOR
        ):
            others.append(cue_intent)
    return others


def decide(mail: PreparedMail, model: IntentModel, further_asks: bool = True) -> Decision:
    """Apply the models and the decision rules to a prepared mail.

    Without ``further_asks`` the decision's ``other_intents`` are left empty unless the auto
    rules need them (the ``madoguchi classify`` line does not show them).
    """
    names = mail.features.names
    cues = mail.features.cues
    scores = model.score(names)
    probs = scores.probabilities
    intents = model.intents
    first, second = _top_two(probs)
    intent, confidence = intents[first], probs[first]
    rules: list[str] = []
    asks = mail.features.asks
    if intent == "thanks" and asks and probs[second] >= 0.05:
        # Thanks that also asks something is the ask (corpus guidelines).
        intent, confidence = intents[second], probs[second]
        rules.append("rule:question-inside-thanks")
    t = model.thresholds
    # A cue whose own word is negated (「返品ではありません」) speaks against its intent.
    negated = mail.features.negated
    cue_intents = {cue.intent for name, (cue, _) in cues.items() if name not in negated}
    probability: dict[str, float] = {}
    others: list[str] = []
    if further_asks:
        probability = dict(zip(intents, probs, strict=True))
        ranked = _ranked(intents, probs)
        others = _further_asks(ranked, intent, t.other_intent, cue_intents, probability)
    claim_risk = not _CLAIM_CUES.isdisjoint(cues)
    # A threat of a claim is anger by definition (design doc), negated or not: a human reads it.
    angry = claim_risk or scores.angry >= t.angry or "angry" in cue_intents
    if claim_risk:
        rules.append("rule:claim-threat")
    action = "handoff"
    if angry:
        pass
    elif intent in AUTO_INTENTS and confidence >= t.auto:
        if not further_asks:
            probability = dict(zip(intents, probs, strict=True))
            ranked = _ranked(intents, probs)
            others = _further_asks(ranked, intent, t.other_intent, cue_intents, probability)
        blockers = _auto_blockers(intent, others, cue_intents, mail, probability)
        if blockers:
            rules.append(f"rule:{blockers[0]}")
        else:
            action = "auto"
    elif (
        intent == "thanks"
        and confidence >= t.none
        and not asks
        and "thanks" in cue_intents
        and cue_intents <= _NONE_CUES
    ):
        action = "none"
    return Decision(intent, confidence, angry, claim_risk, action, others, rules, scores)


# The committed model, held here after the first mail: :func:`load_model` is a functools
# cache, which compiled code reaches through a generic call on every mail.
_MODEL: IntentModel | None = None


def _model() -> IntentModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = load_model()
    return _MODEL


def classify(
    subject: str,
    text: str,
    *,
    mail_date: datetime | None = None,
    model: IntentModel | None = None,
) -> Understanding:
    """Understand a buyer mail's subject and new text (see :func:`bot.nlp.understand`)."""
    mail, decision, evidence = _classified(subject, text, model or _model())
    # Without the mail's date only dates with their year are read, and a year is digits.
    dates: list[date] = (
        mentioned_dates(mail.body, mail_date) if mail.digits or mail_date is not None else []
    )
    return Understanding(
        intent=decision.intent,
        confidence=decision.confidence,
        angry=decision.angry,
        action=decision.action,
        order_ids=mail.order_ids,
        tracking_numbers=mail.tracking_numbers,
        evidence=evidence,
        other_intents=decision.other_intents,
        language=mail.features.language,
        dates=dates,
        claim_risk=decision.claim_risk,
    )


def classify_line(subject: str, text: str, item_id: Any) -> dict[str, Any]:
    """``classify(subject, text).to_contract(item_id)`` without what the line leaves out
    (dates, language, further intents): the ``madoguchi classify`` batch path."""
    mail, decision, evidence = _classified(subject, text, _model(), further_asks=False)
    return contract_line(
        item_id,
        decision.intent,
        decision.confidence,
        decision.angry,
        decision.action,
        mail.order_ids,
        mail.tracking_numbers,
        evidence,
    )


def _classified(
    subject: str, text: str, model: IntentModel, further_asks: bool = True
) -> tuple[PreparedMail, Decision, list[str]]:
    """The prepared mail, the decision and the evidence, each item once in order."""
    mail = prepare(subject, text)
    decision = decide(mail, model, further_asks)
    scores = decision.scores
    features = mail.features
    evidence = [
        _readable(n, features) for n in model.contributions(scores, decision.intent, _EVIDENCE_SIZE)
    ]
    if decision.angry:
        angry_names = model.angry_contributions(scores, 2)
        evidence += [f"angry:{_readable(n, features)}" for n in angry_names]
    evidence += decision.rules
    return mail, decision, list(dict.fromkeys(evidence))
