"""The default carrier registry: names, number formats, check digits and tracking pages.

The seller's own carrier names and tracking-URL templates (settings) take precedence; this
table is the fallback. Check digits are verified only where the rule is known
(``domain.md`` §4); elsewhere :func:`check_digit_ok` answers ``None`` ("cannot tell").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Carrier:
    """One carrier as the desk talks about it."""

    code: str
    name_ja: str
    name_en: str
    name_zh: str
    tracking_url: str | None
    domestic: bool


CARRIERS: Final[dict[str, Carrier]] = {
    c.code: c
    for c in (
        Carrier(
            "yamato",
            "ヤマト運輸",
            "Yamato Transport",
            "大和运输",
            "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01={n}",
            True,
        ),
        Carrier(
            "sagawa",
            "佐川急便",
            "Sagawa Express",
            "佐川急便",
            "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo={n}",
            True,
        ),
        Carrier(
            "japanpost",
            "日本郵便",
            "Japan Post",
            "日本邮政",
            "https://trackings.post.japanpost.jp/services/srv/search/direct"
            "?reqCodeNo1={n}&searchKind=S002&locale=ja",
            True,
        ),
        Carrier(
            "seino",
            "西濃運輸",
            "Seino Transportation",
            "西浓运输",
            "https://track.seino.co.jp/cgi-bin/gnpquery.pgm?GNPNO1={n}",
            True,
        ),
        Carrier(
            "fukuyama",
            "福山通運",
            "Fukuyama Transporting",
            "福山通运",
            "https://corp.fukutsu.co.jp/situation/tracking_no_hunt/{n}",
            True,
        ),
        Carrier(
            "yunexpress",
            "YunExpress",
            "YunExpress",
            "云途物流",
            "https://www.yuntrack.com/parcelTracking?id={n}",
            False,
        ),
        Carrier(
            "yanwen",
            "Yanwen（燕文物流）",
            "Yanwen",
            "燕文物流",
            "https://track.yw56.com.cn/en/querydel?nums={n}",
            False,
        ),
        Carrier("4px", "4PX", "4PX", "递四方", "https://track.4px.com/#/result/0/{n}", False),
        Carrier(
            "cainiao",
            "Cainiao（菜鳥）",
            "Cainiao",
            "菜鸟",
            "https://global.cainiao.com/detail.htm?mailNoList={n}",
            False,
        ),
        Carrier(
            "sf",
            "SFエクスプレス",
            "SF Express",
            "顺丰速运",
            "https://www.sf-express.com/jp/ja/dynamic_function/waybill/#search/bill-number/{n}",
            False,
        ),
        Carrier("other", "配送業者", "the carrier", "承运商", None, True),
    )
}

# Names sellers and buyers use, folded with NFKC and lower-cased, mapped to a carrier code.
_ALIASES: Final[dict[str, str]] = {
    "yamato": "yamato",
    "ヤマト": "yamato",
    "ヤマト運輸": "yamato",
    "クロネコヤマト": "yamato",
    "クロネコ": "yamato",
    "宅急便": "yamato",
    "yamato transport": "yamato",
    "黒猫": "yamato",
    "sagawa": "sagawa",
    "佐川": "sagawa",
    "佐川急便": "sagawa",
    "sagawa express": "sagawa",
    "飛脚宅配便": "sagawa",
    "japanpost": "japanpost",
    "japan post": "japanpost",
    "jp post": "japanpost",
    "日本郵便": "japanpost",
    "郵便局": "japanpost",
    "ゆうパック": "japanpost",
    "ゆうパケット": "japanpost",
    "ゆうメール": "japanpost",
    "ems": "japanpost",
    "国際郵便": "japanpost",
    "jppost": "japanpost",
    "クリックポスト": "japanpost",
    "seino": "seino",
    "西濃": "seino",
    "西濃運輸": "seino",
    "カンガルー便": "seino",
    "fukuyama": "fukuyama",
    "福山": "fukuyama",
    "福山通運": "fukuyama",
    "yunexpress": "yunexpress",
    "yun express": "yunexpress",
    "云途": "yunexpress",
    "云途物流": "yunexpress",
    "yanwen": "yanwen",
    "燕文": "yanwen",
    "燕文物流": "yanwen",
    "4px": "4px",
    "递四方": "4px",
    "cainiao": "cainiao",
    "菜鳥": "cainiao",
    "菜鸟": "cainiao",
    "sf": "sf",
    "sf express": "sf",
    "順豊": "sf",
    "顺丰": "sf",
    "sfエクスプレス": "sf",
    "other": "other",
    "その他": "other",
}

# Public view of the alias table, for finding carrier names in free text.
CARRIER_ALIASES: Final[dict[str, str]] = _ALIASES

_S10 = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def carrier_code(name: str) -> str | None:
    """Map a carrier name as people write it (``ヤマト運輸``, ``Japan Post``) to its code."""
    folded = _fold(name)
    if folded in _ALIASES:
        return _ALIASES[folded]
    for alias, code in _ALIASES.items():
        if len(alias) >= 2 and alias in folded and not alias.isascii():
            return code
    return None


def normalize_number(number: str) -> str:
    """Tracking number without spaces and hyphens, full-width folded, letters upper-cased."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", number)).upper()


def _mod7_ok(digits: str) -> bool:
    return int(digits[:-1]) % 7 == int(digits[-1])


def s10_check_digit(serial8: str) -> int:
    """UPU S10 check digit of the eight serial digits."""
    remainder = sum(int(d) * w for d, w in zip(serial8, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 5
    if remainder == 1:
        return 0
    return 11 - remainder


def is_s10(number: str) -> bool:
    """True for a well-formed UPU S10 number with a correct check digit."""
    n = normalize_number(number)
    return bool(_S10.match(n)) and s10_check_digit(n[2:10]) == int(n[10])


def check_digit_ok(carrier: str, number: str) -> bool | None:
    """Whether ``number`` is well formed for ``carrier``; ``None`` when no rule is known."""
    n = normalize_number(number)
    if _S10.match(n):
        return is_s10(n)
    if carrier in ("yamato", "sagawa"):
        return n.isdigit() and len(n) == 12 and _mod7_ok(n)
    if carrier == "japanpost":
        if not n.isdigit() or not 11 <= len(n) <= 13:
            return False
        return _mod7_ok(n) if len(n) == 12 else None
    if carrier == "yunexpress":
        return bool(re.fullmatch(r"YT\d{16}", n))
    return None


def tracking_url(carrier: str, number: str, overrides: dict[str, str] | None = None) -> str | None:
    """The public tracking page for a number: the seller's template first, then the registry."""
    n = normalize_number(number)
    template = (overrides or {}).get(carrier)
    if template is None and carrier in CARRIERS:
        template = CARRIERS[carrier].tracking_url
    if template is None:
        return None
    return template.replace("{n}", n)


def carrier_name(carrier: str, lang: str = "ja", overrides: dict[str, str] | None = None) -> str:
    """The carrier's name in ``lang`` (``ja``, ``en``, ``zh``); the seller's name wins for ``ja``."""
    if lang == "ja" and overrides and carrier in overrides:
        return overrides[carrier]
    entry = CARRIERS.get(carrier, CARRIERS["other"])
    return {"ja": entry.name_ja, "en": entry.name_en, "zh": entry.name_zh}.get(lang, entry.name_en)
