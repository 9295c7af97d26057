"""Hand-written frames the builder puts around some messages: quoted earlier mail in the
forms Japanese mailers produce, signatures, and the Amazon relay frame."""

from __future__ import annotations

import datetime as dt
import random
import re

QUOTE_MARK = re.compile(
    r"^(>|＞)|書きました:|のメール:|のメッセージ:|差出人:|Original Message|wrote:|Forwarded message",
    re.M,
)

WD_JA = "月火水木金土日"
WD_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

# (subject, text) of mails the shop sent earlier; placeholders are filled per message.
SHOP_MAILS_JA = [
    (
        "【{shop}】商品発送のお知らせ",
        "{sei} 様\n\nこの度は{shop}をご利用いただき、誠にありがとうございます。\n"
        "ご注文の商品を本日発送いたしました。\n\n注文番号：{oid_std}\n配送業者：ヤマト運輸\n"
        "お問い合わせ伝票番号：{trk_plain}\n\nお届けまで今しばらくお待ちくださいませ。\n\n{shop} カスタマーサポート",
    ),
    (
        "ご注文ありがとうございます（{shop}）",
        "{sei} {mei} 様\n\nご注文ありがとうございます。以下の内容でご注文を承りました。\n\n"
        "■注文番号：{oid_std}\n■商品名：{item}\n■数量：1\n■お支払い方法：クレジットカード\n"
        "■発送予定：ご注文から3〜5営業日以内\n\n発送が完了しましたら改めてご連絡いたします。",
    ),
    (
        "Re: お問い合わせの件",
        "{sei}様\n\nお問い合わせいただきありがとうございます。{shop}でございます。\n"
        "ご連絡いただいた件につきまして、現在担当部署にて確認しております。\n"
        "確認が取れ次第、改めてご連絡いたします。\n今しばらくお待ちくださいますようお願い申し上げます。",
    ),
    (
        "【{shop}】出荷準備のご案内",
        "{sei}様\n\nいつも{shop}をご利用いただきありがとうございます。\n"
        "ご注文いただいた{item}は現在出荷準備中です。\n海外倉庫からの発送のため、お届けまで7〜14日ほどかかります。\n"
        "ご理解のほどよろしくお願いいたします。",
    ),
    (
        "Re: 注文について",
        "{sei} 様\n\nご連絡ありがとうございます。{shop}の担当でございます。\n"
        "ご不明な点がございましたら、お気軽にお問い合わせください。\n\n{shop}",
    ),
    (
        "発送遅延のお詫び",
        "{sei}様\n\nこの度はご注文いただき誠にありがとうございます。\n"
        "大変申し訳ございませんが、入荷遅れのため発送が{d_later}頃になる見込みです。\n"
        "ご迷惑をおかけし申し訳ございません。",
    ),
]

SHOP_MAILS_EN = [
    (
        "Your order has shipped",
        "Hello {en_first},\n\nThank you for your order. Your package has shipped.\n\n"
        "Order: {oid_std}\nCarrier: Japan Post\nTracking: {trk_plain}\n\nBest regards,\n{shop}",
    ),
    (
        "Re: Your message",
        "Dear {en_first},\n\nThank you for contacting {shop}. We are checking your request and will "
        "get back to you shortly.\n\nKind regards,\n{shop} Customer Support",
    ),
    (
        "ご注文ありがとうございます（{shop}）",
        "{en_name} 様\n\nご注文ありがとうございます。\n注文番号：{oid_std}\n発送予定：3〜5営業日以内",
    ),
]

BUYER_EARLIER_JA = [
    "{shop} ご担当者様\n\n注文番号{oid_std}の件でご連絡いたしました。\nお手数ですがご確認をお願いいたします。\n\n{sei}",
    "お世話になります。{sei}です。\n先日注文した{item}の件で問い合わせしています。\nお返事お待ちしています。",
]


def _when(rng: random.Random, base: dt.date) -> dt.datetime:
    day = base + dt.timedelta(days=rng.randrange(0, 4))
    return dt.datetime(
        day.year, day.month, day.day, rng.randrange(8, 23), rng.choice([0, 5, 12, 21, 34, 47, 58])
    )


