"""First keyword classifier: a placeholder seam until the measured classifier lands."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from bot.intents import AUTO_INTENTS
from bot.nlp.understanding import Understanding

_ORDER_ID = re.compile(r"(?<!\d)(\d{3})\s*[-－ー−‐]\s*(\d{7})\s*[-－ー−‐]\s*(\d{7})(?!\d)")
_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("not_received", ("届いていない", "届いておらず", "配達済み", "配達完了", "見当たら")),
    ("defective", ("壊れ", "破損", "不良", "動かない", "違う商品", "割れ")),
    ("cancel", ("キャンセル", "取り消し", "取消")),
    ("return_refund", ("返品", "返金", "交換")),
    ("change_order", ("変更", "住所")),
    ("invoice", ("領収書", "請求書", "インボイス")),
    ("payment", ("支払", "決済", "請求額", "二重")),
    ("shipping_status", ("発送", "届く", "いつ頃", "配送状況", "追跡", "到着")),
    ("product_question", ("サイズ", "仕様", "在庫", "対応", "使い方")),
    ("thanks", ("ありがとう", "受け取りました", "届きました")),
]
_ANGRY = ("評価", "Aからz", "a-z", "消費者センター", "返事がない", "返信がない", "ふざけ")


def classify(subject: str, text: str, *, mail_date: datetime | None = None) -> Understanding:
    """Pick the first intent whose keywords appear; confidence reflects only the match count."""
    body = unicodedata.normalize("NFKC", f"{subject}\n{text}")
    order_ids = ["-".join(m.groups()) for m in _ORDER_ID.finditer(body)]
    angry_words = [w for w in _ANGRY if w.lower() in body.lower()]
    intent, hits, confidence = "other", [], 0.3
    for rule_intent, words in _RULES:
        found = [w for w in words if w in body]
        if found:
            intent, hits, confidence = rule_intent, found, min(0.5 + 0.15 * len(found), 0.9)
            break
    angry = bool(angry_words)
    if intent == "thanks" and not angry:
        action = "none"
    elif intent in AUTO_INTENTS and confidence >= 0.65 and not angry:
        action = "auto"
    else:
        action = "handoff"
    return Understanding(
        intent=intent,
        confidence=confidence,
        angry=angry,
        action=action,
        order_ids=list(dict.fromkeys(order_ids)),
        evidence=hits + angry_words,
        claim_risk=angry,
    )
