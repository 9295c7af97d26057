"""Build corpus/train.jsonl from the hand-written messages in corpus/tools/train_src/.

Each source file holds blocks written by hand::

    ## <intent> [angry] [also:a,b] [tags:x,y] [hw] [noq] [nos] [nor]
    <subject, or "-" for an empty one>
    <body lines ...>

`hw` turns the katakana of that block into half-width kana; `noq`/`nos`/`nor` keep the
builder from wrapping it in a quoted earlier mail, a signature or the Amazon relay frame.
Placeholders such as {oid}, {trk}, {sei} are filled per message with fictional values, so
the same person, order and parcel appear consistently in the text, quote and signature.
A second source, `composed.py`, holds hand-written openers, asks and closers that are put
together in one register. Output is deterministic (fixed seed).

Run from the repository root::

    /work/venv/bin/python corpus/tools/build_train.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "train_src"
OUT = HERE.parent / "train.jsonl"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(HERE.parents[1]))  # the repository, for bot.intents

import composed  # noqa: E402
import wrappers  # noqa: E402

from bot.intents import CORPUS_TAGS  # noqa: E402
from bot.intents import INTENTS as ALL_INTENTS  # noqa: E402

INTENTS = set(ALL_INTENTS)
TAGS = set(CORPUS_TAGS)
FLAGS = {"angry", "hw", "noq", "nos", "nor", "amb"}


@dataclass
class Block:
    """One hand-written message before placeholders and wrappers are applied."""

    intent: str
    subject: str
    body: str
    source: str
    angry: bool = False
    also: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)


def parse_blocks(path: Path) -> list[Block]:
    """Read the `## intent ...` blocks of one source file."""
    blocks: list[Block] = []
    header: list[str] | None = None
    lines: list[str] = []

    def flush() -> None:
        if header is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            raise ValueError(f"{path.name}: empty block {header}")
        subject = "" if lines[0].strip() == "-" else lines[0].rstrip()
        body = "\n".join(lines[1:]).strip("\n")
        blk = Block(intent=header[0], subject=subject, body=body, source=path.name)
        for tok in header[1:]:
            if tok.startswith("also:"):
                blk.also = tok[5:].split(",")
            elif tok.startswith("tags:"):
                blk.tags = set(tok[5:].split(","))
            elif tok in FLAGS:
                blk.flags.add(tok)
            else:
                raise ValueError(f"{path.name}: unknown token {tok!r} in {header}")
        blk.angry = "angry" in blk.flags
        if path.name.startswith("en"):
            blk.tags.add("english")
        if blk.intent not in INTENTS or any(a not in INTENTS for a in blk.also):
            raise ValueError(f"{path.name}: bad intent in {header}")
        if not blk.tags <= TAGS:
            raise ValueError(f"{path.name}: bad tag in {header}")
        blocks.append(blk)

    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("## "):
            flush()
            header = raw[3:].split()
            lines = []
        elif raw.startswith("#") and header is None:
            continue  # file comment before the first block
        else:
            lines.append(raw)
    flush()
    return blocks


# ---------------------------------------------------------------- fictional values

SEI = [
    "山田",
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山本",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "森",
    "池田",
    "橋本",
]
MEI = [
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健太",
    "由美",
    "翔",
    "陽子",
    "大輔",
    "さくら",
    "誠",
    "恵子",
    "拓也",
    "直美",
    "修",
    "千尋",
    "和也",
    "静香",
    "浩二",
    "愛",
]
EN_NAMES = [
    "John Smith",
    "Emily Brown",
    "Michael Lee",
    "Sarah Johnson",
    "David Miller",
    "Anna Kowalski",
    "Chris Wong",
    "Laura Garcia",
    "Tom Baker",
    "Mei Chen",
]
SHOPS = [
    ("ヨツバ商店", "yotsuba"),
    ("KAZE STORE", "kaze-store"),
    ("ハルカ雑貨", "haruka"),
    ("Sunny Goods Japan", "sunnygoods"),
    ("ホシノ生活館", "hoshino"),
    ("Lumiere Home JP", "lumiere"),
    ("みどり家電ストア", "midori-denki"),
    ("TOKO Outdoor", "toko-outdoor"),
]
ITEMS = [
    "ワイヤレスイヤホン",
    "スマホケース",
    "LEDデスクライト",
    "収納ボックス",
    "電動歯ブラシ",
    "加湿器",
    "USB充電器",
    "保冷バッグ",
    "ヨガマット",
    "キャンプ用ランタン",
    "ペット用給水器",
    "ステンレスボトル",
    "Bluetoothスピーカー",
    "折りたたみ傘",
    "モバイルバッテリー",
    "電気ケトル",
    "ネックピロー",
    "キーボード",
    "ハンディファン",
    "ベビーモニター",
]
EN_ITEMS = [
    "wireless earbuds",
    "phone case",
    "desk lamp",
    "storage box",
    "humidifier",
    "USB charger",
    "yoga mat",
    "camping lantern",
    "water bottle",
    "power bank",
]
PRICES = [
    "1,980円",
    "2,480円",
    "3,280円",
    "3,980円",
    "4,580円",
    "5,980円",
    "7,800円",
    "12,800円",
    "980円",
    "6,490円",
]
# (postcode, address): fictional street names; the postcode prefix matches the city
ADDRESSES = [
    ("100-0000", "東京都千代田区サンプル町1-2-3"),
    ("530-0000", "大阪府大阪市北区テスト1-1-1 サンプルハイツ101"),
    ("460-0000", "愛知県名古屋市中区架空町2-3-4"),
    ("060-0000", "北海道札幌市中央区見本5-6-7"),
    ("812-0000", "福岡県福岡市博多区仮町8-9-10 メゾン例202"),
    ("220-0000", "神奈川県横浜市西区例示町3-3-3"),
    ("154-0000", "東京都世田谷区見本町4-5-6 コーポ例303"),
    ("330-0000", "埼玉県さいたま市浦和区仮町1-9-9"),
    ("606-0000", "京都府京都市左京区テスト通7-7"),
    ("650-0000", "兵庫県神戸市中央区架空2-2-2 例マンション5F"),
]


def check7(first11: str) -> str:
    """Yamato / Sagawa / Japan Post 12-digit numbers: last digit = first 11 mod 7."""
    return first11 + str(int(first11) % 7)


def s10(prefix: str, country: str, rng: random.Random) -> str:
    """A UPU S10 number with a correct check digit."""
    digits = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    r = total % 11
    check = 5 if r == 0 else 0 if r == 1 else 11 - r
    return f"{prefix}{digits}{check}{country}"


FW_TABLE = str.maketrans("0123456789-", "０１２３４５６７８９－")


def render_oid(digits: tuple[str, str, str], style: str) -> str:
    a, b, c = digits
    if style == "fw":
        return f"{a}-{b}-{c}".translate(FW_TABLE)
    if style == "fw_choon":
        return f"{a}ー{b}ー{c}".translate(FW_TABLE)
    if style == "choon":
        return f"{a}ー{b}ー{c}"
    if style == "minus":
        return f"{a}−{b}−{c}"
    if style == "hyphen":
        return f"{a}‐{b}‐{c}"
    if style == "space":
        return f"{a} {b} {c}"
    return f"{a}-{b}-{c}"


def render_trk(num: str, style: str) -> str:
    if len(num) == 12 and num.isdigit():
        if style == "dash":
            return f"{num[:4]}-{num[4:8]}-{num[8:]}"
        if style == "fw":
            return num.translate(FW_TABLE)
        if style == "fwdash":
            return f"{num[:4]}-{num[4:8]}-{num[8:]}".translate(FW_TABLE)
    return num


class Context:
    """Fictional facts for one message, filled lazily so each placeholder stays consistent."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sei = rng.choice(SEI)
        self.mei = rng.choice(MEI)
        self.en_name = rng.choice(EN_NAMES)
        self.shop, self.shop_slug = rng.choice(SHOPS)
        self.item = rng.choice(ITEMS)
        self.en_item = rng.choice(EN_ITEMS)
        self.oid_digits = (
            rng.choice(["249", "249", "250", "503"]),
            "".join(rng.choice("0123456789") for _ in range(7)),
            "".join(rng.choice("0123456789") for _ in range(7)),
        )
        self.oid_style = rng.choices(
            ["std", "fw", "fw_choon", "choon", "minus", "hyphen", "space"],
            weights=[70, 10, 3, 5, 5, 3, 2],
        )[0]
        self.trk_style = rng.choices(["plain", "dash", "fw", "fwdash"], weights=[60, 25, 8, 7])[0]
        base = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randrange(0, 40))
        self.d_order = base
        self.d_ship = base + dt.timedelta(days=rng.randrange(1, 4))
        self.d_later = self.d_ship + dt.timedelta(days=rng.randrange(2, 8))
        self.home, self.other = rng.sample(ADDRESSES, 2)
        self.cache: dict[str, str] = {}

    def oid(self) -> str:
        return render_oid(self.oid_digits, self.oid_style)

    def oid_std(self) -> str:
        return render_oid(self.oid_digits, "std")

    def value(self, key: str) -> str:
        if key in self.cache:
            return self.cache[key]
        rng = self.rng
        d11 = "".join(rng.choice("0123456789") for _ in range(11))
        d11 = str(rng.randrange(1, 10)) + d11[1:]
        simple = {
            "oid": self.oid,
            "oid_std": self.oid_std,
            "oid2": lambda: render_oid(
                (
                    self.oid_digits[0],
                    *("".join(rng.choice("0123456789") for _ in range(7)) for _ in range(2)),
                ),
                self.oid_style,
            ),
            "own": lambda: rng.choice(
                [
                    f"#{rng.randrange(10000, 99999)}",
                    f"ORD-2026{rng.randrange(1000, 9999)}",
                    f"{self.shop_slug.upper()[:3]}-{rng.randrange(100000, 999999)}",
                    f"{rng.randrange(2026110000, 2026129999)}",
                ]
            ),
            "trk": lambda: render_trk(check7(d11), self.trk_style),
            "trk_yamato": lambda: render_trk(check7(d11), self.trk_style),
            "trk_sagawa": lambda: render_trk(check7(d11), self.trk_style),
            "trk_jp": lambda: render_trk(check7(d11), self.trk_style),
            "trk_plain": lambda: check7(d11),
            "trk_ems": lambda: s10(rng.choice(["EB", "EJ", "EX"]), "JP", rng),
            "trk_cn": lambda: s10(rng.choice(["LX", "RR", "LY", "UA"]), "CN", rng),
            "trk_yt": lambda: "YT" + "".join(rng.choice("0123456789") for _ in range(16)),
            "sei": lambda: self.sei,
            "mei": lambda: self.mei,
            "name": lambda: self.sei + self.mei,
            "name_sp": lambda: f"{self.sei} {self.mei}",
            "en_name": lambda: self.en_name,
            "en_first": lambda: self.en_name.split()[0],
            "shop": lambda: self.shop,
            "shopmail": lambda: f"support@{self.shop_slug}.example.jp",
            "mail": lambda: (
                f"{rng.choice(['taro', 'hana', 'k.sato', 'yamachan', 'mm0123', 'nekoneko', 'ichiro.s'])}{rng.randrange(1, 99)}@example.jp"
            ),
            "item": lambda: self.item,
            "en_item": lambda: self.en_item,
            "price": lambda: rng.choice(PRICES),
            "d_order": lambda: f"{self.d_order.month}月{self.d_order.day}日",
            "d_ship": lambda: f"{self.d_ship.month}月{self.d_ship.day}日",
            "d_later": lambda: f"{self.d_later.month}月{self.d_later.day}日",
            "d_order_en": lambda: self.d_order.strftime("%B %-d"),
            "d_ship_en": lambda: self.d_ship.strftime("%B %-d"),
            "zip": lambda: "〒" + self.home[0],
            "addr": lambda: self.home[1],
            "zip2": lambda: "〒" + self.other[0],
            "addr2": lambda: self.other[1],
            "tel": lambda: rng.choice(
                ["03-0000-0000", "090-0000-0000", "080-0000-0000", "06-0000-0000"]
            ),
            "company": lambda: rng.choice(
                [
                    "株式会社サンプル商事",
                    "有限会社テスト工業",
                    "合同会社エグザンプル",
                    "株式会社見本デザイン",
                    "サンプル歯科クリニック",
                    "架空町内会",
                ]
            ),
        }
        if key not in simple:
            raise KeyError(key)
        val = simple[key]()
        self.cache[key] = val
        return val

    def fill(self, text: str) -> str:
        return re.sub(r"\{([a-z_0-9]+)\}", lambda m: self.value(m.group(1)), text)