def _prefix(text: str, mark: str) -> str:
    return "\n".join(mark + line if line else mark.rstrip() for line in text.splitlines())


def quote(rng: random.Random, en: bool, base: dt.date) -> tuple[str, str, str]:
    """A reply header, the quoted earlier mail (sent a few days after `base`) and its subject."""
    t = _when(rng, base)
    wd = WD_JA[t.weekday()]
    if en:
        subject, text = rng.choice(SHOP_MAILS_EN)
        form = rng.choice(["gmail_en", "outlook_en", "gmail_en", "iphone_en"])
        if form == "gmail_en":
            hour = t.strftime("%I:%M %p").lstrip("0")
            head = f"On {WD_EN[t.weekday()]}, {t.strftime('%b')} {t.day}, {t.year} at {hour} {{shop}} <{{shopmail}}> wrote:"
            return head, _prefix(text, "> "), subject
        if form == "iphone_en":
            head = f"> On {t.strftime('%b')} {t.day}, {t.year}, at {t.strftime('%H:%M')}, {{shop}} <{{shopmail}}> wrote:\n>"
            return head, _prefix(text, "> "), subject
        head = (
            f"-----Original Message-----\nFrom: {{shop}} <{{shopmail}}>\n"
            f"Sent: {WD_EN[t.weekday()]}, {t.strftime('%B')} {t.day}, {t.year} {t.strftime('%I:%M %p')}\n"
            f"To: {{mail}}\nSubject: {subject}"
        )
        return head, text, subject
    if rng.random() < 0.15:
        text = rng.choice(BUYER_EARLIER_JA)
        subject = "注文についてのお問い合わせ"
        sender, sender_name = "{name_sp} <{mail}>", "{name_sp}"
    else:
        subject, text = rng.choice(SHOP_MAILS_JA)
        sender, sender_name = "{shop} <{shopmail}>", "{shop}"
    form = rng.choice(
        [
            "gmail",
            "gmail",
            "gmail_fw",
            "gmail_noname",
            "outlook",
            "outlook_rule",
            "thunderbird",
            "thunderbird_msg",
            "iphone",
            "fwquote",
            "original",
        ]
    )
    hm = t.strftime("%H:%M")
    if form == "gmail":
        return f"{t.year}年{t.month}月{t.day}日({wd}) {hm} {sender}:", _prefix(text, "> "), subject
    if form == "gmail_fw":
        return (
            f"{t.year}年{t.month}月{t.day}日（{wd}） {hm} {sender}:",
            _prefix(text, "> "),
            subject,
        )
    if form == "gmail_noname":
        return (
            f"{t.year}年{t.month}月{t.day}日({wd}) {hm} <{sender.split('<')[1]}:",
            _prefix(text, ">"),
            subject,
        )
    if form == "outlook":
        head = (
            f"________________________________\n差出人: {sender}\n"
            f"送信日時: {t.year}年{t.month}月{t.day}日 {hm}\n宛先: {{mail}}\n件名: {subject}"
        )
        return head, text, subject
    if form == "outlook_rule":
        head = (
            f"ーーーーーーーーーーーーーーーーーーーー\n差出人: {sender}\n"
            f"送信日時: {t.year}年{t.month}月{t.day}日({wd}) {hm}\n宛先: {{name_sp}}\n件名: {subject}"
        )
        return head, text, subject
    if form == "thunderbird":
        return (
            f"{t.year}/{t.month:02d}/{t.day:02d} {hm} に {sender} さんは書きました:",
            _prefix(text, "> "),
            subject,
        )
    if form == "thunderbird_msg":
        return (
            f"{t.year}-{t.month:02d}-{t.day:02d} ({wd}) の {hm} +0900 に {sender_name} さんは書きました:",
            _prefix(text, "> "),
            subject,
        )
    if form == "iphone":
        return (
            f"{t.year}/{t.month:02d}/{t.day:02d} {hm}、{sender}のメール:\n>",
            _prefix(text, "> "),
            subject,
        )
    if form == "fwquote":
        return (
            f"{t.month}月{t.day}日 {hm} {sender_name} のメッセージ:",
            _prefix(text, "＞"),
            subject,
        )
    head = (
        f"-----Original Message-----\nFrom: {sender}\nSent: {t.year}/{t.month:02d}/{t.day:02d} {hm}\n"
        f"To: {{mail}}\nSubject: {subject}"
    )
    return head, text, subject


