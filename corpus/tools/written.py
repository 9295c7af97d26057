"""Assemble corpus/trainN.jsonl from the hand-written messages in corpus/tools/trainN_src/.

Used for train4.jsonl and every later writer's file. Every ``*.txt`` file of the source folder
holds messages separated by header lines::

    %% intent[+also[+also]] [!] [tag ...] [hw] [+q] [+s] [+r]
    subject (a lone ``~`` stands for an empty subject)
    body lines ...

- ``!`` marks the mail angry.
- tags are the GUIDELINES tags written by hand; ``english``, ``halfwidth`` and ``long`` are
  derived from the buyer's own text instead, so they cannot drift from it.
- ``hw`` turns the katakana of the subject and body into half-width kana (a phone IME habit).
- ``+q`` appends one of the shop's earlier mails below the text, quoted in the style of a
  randomly chosen mailer (tag ``quoted``); ``+s`` appends a signature (tag ``signature``);
  ``+r`` frames the text as an Amazon buyer-seller relay mail (tag ``relay``).
- placeholders ``{oid}`` (order id), ``{oidw}`` (full-width order id), ``{oidb}`` (order id
  written with ``ー``), ``{trk}`` (12-digit parcel number), ``{trk4}`` (the same, grouped
  4-4-4), ``{jp}`` (international post number), ``{num}`` (shop order number), ``{name}`` and
  ``{sei}`` (a fictional buyer) are filled per message with made-up values; a placeholder
  used twice in one message gets the same value.

Output order and every filled value come from fixed seeds (derived from N), so the file is
rebuilt byte for byte; ids are ``tN-0001``…. Run from the repository root::

    PYTHONPATH=. .venv/bin/python corpus/tools/written.py train4
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
CORPUS = TOOLS.parent
sys.path.insert(0, str(TOOLS.parents[1]))  # the repository, for bot.intents

from bot.intents import CORPUS_TAGS, INTENTS  # noqa: E402

TAG_ORDER = list(CORPUS_TAGS)
# Derived tags may also be written in a header, as a claim the builder checks.
DERIVED_TAGS = {"english", "halfwidth", "long"}
HAND_TAGS = set(CORPUS_TAGS) - DERIVED_TAGS
FLAGS = {"!", "hw", "+q", "+s", "+r", "amb"}
LONG_CHARS = 200
PROBLEMS: list[str] = []  # failed claims, reported together

HALFWIDTH_RE = re.compile(r"[\uff61-\uff9f]")
QUOTE_RE = re.compile(r"^(>|-----Original Message-----|差出人: |-+ ?Forwarded message)", re.M)
JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")


def _halfwidth_table() -> dict[str, str]:
    """Full-width katakana (and the long-vowel mark, 「」、。・) to their half-width forms."""
    table: dict[str, str] = {}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1 and full not in table:
            table[full] = half
    voiced = {"\u3099": "\uff9e", "\u309a": "\uff9f"}
    for code in range(0x30A1, 0x30FB):
        full = chr(code)
        if full in table:
            continue
        parts = unicodedata.normalize("NFD", full)
        if len(parts) == 2 and parts[0] in table and parts[1] in voiced:
            table[full] = table[parts[0]] + voiced[parts[1]]
    return table


HALF = _halfwidth_table()


def to_halfwidth(text: str) -> str:
    """Katakana and its punctuation written the way old phone IMEs send them."""
    return "".join(HALF.get(ch, ch) if "\u30a1" <= ch <= "\u30fc" else ch for ch in text)


# ---------------------------------------------------------------- made-up values

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
    "松本",
]
MEI = ["太郎", "花子", "一郎", "由美", "健太", "さくら", "誠", "美咲", "翔", "恵子", "大輔", "陽子"]
FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def fill(text: str, values: dict[str, str], rng: random.Random) -> str:
    """Replace the placeholders, drawing each one once per message."""

    def value(key: str) -> str:
        if key in values:
            return values[key]
        if key in ("oid", "oidw", "oidb"):
            base = values.setdefault(
                "_oid", f"{rng.choice(['249', '250', '503'])}-{_digits(rng, 7)}-{_digits(rng, 7)}"
            )
            out = {"oid": base, "oidw": base.translate(FW), "oidb": base.replace("-", "ー")}[key]
        elif key in ("trk", "trk4"):
            base = values.setdefault("_trk", rng.choice("3456") + _digits(rng, 11))
            out = base if key == "trk" else f"{base[:4]}-{base[4:8]}-{base[8:]}"
        elif key == "jp":
            out = f"{rng.choice(['EJ', 'RR', 'LX', 'CP'])}{_digits(rng, 9)}JP"
        elif key == "num":
            out = f"{rng.choice(['', 'A', 'MS-', '2026'])}{_digits(rng, 6)}"
        elif key in ("sei", "name"):
            sei = values.setdefault("_sei", rng.choice(SEI))
            mei = values.setdefault("_mei", rng.choice(MEI))
            out = sei if key == "sei" else f"{sei} {mei}"
        else:
            raise ValueError(f"unknown placeholder {{{key}}}")
        values[key] = out
        return out

    return re.sub(r"\{(\w+)\}", lambda m: value(m.group(1)), text)


# ---------------------------------------------------------------- wrappers

SIGNATURES = [
    "\n\n--\n{name}\n〒100-0000 東京都千代田区架空町1-2-3\nTEL 03-0000-0000",
    "\n\n━━━━━━━━━━━━━━\n{name}\nmail: buyer@example.jp\n━━━━━━━━━━━━━━",
    "\n\niPhoneから送信",
    "\n\n------------------------------\n株式会社サンプル商事 総務部\n{name}\n〒530-0000 大阪府大阪市北区見本町4-5-6\nTEL 06-0000-0000 / FAX 06-0000-0001\n------------------------------",
    "\n\nAndroidのGmailから送信",
    "\n\n{sei}\n090-0000-0000",
    "\n\n＊＊＊＊＊＊＊＊＊＊＊＊＊＊\n　{name}\n　〒060-0000 札幌市中央区例題通7丁目\n＊＊＊＊＊＊＊＊＊＊＊＊＊＊",
    "\n\n--\n{name} (Sample Design Office)\n1-2-3 Kasou-cho, Minato-ku, Tokyo 100-0000\nbuyer@example.jp",
    "\n\nSent from my iPhone",
    "\n\n/////////////////////////\n合同会社テスト企画\n経理担当 {sei}\nTEL: 092-000-0000\n/////////////////////////",
    "\n\nauのメールアプリから送信",
    "\n\n{name}\n（このメールは携帯から送っています）",
]

ENGLISH_SIGNATURES = [
    "\n\nSent from my iPhone",
    "\n\n--\n{name}\nbuyer@example.jp",
    "\n\nBest,\nAlex Sample\nTokyo",
    "\n\n--\nJordan Example | Sample Trading K.K.\nTel 03-0000-0000",
]

# The shop's earlier mails a buyer may be answering. Labels never depend on them.
SHOP_MAILS = [
    (
        "ご注文ありがとうございます",
        "{sei}様\nこの度はご注文いただき誠にありがとうございます。\n"
        "ご注文番号：{oid}\n商品は2〜3営業日以内に発送いたします。\nサンプル雑貨店",
    ),
    (
        "発送完了のお知らせ",
        "本日、ご注文の商品を発送いたしました。\n配送業者：ヤマト運輸\n"
        "お問い合わせ伝票番号：{trk}\n到着まで今しばらくお待ちください。",
    ),
    (
        "お問い合わせの件",
        "お問い合わせいただきありがとうございます。\n"
        "担当者より改めてご連絡いたしますので、少々お待ちくださいませ。",
    ),
    (
        "【重要】ご注文内容のご確認",
        "ご注文番号 {oid} につきまして、ご登録のご住所に不備がございました。\n"
        "お手数ですが、正しいご住所をご返信ください。",
    ),
    (
        "Your order has shipped",
        "Hello,\nYour order {oid} has been shipped with Japan Post.\n"
        "Tracking: {jp}\nThank you for shopping with us.",
    ),
    (
        "お支払いのお願い",
        "ご注文番号 {oid} のお支払いが確認できておりません。\n"
        "お支払い期限：12月4日\nご不明点はお気軽にお問い合わせください。",
    ),
]

QUOTE_HEADERS = [
    "2026年11月{d}日({w}) 10:{m} サンプル雑貨店 <shop@example.jp>:",
    "{d}/11/2026 9:{m}、サンプル雑貨店 さんは書きました:",
    "On Mon, Nov {d}, 2026 at 3:{m} PM Sample Shop <shop@example.jp> wrote:",
]


def quoted(rng: random.Random, values: dict[str, str], reply_to: str) -> str:
    """One earlier shop mail, quoted the way Gmail, Thunderbird or Outlook would."""
    subject, text = rng.choice(SHOP_MAILS)
    for known, known_text in SHOP_MAILS:  # a "Re:" subject names the mail being answered
        if reply_to.endswith(known):
            subject, text = known, known_text
    text = fill(text, values, rng)
    d, m = rng.randint(10, 29), f"{rng.randint(0, 59):02d}"
    w = "月火水木金土日"[d % 7]
    style = rng.randrange(4)
    if style == 3:
        return (
            "\n\n差出人: サンプル雑貨店 <shop@example.jp>\n"
            f"送信日時: 2026年11月{d}日 14:{m}\n宛先: buyer@example.jp\n件名: {subject}\n\n{text}"
        )
    header = QUOTE_HEADERS[style].format(d=d, m=m, w=w)
    body = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
    return f"\n\n{header}\n{body}"


RELAY_FRAMES = [
    (
        "Amazon.co.jp を通じて、購入者様からメッセージが届きました。\n"
        "注文番号: {oid}\n-------------- メッセージ --------------\n",
        "\n-----------------------------------------\n"
        "このメッセージへの返信は Amazon.co.jp を経由して購入者様に送信されます。",
    ),
    (
        "{name} 様から次のメッセージが送信されました (注文番号 {oid}):\n\n",
        "\n\n--- このメールは Amazon マーケットプレイスのメッセージ機能から送信されています ---",
    ),
    (
        "【購入者からの問い合わせ】\n購入者: {name}\n注文番号: {oid}\n\n",
        "\n\n※ Amazon.co.jp 購入者-出品者間メッセージ",
    ),
]


def relay(rng: random.Random, values: dict[str, str], text: str) -> str:
    head, tail = rng.choice(RELAY_FRAMES)
    return fill(head, values, rng) + text + fill(tail, values, rng)


# ---------------------------------------------------------------- parsing


def parse(path: Path) -> list[dict[str, object]]:
    """The messages of one source file, in order, with their header fields."""
    blocks: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) < 2:
            raise ValueError(f"{path.name}:{current['line']}: needs a subject and a body")
        subject = lines[0].strip()
        current["subject"] = "" if subject == "~" else subject
        current["body"] = "\n".join(lines[1:]).strip("\n")
        blocks.append(current)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.startswith("%% "):
            close()
            words = raw[3:].split()
            labels = words[0].split("+")
            intent, also = labels[0], labels[1:]
            flags = [w for w in words[1:] if w in FLAGS]
            tags = [w for w in words[1:] if w not in FLAGS]
            for label in labels:
                if label not in INTENTS:
                    raise ValueError(f"{path.name}:{number}: unknown intent {label!r}")
            for tag in tags:
                if tag not in HAND_TAGS | DERIVED_TAGS:
                    raise ValueError(f"{path.name}:{number}: unknown tag {tag!r}")
            current = {
                "file": path.name,
                "line": number,
                "intent": intent,
                "also": also,
                "flags": flags,
                "tags": tags,
            }
            lines = []
        elif current is not None:
            lines.append(raw)
        elif raw.strip() and not raw.startswith("#"):
            raise ValueError(f"{path.name}:{number}: text before the first header")
    close()
    return blocks


def render(block: dict[str, object], rng: random.Random) -> dict[str, object]:
    """One corpus record from a parsed block."""
    values: dict[str, str] = {}
    flags = set(block["flags"])  # type: ignore[arg-type]
    tags = set(block["tags"]) - DERIVED_TAGS  # type: ignore[operator]
    subject = fill(str(block["subject"]), values, rng)
    own = fill(str(block["body"]), values, rng)
    if "hw" in flags:
        subject, own = to_halfwidth(subject), to_halfwidth(own)
    if HALFWIDTH_RE.search(own) or HALFWIDTH_RE.search(subject):
        tags.add("halfwidth")
    if QUOTE_RE.search(own):
        tags.add("quoted")
    if not JAPANESE_RE.search(own):
        tags.add("english")
    if len(own) >= LONG_CHARS:
        tags.add("long")
    for claim in DERIVED_TAGS & set(block["tags"]):  # type: ignore[arg-type]
        if claim not in tags:
            PROBLEMS.append(f"{block['file']}:{block['line']}: not {claim} ({len(own)} chars)")
    if "+r" in flags:
        body = relay(rng, values, own)
        tags.add("relay")
    else:
        body = own
    if "+s" in flags:
        pool = ENGLISH_SIGNATURES if "english" in tags else SIGNATURES
        body += fill(rng.choice(pool), values, rng)
        tags.add("signature")
    if "+q" in flags:
        body += quoted(rng, values, subject)
        tags.add("quoted")
    record: dict[str, object] = {
        "id": "",
        "subject": subject,
        "body": body,
        "intent": block["intent"],
    }
    if block["also"]:
        record["also"] = list(block["also"])  # type: ignore[call-overload]
    record["angry"] = "!" in flags
    ordered = [t for t in TAG_ORDER if t in tags]
    if ordered:
        record["tags"] = ordered
    return record


def build(name: str) -> list[dict[str, object]]:
    """The records of corpus/NAME.jsonl, from corpus/tools/NAME_src/*.txt."""
    number = int(name.removeprefix("train"))
    prefix = f"t{number}"
    blocks: list[dict[str, object]] = []
    for path in sorted((TOOLS / f"{name}_src").glob("*.txt")):
        blocks.extend(parse(path))
    records = []
    for block in blocks:
        rng = random.Random(f"{prefix}|{block['file']}|{block['subject']}|{block['body']}")
        records.append(render(block, rng))
    random.Random(number * 1001).shuffle(records)
    for index, record in enumerate(records, 1):
        record["id"] = f"{prefix}-{index:04d}"
    return records


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not re.fullmatch(r"train\d+", argv[0]):
        print("usage: written.py trainN   (reads corpus/tools/trainN_src/*.txt)", file=sys.stderr)
        return 2
    records = build(argv[0])
    if PROBLEMS:
        print("\n".join(PROBLEMS), file=sys.stderr)
        return 1
    out_path = CORPUS / f"{argv[0]}.jsonl"
    with out_path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} messages to {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