# ---------------------------------------------------------------- half-width kana


def _build_hw_map() -> dict[str, str]:
    table: dict[str, str] = {}
    singles = [chr(c) for c in range(0xFF66, 0xFF9E)]
    for ch in singles:
        table.setdefault(unicodedata.normalize("NFKC", ch), ch)
    for ch in singles:
        for mark in ("\uff9e", "\uff9f"):
            full = unicodedata.normalize("NFKC", ch + mark)
            if len(full) == 1:
                table.setdefault(full, ch + mark)
    table["ー"] = "ｰ"
    table["・"] = "･"
    table["「"] = "｢"
    table["」"] = "｣"
    table["。"] = "｡"
    table["、"] = "､"
    return table


HW_MAP = _build_hw_map()


def to_halfwidth_kana(text: str, punct: bool) -> str:
    """Katakana (and optionally 。、「」) to the half-width forms older phones and PCs send."""
    out: list[str] = []
    for ch in text:
        if ch in "。、「」" and not punct:
            out.append(ch)
        elif ch == "ー" and not (out and HW_RE.match(out[-1][-1])):
            out.append(ch)  # a long-vowel mark after hiragana stays full-width
        else:
            out.append(HW_MAP.get(ch, ch))
    return "".join(out)


HW_RE = re.compile(r"[\uff61-\uff9f]")


