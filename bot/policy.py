"""The policy check every outgoing text passes: marketplace messaging rules and keigo pitfalls.

The same check runs on the bot's replies and on agents' replies (``domain.md`` §3 and §5):
a bot reply that fails is not sent (the ticket goes to an agent with the reasons); an agent's
reply that fails gets a warning the agent must confirm (:func:`warning_text`).

Rules by marketplace: ``amazon_jp`` and ``rakuten`` (buyer messages go through the
marketplace's relay) get every rule; ``own_store`` gets links, keigo and the draft checks, since
the shop may give its own contact details and ask for reviews there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit

from bot import carriers
from bot.config import ShopSettings
from bot.nlp.normalize import nfkc

ATTACHMENT_LIMIT = 10 * 1024 * 1024  # Amazon: 10 MB per message
RELAYED_MARKETPLACES = frozenset({"amazon_jp", "rakuten"})
_MARKETPLACE_DOMAINS = {"amazon_jp": ("amazon.co.jp",), "rakuten": ("rakuten.co.jp",)}

# What each rule means, for agents (en, ja).
RULES: dict[str, tuple[str, str]] = {
    "link": ("link to a site that is not allowed", "許可されていないサイトへのリンク"),
    "email_address": ("mail address", "メールアドレスの記載"),
    "phone_number": ("phone number", "電話番号の記載"),
    "marketing": ("marketing or promotional wording", "宣伝・販促の表現"),
    "review_request": (
        "request for a review or rating, or an incentive for one",
        "レビュー・評価の依頼や見返りの提示",
    ),
    "thank_you_only": ("thank-you-only message", "お礼だけのメッセージ"),
    "attachment_size": ("attachments over 10 MB", "添付ファイルが10MBを超えています"),
    "important_subject": (
        "[重要] in the subject reaches buyers who opted out: critical mails only",
        "件名の[重要]は重要な連絡に限られます",
    ),
    "keigo": ("keigo pitfall", "敬語の誤り"),
    "placeholder": ("the draft's placeholder is still there", "下書きの記入欄が残っています"),
    "empty": ("no text", "本文がありません"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, what is wrong, and the text that broke it."""

    rule: str
    detail: str
    excerpt: str = ""
    # The bot's replies are stopped by any violation; an agent's are only warned about
    # (the agent confirms before sending).
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"

    def message(self, lang: str = "ja") -> str:
        """One line for agents: the rule's name in ``lang`` (``ja`` or ``en``) and the detail."""
        en, ja = RULES.get(self.rule, (self.rule, self.rule))
        title = ja if lang == "ja" else en
        return f"{title}: {self.detail}" if self.detail else title