SIGS_JA_PLAIN = [
    "iPhoneから送信",
    "iPhoneから送信",
    "iPadから送信",
    "Sent from my iPhone",
    "--\n{name}",
    "--\n{name_sp}\n{mail}",
    "━━━━━━━━━━━━━━━━━━\n{name_sp}\n{zip} {addr}\nTEL {tel}\n━━━━━━━━━━━━━━━━━━",
    "＝＝＝＝＝＝＝＝＝＝＝＝＝＝＝\n{name}\nMail: {mail}\n＝＝＝＝＝＝＝＝＝＝＝＝＝＝＝",
    "----------------------------\n{sei} {mei}\n携帯：{tel}\n----------------------------",
    "――――――――――――――――\n{name_sp}（{zip}）\n{addr}\n――――――――――――――――",
]
SIGS_JA_FORMAL = [
    "――――――――――――――――――――\n{company} 総務部\n{name_sp}\n{zip} {addr}\nTEL：{tel}　FAX：03-0000-0001\nMail：{mail}\n――――――――――――――――――――",
    "━━━━━━━━━━━━━━━━━━━━━\n{company}\n購買担当　{name_sp}\n{zip}\n{addr}\nTEL {tel}\nhttps://www.example.jp/\n━━━━━━━━━━━━━━━━━━━━━",
    "*************************************\n{name_sp}\n{zip} {addr}\n電話 {tel}\n*************************************",
]
SIGS_EN = [
    "Sent from my iPhone",
    "--\n{en_name}",
    "--\n{en_name}\n{mail}",
    "Get Outlook for iOS",
    "----\n{en_name}\n{zip} {addr}\nTel: {tel}",
]


def signature(rng: random.Random, en: bool, formal: bool) -> str:
    if en:
        return rng.choice(SIGS_EN)
    if formal and rng.random() < 0.5:
        return rng.choice(SIGS_JA_FORMAL)
    return rng.choice(SIGS_JA_PLAIN)


RELAY_JA = [
    "Amazon.co.jp を通じて、{name_sp} 様からメッセージが届きました。\n\n注文番号: {oid_std}\n\n"
    "------------- メッセージ: -------------\n\n{body}\n\n------------- メッセージの終了 -------------\n\n"
    "このメッセージに返信すると、Amazon.co.jp を通じて購入者に送信されます。",
    "{sei} 様から Amazon.co.jp のマーケットプレイスを通じてメッセージが届きました：\n\n"
    "注文番号 {oid_std}\n商品名: {item}\n\n{body}\n\n"
    "-----\nこのEメールアドレスは購入者とのやり取り専用です。",
    "[Amazon.co.jp] 購入者からのお問い合わせ\n購入者: {sei} 様\n注文番号: {oid_std}\n"
    "──────────────\n{body}\n──────────────",
    "Amazon.co.jp を通じて {name_sp} さんからメッセージが届きました\n\n"
    "------------- メッセージ: -------------\n{body}\n------------- メッセージの終了 -------------",
]
RELAY_EN = [
    "You have received a message from Amazon customer {en_name} via Amazon.co.jp.\n\n"
    "Order ID: {oid_std}\n\n------------- Message: -------------\n\n{body}\n\n"
    "------------- End message -------------",
    "Amazon.co.jp を通じて、{en_name} 様からメッセージが届きました。\n\n注文番号: {oid_std}\n\n"
    "------------- メッセージ: -------------\n\n{body}\n\n------------- メッセージの終了 -------------",
]


def relay(rng: random.Random, en: bool) -> tuple[str, str]:
    """The text before and after the buyer's message in an Amazon relay frame."""
    head, tail = rng.choice(RELAY_EN if en else RELAY_JA).split("{body}")
    return head, tail