# ---------------------------------------------------------------- assembly


def is_english(blk: Block) -> bool:
    return "english" in blk.tags


def make_record(blk: Block, rng: random.Random, wrap: dict[str, bool]) -> dict[str, object]:
    ctx = Context(rng)
    subject = ctx.fill(blk.subject)
    body = ctx.fill(blk.body)
    tags = set(blk.tags)
    en = is_english(blk)
    casual_ja = not en and bool({"casual", "phone"} & tags)
    has_kata = len(re.findall(r"[ァ-ヺ]", body)) >= 2
    if "hw" in blk.flags or (casual_ja and has_kata and rng.random() < 0.15):
        punct = rng.random() < 0.4
        body = to_halfwidth_kana(body, punct)
        if rng.random() < 0.6:
            subject = to_halfwidth_kana(subject, punct)
    if wrap.get("sig"):
        body = body + "\n\n" + ctx.fill(wrappers.signature(rng, en, formal="keigo" in tags))
        tags.add("signature")
    if wrap.get("quote"):
        head, quoted, qsubject = wrappers.quote(rng, en, ctx.d_order)
        body = body + "\n\n" + ctx.fill(head) + "\n" + ctx.fill(quoted)
        tags.add("quoted")
        if not subject.lower().startswith(("re:", "re：")):
            base = subject if subject and rng.random() < 0.4 else ctx.fill(qsubject)
            subject = ("Re: " if en or rng.random() < 0.7 else "RE: ") + base
    if wrap.get("relay"):
        head, tail = wrappers.relay(rng, en)
        body = ctx.fill(head) + body + ctx.fill(tail)
        tags.add("relay")
    if HW_RE.search(body) or HW_RE.search(subject):
        tags.add("halfwidth")
    if len(body) >= 400:
        tags.add("long")
    if blk.also and "amb" not in blk.flags:
        tags.add("multi")
    if en:
        tags.add("english")
        tags.discard("keigo")  # keigo names a Japanese register; formal English needs no tag
    rec: dict[str, object] = {"id": "", "subject": subject, "body": body, "intent": blk.intent}
    if blk.also:
        rec["also"] = blk.also
    rec["angry"] = blk.angry
    if tags:
        rec["tags"] = sorted(tags)
    return rec