def _leading(first: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``pattern``, tried only where the next character is one of ``first``.

    An alternation of many words is tried word by word at every position of the text; a
    lookahead on the characters the words can start with turns most positions away at once.
    Every match of ``pattern`` starts with one of ``first`` (tests/policy checks the matches
    are the same as the plain pattern's), so the matches are the same.
    """
    return re.compile(f"(?=[{first}])(?:{pattern})", flags)


# --- links, addresses, phone numbers ---------------------------------------------------------

_URL = _leading("hw", r"(?:https?://|www\.)[^\s<>\"'「」()、。]+", re.IGNORECASE)
_BARE_DOMAIN = _leading(
    "A-Za-z0-9",
    r"(?<![A-Za-z0-9@.\-/])((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:com|net|org|jp|cn|io|co|shop|store|info|biz|me|app|page|link|ly|site|online|xyz|top|tv"
    r"|us|uk|hk|tw|kr))(?![A-Za-z0-9\-])",
    re.IGNORECASE,
)
_EMAIL = _leading(
    r"A-Za-z0-9._%+\-",
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
)
# Dashes people put in phone numbers that NFKC leaves alone.
_DASHES = re.compile("[‐‑‒–—―−ーｰ]")
_PHONE = _leading(
    "(+0",
    r"(?<![0-9A-Za-z\-/.])"
    r"(\(?(?:\+81[-\s]?|0)\d{1,4}\)?[-\s]?\d{1,4}[-\s]?\d{3,4})"
    r"(?![0-9\-])",
)
_NOT_DIGIT = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
_SEPARATOR = re.compile(r"[-\s()]")
_SPACING = re.compile(r"[\s、，,。．.!！?？・:：「」]")  # what is left around courtesy words
# Unseparated digit runs are phone numbers only with these prefixes or after a phone word.
_PHONE_PREFIX = re.compile(r"0[5789]0\d{8}|0120\d{6}|0800\d{7}")
_PHONE_CUE = re.compile(r"(?:tel|phone|fax|電話|携帯|℡|☎|ファックス)[^\d]{0,6}$", re.IGNORECASE)

# --- marketing and reviews ---------------------------------------------------------------------

_MARKETING_WORDS = (
    r"セール(?!ス)|クーポン|キャンペーン|新商品|新製品|新作|ポイント還元|ポイント\d+倍|お買い得"
    r"|期間限定|特価|特別価格|今なら|ぜひご購入|ご購入はこちら|フォローして|フォローをお願い"
    r"|メルマガ|ストアをチェック|(?:ほか|他)の商品もぜひ|割引(?:クーポン|券|コード)"
    r"|\bsale\b|\bcoupons?\b|discount code|promo(?:tion)? code|\bnew arrivals?\b|follow us"
    r"|newsletter"
)
_MARKETING = _leading(
    r"セクキ新ポお期特今ぜごフメスほ他割\dscdpnf",
    _MARKETING_WORDS + r"|(?<!\d)\d+\s*%\s*(?:off|オフ)",
    re.IGNORECASE,
)
# Without a percent sign only the words can match: this form is not tried at every digit.
# (No word starts with a digit, so at any position only one kind can match and the two
# forms find the same.)
_MARKETING_WITHOUT_PERCENT = _leading(
    "セクキ新ポお期特今ぜごフメスほ他割scdpnf", _MARKETING_WORDS, re.IGNORECASE
)
_REVIEW_ALWAYS = _leading(
    "高星★☆5五満fpg",
    r"高評価|星\s*5|[★☆]\s*5|5\s*つ星|五つ星|星を\s*5|星5つ|満点の評価|5[\s\-]?stars?|five[\s\-]stars?"
    r"|positive (?:feedback|review)|good review",
    re.IGNORECASE,
)
_REVIEW_WORD = _leading(
    "レ評フ口ク感rf",
    r"レビュー|評価|フィードバック|口コミ|クチコミ|感想|\breviews?\b|\bfeedback\b|\brating\b",
    re.IGNORECASE,
)
_REQUEST_OR_INCENTIVE = _leading(
    "おく下い頂ぜ是差プ進返割無ギ特消削取変書投pwclri",
    r"お願い|ください|下さい|いただけ|頂け|ぜひ|是非|お待ち|差し上げ|プレゼント|進呈|返金|割引|無料"
    r"|ギフト|特典|消して|削除|取り下げ|変更して|書いて|投稿|please|would you|could you|leave"
    r"|\bwrite\b|remove|change|in exchange",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^。！？!?\n]+")

# --- thank-you-only ----------------------------------------------------------------------------

_THANKS = re.compile(r"ありがと|感謝|お礼|御礼|thank", re.IGNORECASE)
_COURTESY = _leading(
    "こ先本誠大心改あ感お御よ夜失今引まで担ごtbkrs",
    r"(?:この度は|このたびは|先日は|本日は|誠に|大変|本当に|心より|改めて)"
    r"|ありがとうございま(?:す|した)|ありがとう|感謝(?:いたします|しております|申し上げます)?"
    r"|(?:お礼|御礼)申し上げます|よろしくお願い(?:いたします|申し上げます|します)?"
    r"|お世話になって?おります|お世話になります|(?:夜分に)?失礼いたします|失礼します"
    r"|今後とも|引き続き|また(?:の)?ご利用を?|お待ちしております|でございます"
    r"|(?:お問い合わせ|お問合せ|ご連絡|ご返信|ご購入|ご注文|ご利用|ご愛顧)(?:いただき|頂き)?"
    r"|thank you(?: very much)?(?: for [a-z ]+)?|thanks|(?:best |kind )?regards|sincerely"
    r"|担当(?:者)?[:：]?\s*\S{0,10}",
    re.IGNORECASE,
)
_SALUTATION = re.compile(r"^.{1,30}(?:様|さま|殿)$|^dear .{1,40}$", re.IGNORECASE)

# --- keigo -------------------------------------------------------------------------------------

_KEIGO: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"ご覧になられ"), "ご覧になり"),
    (re.compile(r"お伺い(?:いたし|し|させていただき)ます"), "伺います"),
    (re.compile(r"了解(?:しました|いたしました|です)"), "承知しました"),
    (re.compile(r"ご安心して"), "安心して"),
    (re.compile(r"おっしゃられ"), "おっしゃい"),
    (re.compile(r"お[ぁ-んァ-ヶ一-龥]{1,4}になられ"), "お〜になり"),
    (re.compile(r"よろしかったでしょうか"), "よろしいでしょうか"),
    (re.compile(r"ご[一-龥]{2}され(?=[るたまて])"), "ご〜になる／〜される"),
    (re.compile(r"拝見(?:して)?ください"), "ご覧ください"),
    (re.compile(r"伺ってください"), "お尋ねください"),
    (re.compile(r"お求めやすい"), "お求めになりやすい"),
)
# All the pitfalls in one pass; the group that matched says which advice to give.
_KEIGO_ANY = _leading("ごお了よ拝伺", "|".join(f"({pattern.pattern})" for pattern, _ in _KEIGO))
_SASETE = re.compile(r"させて(?:いただ|頂)")
SASETE_LIMIT = 2  # more than this in one message reads as a pile

_PLACEHOLDER = re.compile(r"[（(【\[]\s*ここに[^）)】\]]{0,20}記入")


_CARRIER_DOMAINS = frozenset(
    (urlsplit(c.tracking_url).hostname or "").lower()
    for c in carriers.CARRIERS.values()
    if c.tracking_url
)


def allowed_domains(shop: ShopSettings) -> tuple[str, ...]:
    """Link domains allowed for this shop: the marketplace's, the carriers' tracking pages
    (unless tracking links are off), the hosts of the seller's own tracking URLs, and the
    configured ones."""
    found: set[str] = set(_MARKETPLACE_DOMAINS.get(shop.marketplace, ()))
    if shop.tracking_links:
        found |= _CARRIER_DOMAINS
        found |= {(urlsplit(t).hostname or "").lower() for t in shop.carrier_tracking_urls.values()}
    found |= {d.lower().strip() for d in shop.allowed_link_domains}
    found.discard("")
    return tuple(sorted(found))


def _domain_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in allowed)


def _links(text: str, allowed: tuple[str, ...]) -> list[Violation]:
    found: list[Violation] = []
    seen: set[str] = set()
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        host = (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
        seen.add(host)
        if not _domain_allowed(host, allowed):
            found.append(Violation("link", f"{host} is not an allowed link domain", url))
    without_urls = _URL.sub(" ", text)
    if "." not in without_urls:
        return found  # a bare domain has a dot
    for match in _BARE_DOMAIN.finditer(without_urls):
        host = match.group(1).lower()
        if host not in seen and not _domain_allowed(host, allowed):
            seen.add(host)
            found.append(Violation("link", f"{host} is not an allowed link domain", host))
    return found


def _digits_of_phone(candidate: str) -> str:
    digits = _NOT_DIGIT.sub("", candidate)
    return "0" + digits[2:] if candidate.lstrip("(").startswith("+81") else digits


def _phones(text: str, known: set[str]) -> list[Violation]:
    found: list[Violation] = []
    view = _DASHES.sub("-", text)
    for match in _PHONE.finditer(view):
        candidate = match.group(1)
        digits = _digits_of_phone(candidate)
        if digits in known or len(digits) not in (10, 11) or digits.startswith("00"):
            continue
        separated = bool(_SEPARATOR.search(candidate)) or candidate.startswith("+")
        cue = _PHONE_CUE.search(view[max(0, match.start() - 12) : match.start()])
        if separated or cue or _PHONE_PREFIX.fullmatch(digits):
            found.append(Violation("phone_number", "phone numbers are not allowed", candidate))
    return found


def _review_requests(text: str) -> list[Violation]:
    found = [
        Violation("review_request", "asks for a rating", m.group(0))
        for m in _REVIEW_ALWAYS.finditer(text)
    ]
    if not _REVIEW_WORD.search(text):
        return found  # no sentence can name a review then (sentence ends are not letters)
    for sentence in _SENTENCE.findall(text):
        word = _REVIEW_WORD.search(sentence)
        if not word:
            continue
        ask = _REQUEST_OR_INCENTIVE.search(sentence)
        if ask:
            found.append(
                Violation(
                    "review_request",
                    f"mentions 「{word.group(0)}」 together with 「{ask.group(0)}」",
                    sentence.strip(),
                )
            )
    return found


def _is_courtesy(sentence: str, shop: ShopSettings) -> bool:
    line = sentence.strip()
    if not line or _SALUTATION.match(line):
        return True
    for own in (shop.signature or "", shop.name):
        if own:
            line = line.replace(own, "")
    rest = _COURTESY.sub("", line)
    rest = _SPACING.sub("", rest)
    return len(rest) <= 4 and not _DIGIT.search(rest)


def _thank_you_only(text: str, shop: ShopSettings) -> list[Violation]:
    sentences = _SENTENCE.findall(text)
    if not _THANKS.search(text):
        return []
    if all(_is_courtesy(s, shop) for s in sentences):
        return [Violation("thank_you_only", "the message only thanks the buyer", "")]
    return []


def _keigo(text: str) -> list[Violation]:
    found = [
        Violation("keigo", f"「{m.group(0)}」→「{_KEIGO[m.lastindex - 1][1]}」", m.group(0))
        for m in _KEIGO_ANY.finditer(text)
        if m.lastindex
    ]
    piles = len(_SASETE.findall(text))
    if piles > SASETE_LIMIT:
        found.append(
            Violation(
                "keigo",
                f"「させていただく」が{piles}回: 「いたします」「しております」に言い換えてください",
                "させていただ",
            )
        )
    return found


def check_text(
    text: str,
    shop: ShopSettings,
    *,
    author: Literal["bot", "agent"] = "bot",
    subject: str | None = None,
    attachment_bytes: int = 0,
    known_numbers: Iterable[str] = (),
) -> list[Violation]:
    """Every rule an outgoing message breaks for this shop (empty when it may be sent).

    ``text`` is the body the buyer will read, ``subject`` its subject when the author chose one,
    ``attachment_bytes`` the total size of its attachments. ``known_numbers`` are order IDs and
    tracking numbers from the seller's data (never mistaken for phone numbers). The rules are
    the same for the bot and for agents; with ``author="agent"`` the violations come back
    with ``blocking=False``: warnings the agent confirms (:func:`warning_text`) before sending.
    """
    body = nfkc(text)
    head = nfkc(subject or "")
    both = f"{head}\n{body}" if head else body
    found: list[Violation] = []
    if not body.strip():
        found.append(Violation("empty", "the message has no text"))
    found += _links(both, allowed_domains(shop))
    if shop.marketplace in RELAYED_MARKETPLACES:
        known = {_NOT_DIGIT.sub("", unicodedata.normalize("NFKC", n)) for n in known_numbers}
        if "@" in both:  # an address has one
            found += [
                Violation("email_address", "mail addresses are not allowed", m.group(0))
                for m in _EMAIL.finditer(both)
            ]
        found += _phones(both, known)
        marketing = _MARKETING if "%" in both else _MARKETING_WITHOUT_PERCENT
        found += [
            Violation("marketing", "promotional wording", m.group(0))
            for m in marketing.finditer(both)
        ]
        found += _review_requests(both)
        found += _thank_you_only(body, shop)
        if attachment_bytes > ATTACHMENT_LIMIT:
            found.append(
                Violation("attachment_size", f"{attachment_bytes} bytes is over 10 MB", "")
            )
        if "[重要]" in (subject or ""):
            found.append(Violation("important_subject", "remove [重要] from the subject", "[重要]"))
    found += _keigo(both)
    found += [
        Violation("placeholder", "fill in or remove the placeholder", m.group(0))
        for m in _PLACEHOLDER.finditer(body)
    ]
    if author == "agent":
        found = [replace(v, blocking=False) for v in found]
    return found


def warning_text(violations: Iterable[Violation], lang: str = "ja") -> str:
    """The warning an agent confirms before a failing reply is sent, one rule per line."""
    open_, close = ("（", "）") if lang == "ja" else (" (", ")")
    lines = [
        f"• {v.message(lang)}" + (f"{open_}{v.excerpt}{close}" if v.excerpt else "")
        for v in violations
    ]
    return "\n".join(lines)
