"""The policy check every outgoing text passes: Amazon's messaging rules and keigo pitfalls.

A bot reply that fails is not sent (the ticket is handed off with the reasons); an agent's
reply that fails gets a warning they must confirm.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot import carriers
from bot.config import ShopSettings

# Pages buyers may be sent to by default: the carriers' tracking pages and the marketplace.
_DEFAULT_ALLOWED = tuple(
    sorted(
        {
            urlsplit(c.tracking_url).hostname or ""
            for c in carriers.CARRIERS.values()
            if c.tracking_url
        }
        | {"amazon.co.jp", "www.amazon.co.jp"}
    )
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>「」（）()]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\d\-])(?:\+81[\s\-]?\d{1,4}|0\d{1,4})[\s\-(（]?\d{1,4}[\s\-)）]?\d{3,4}(?![\d\-])"
)
_MARKETING = (
    "セール",
    "クーポン",
    "割引",
    "キャンペーン",
    "新商品",
    "新製品",
    "ポイント還元",
    "特典",
    "ぜひご購入",
    "お買い得",
    "フォローして",
    "メルマガ",
    "sale",
    "coupon",
    "discount",
)
_REVIEW = (
    "レビュー",
    "評価をお願い",
    "高評価",
    "星5",
    "★5",
    "☆5",
    "5つ星",
    "星を5",
    "ご評価",
    "フィードバックをお願い",
    "review",
    "5 stars",
    "five stars",
    "positive feedback",
)
_KEIGO = {
    "ご覧になられ": "ご覧になり",
    "お伺いいたします": "伺います",
    "お伺いします": "伺います",
    "了解しました": "承知しました",
    "了解いたしました": "承知いたしました",
    "ご安心して": "安心して",
}


@dataclass(frozen=True)
class Violation:
    """One broken rule, with the text that broke it."""

    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def allowed_domains(shop: ShopSettings) -> tuple[str, ...]:
    """Link domains allowed for this shop: the defaults plus the configured ones."""
    return _DEFAULT_ALLOWED + tuple(d.lower() for d in shop.allowed_link_domains)


def _domain_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in allowed)


def check_text(text: str, shop: ShopSettings, *, attachments_bytes: int = 0) -> list[Violation]:
    """Every rule ``text`` breaks for this shop (empty when it may be sent)."""
    found: list[Violation] = []
    folded = unicodedata.normalize("NFKC", text)
    allowed = allowed_domains(shop)
    amazon = shop.marketplace == "amazon_jp"
    for match in _URL.finditer(folded):
        url = match.group(0)
        host = (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
        if not _domain_allowed(host, allowed):
            found.append(Violation("link", f"{host} is not an allowed link domain"))
    if amazon:
        for match in _EMAIL.finditer(folded):
            found.append(Violation("email_address", match.group(0)))
        for match in _PHONE.finditer(folded):
            found.append(Violation("phone_number", match.group(0)))
        lower = folded.lower()
        for word in _MARKETING:
            if word in lower:
                found.append(Violation("marketing", word))
        for word in _REVIEW:
            if word in lower:
                found.append(Violation("review_request", word))
        if attachments_bytes > 10 * 1024 * 1024:
            found.append(Violation("attachment_size", f"{attachments_bytes} bytes is over 10 MB"))
    for wrong, right in _KEIGO.items():
        if wrong in folded:
            found.append(Violation("keigo", f"「{wrong}」→「{right}」"))
    return found