def choose_wraps(blocks: list[Block], rng: random.Random) -> list[dict[str, bool]]:
    """Spread quotes, signatures and relay frames over all intents at random."""
    out = []
    for blk in blocks:
        w: dict[str, bool] = {}
        short = len(blk.body) < 25 or "phone" in blk.tags
        already_q = bool(wrappers.QUOTE_MARK.search(blk.body))
        already_relay = "relay" in blk.tags or "Amazon" in blk.body[:60]
        already_sig = "signature" in blk.tags
        intent_w = 0.5 if blk.intent == "other" else 1.0
        # long mails are usually part of a thread and signed: wrap them more often
        p_long = 0.35 if len(blk.body) >= 350 else 0.0
        if "noq" not in blk.flags and not already_q and rng.random() < 0.13 + p_long:
            w["quote"] = True
        if (
            "nos" not in blk.flags
            and not already_sig
            and rng.random() < (0.05 if short else 0.13 + p_long)
        ):
            w["sig"] = True
        if (
            "nor" not in blk.flags
            and not already_relay
            and not already_q
            and not w.get("quote")
            and "{own}" not in blk.body
            and rng.random() < 0.12 * intent_w
        ):
            w["relay"] = True
        out.append(w)
    return out


def main() -> None:
    rng = random.Random(20261120)
    blocks: list[Block] = []
    for path in sorted(SRC.glob("*.txt")):
        blocks.extend(parse_blocks(path))
    for intent, angry, also, tags, subject, body in composed.build(random.Random(7)):
        blocks.append(
            Block(
                intent=intent,
                subject=subject,
                body=body,
                source="composed",
                angry=angry,
                also=also,
                tags=set(tags),
            )
        )
    wraps = choose_wraps(blocks, rng)
    records = [make_record(b, rng, w) for b, w in zip(blocks, wraps, strict=True)]
    order = list(range(len(records)))
    rng.shuffle(order)
    with OUT.open("w", encoding="utf-8") as fh:
        for n, i in enumerate(order, 1):
            rec = records[i]
            rec["id"] = f"tr-{n:04d}"
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} messages to {OUT}")


if __name__ == "__main__":
    main()
