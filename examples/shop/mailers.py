"""How each mailer writes a message: the example shop's mails as data, turned into bytes.

An :class:`ExampleMail` says who wrote what, when, and with which mailer (Outlook, Becky!,
Gmail, iPhone, Apple Mail, Thunderbird, a webmail, a bulk sender, Postfix). :func:`build`
writes it the way that mailer does: its Message-ID and boundary style, its charset and
transfer encoding, its MIME shape. ``make_mails.py`` holds the texts.
"""

from __future__ import annotations

import base64
import hashlib
import html
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

from mime_writer import (
    CRLF,
    b_words,
    b_words_split_bytes,
    encode_text,
    header,
    mailbox,
    multipart,
    part,
    q_words,
    transfer_encode,
)
from tiny_jpeg import grey_blocks_jpeg

JST = timezone(timedelta(hours=9))
SHOP_NAME = "ミライ雑貨店"
SHOP_ADDRESS = "shop@mirai-zakka.example.jp"
SHOP_MX = "mx.mirai-zakka.example.jp"
RELAY = "marketplace.amazon.co.jp"


@dataclass(frozen=True)
class ExampleMail:
    """One buyer mail of the demo, as readable data.

    ``intent`` is what a person reading the mail would label it (``None``: the desk must not
    answer: auto-replies and bounces). ``shape`` picks the MIME structure; ``mailer`` picks
    the Message-ID, boundary and X-Mailer style. ``in_reply_to`` names an earlier file of
    the same list (see :func:`resolve_replies`) or gives a Message-ID outright.
    """

    file: str
    intent: str | None
    date: str
    sender: str
    name: str | None
    subject: str
    body: str
    charset: str = "utf-8"
    encoding: str = "base64"
    mailer: str = "webmail"
    shape: str = "plain"
    subject_form: str = "B"
    html: str | None = None
    in_reply_to: str | None = None
    extra_headers: tuple[tuple[str, str], ...] = ()


def relay(local: str) -> str:
    """An Amazon buyer relay address."""
    return f"{local}@{RELAY}"


def text(block: str) -> str:
    """A mail body written as an indented triple-quoted string, ending in one newline."""
    return textwrap.dedent(block).strip("\n") + "\n"


def quote(block: str, mark: str = "> ") -> str:
    """Quote every line of ``block`` the way mailers do (empty lines get a bare ``>``)."""
    return "".join(
        (mark + line if line else mark.rstrip()) + "\n" for line in text(block).splitlines()
    )


def gmail_html(new: str, attribution: str = "", quoted: str = "") -> str:
    """The text/html alternative Gmail writes next to a plain body (and its quote)."""
    lines = "<br>".join(html.escape(line) for line in new.rstrip("\n").split("\n"))
    out = f'<div dir="ltr">{lines}</div>'
    if attribution:
        inner = "<br>".join(html.escape(line) for line in quoted.rstrip("\n").split("\n"))
        out += (
            '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            f"{html.escape(attribution)}<br></div>"
            '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            f"{inner}</blockquote></div>"
        )
    return out + "\n"


def outlook_html(body: str) -> str:
    """The text/html alternative Outlook writes: one MsoNormal paragraph per line."""
    paragraphs = "\n".join(
        f'<p class="MsoNormal">{html.escape(line) or "&nbsp;"}<o:p></o:p></p>'
        for line in body.rstrip("\n").split("\n")
    )
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns="http://www.w3.org/TR/REC-html40">\n'
        '<head>\n<meta http-equiv="Content-Type" content="text/html; charset=iso-2022-jp">\n'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        "<style><!--\np.MsoNormal {margin:0mm; font-size:10.5pt; "
        'font-family:"游ゴシック",sans-serif;}\n--></style>\n</head>\n'
        '<body lang="JA" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n'
        f'<div class="WordSection1">\n{paragraphs}\n</div>\n</body>\n</html>\n'
    )


# --- How each mailer writes its envelope ----------------------------------------------------


def _digest(mail: ExampleMail) -> bytes:
    return hashlib.sha256(mail.file.encode("ascii")).digest()


def _hex(mail: ExampleMail, start: int, length: int) -> str:
    return _digest(mail).hex()[start : start + length]


def _uuid(mail: ExampleMail) -> str:
    h = _hex(mail, 0, 32).upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _when(mail: ExampleMail) -> datetime:
    return datetime.strptime(mail.date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=JST)


def message_id(mail: ExampleMail) -> str:
    """The Message-ID the mail's mailer would have given it (deterministic per file)."""
    when = _when(mail)
    utc = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    token = base64.b64encode(_digest(mail)).decode("ascii").replace("/", "_")[:40]
    styles: dict[str, Callable[[], str]] = {
        "gmail": lambda: f"<CA{token}@mail.gmail.com>",
        "outlook": lambda: (
            f"<000001db{_hex(mail, 0, 4)}${_hex(mail, 4, 8)}${_hex(mail, 12, 8)}$@example.ne.jp>"
        ),
        "iphone": lambda: f"<{_uuid(mail)}@example.jp>",
        "applemail": lambda: f"<{_uuid(mail)}@example.jp>",
        "thunderbird": lambda: f"<{_uuid(mail).lower()}@example.jp>",
        "becky": lambda: (
            f"<{when.strftime('%Y%m%d%H%M%S')}.{_hex(mail, 0, 4).upper()}."
            f"{_hex(mail, 4, 8).upper()}@example.ne.jp>"
        ),
        "webmail": lambda: (
            f"<{int(when.timestamp())}{_hex(mail, 0, 3).upper()}.{int(_hex(mail, 3, 4), 16)}"
            "@wm.example.ne.jp>"
        ),
        "bulk": lambda: f"<{utc}.{_hex(mail, 0, 12)}@{mail.sender.split('@')[1]}>",
        "postfix": lambda: f"<{utc}.{_hex(mail, 0, 10).upper()}@{SHOP_MX}>",
    }
    return styles[mail.mailer]()


def _boundary(mail: ExampleMail, salt: str = "") -> str:
    h = hashlib.sha256((mail.file + salt).encode("ascii")).hexdigest()
    return {
        "gmail": f"000000000000{h[:16]}",
        "outlook": f"----=_NextPart_000_{h[:4].upper()}_01DB{h[4:8].upper()}.{h[8:16].upper()}",
        "iphone": f"Apple-Mail-{h[:8].upper()}-{h[8:12].upper()}-{h[12:16].upper()}",
        "bulk": f"----=_Part_{int(h[:6], 16)}_{int(h[6:14], 16)}",
        "postfix": f"{h[:10].upper()}.{int(h[10:18], 16)}/{SHOP_MX}",
    }.get(mail.mailer, f"------------{h[:24]}")


def _mailer_headers(mail: ExampleMail) -> list[bytes]:
    lines = {
        "outlook": [b"X-Mailer: Microsoft Outlook 16.0", b"Content-Language: ja"],
        "iphone": [b"X-Mailer: iPhone Mail (22B83)"],
        "applemail": [b"X-Mailer: Apple Mail (2.3826.200.121)"],
        "thunderbird": [
            b"User-Agent: Mozilla Thunderbird",
            b"Content-Language: ja",
        ],
        "becky": [b"X-Mailer: Becky! ver. 2.81.06 [ja]"],
    }.get(mail.mailer, [])
    return [line + CRLF for line in lines]


def _mime_version(mail: ExampleMail) -> bytes:
    version = {
        "iphone": "1.0 (1.0)",
        "applemail": "1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))",
    }.get(mail.mailer, "1.0")
    name = "Mime-Version" if mail.mailer in ("iphone", "applemail") else "MIME-Version"
    return f"{name}: {version}".encode("ascii") + CRLF


def _header_charset(mail: ExampleMail) -> str:
    return "utf-8" if mail.charset == "us-ascii" else mail.charset


def _subject_words(mail: ExampleMail) -> list[str]:
    subject = mail.subject
    if subject.isascii():
        return subject.split(" ")
    prefix: list[str] = []
    for reply_mark in ("Re: ", "FW: "):
        if subject.startswith(reply_mark):
            prefix = [reply_mark.strip()]
            subject = subject[len(reply_mark) :]
    charset = _header_charset(mail)
    if mail.subject_form == "Q":
        return [*prefix, *q_words(subject, charset)]
    if mail.subject_form == "B-bytesplit":
        # Cut inside the JIS run, a few characters in, as some mailers cut long Subjects.
        return [*prefix, *b_words_split_bytes(subject, charset, split_at=13)]
    return [*prefix, *b_words(subject, charset)]


def _received(mail: ExampleMail, host: str, address: str) -> bytes:
    arrived = _when(mail) + timedelta(seconds=2)
    queue_id = _hex(mail, 20, 10).upper()
    return (
        f"Received: from {host} ({host} [{address}])\r\n"
        f"\tby {SHOP_MX} (Postfix) with ESMTPS id {queue_id}\r\n"
        f"\tfor <{SHOP_ADDRESS}>; {format_datetime(arrived)}\r\n"
    ).encode("ascii")


def resolve_replies(mails: Sequence[ExampleMail]) -> list[ExampleMail]:
    """Replace ``in_reply_to`` file names by the Message-ID of that earlier mail."""
    by_file = {mail.file: mail for mail in mails}
    return [
        replace(mail, in_reply_to=message_id(by_file[mail.in_reply_to]))
        if mail.in_reply_to and not mail.in_reply_to.startswith("<")
        else mail
        for mail in mails
    ]


def envelope(mail: ExampleMail, content_headers: list[bytes]) -> bytes:
    """Trace, address, subject and identity headers, then the given Content-* headers."""
    sender_host = "mx-relay.example.net" if mail.sender.endswith(RELAY) else "mail.example.net"
    ip = f"198.51.100.{_digest(mail)[0] % 200 + 20}"
    lines = [
        f"Return-Path: <{mail.sender}>".encode("ascii") + CRLF,
        _received(mail, sender_host, ip),
    ]
    lines += [f"{k}: {v}".encode("ascii") + CRLF for k, v in mail.extra_headers]
    lines += [
        f"Date: {format_datetime(_when(mail))}".encode("ascii") + CRLF,
        header("From", mailbox(mail.name, mail.sender, _header_charset(mail))),
        f"To: {SHOP_ADDRESS}".encode("ascii") + CRLF,
        header("Subject", _subject_words(mail)),
        f"Message-ID: {message_id(mail)}".encode("ascii") + CRLF,
    ]
    reply_to_id = mail.in_reply_to
    if reply_to_id:
        if not reply_to_id.startswith("<"):
            raise ValueError(f"{mail.file}: resolve_replies() first")
        lines.append(f"In-Reply-To: {reply_to_id}".encode("ascii") + CRLF)
        lines.append(f"References: {reply_to_id}".encode("ascii") + CRLF)
    if mail.mailer == "outlook":
        index = base64.b64encode(b"\x01\xdb" + _digest(mail)[:20]).decode("ascii")
        lines.append(f"Thread-Index: {index}".encode("ascii") + CRLF)
    lines.append(_mime_version(mail))
    lines += content_headers
    lines += _mailer_headers(mail)
    return b"".join(lines)


def _text_headers(mail: ExampleMail, subtype: str = "plain") -> list[bytes]:
    label = {"iso-2022-jp": "iso-2022-jp", "shift_jis": "Shift_JIS", "us-ascii": "us-ascii"}.get(
        mail.charset, "UTF-8"
    )
    if mail.mailer in ("iphone", "applemail") and mail.charset == "utf-8":
        label = "utf-8"
    params = f'charset="{label}"' if mail.mailer in ("outlook", "gmail") else f"charset={label}"
    if mail.mailer == "thunderbird" and subtype == "plain":
        params += "; format=flowed"
    return [
        f"Content-Type: text/{subtype}; {params}".encode("ascii") + CRLF,
        f"Content-Transfer-Encoding: {mail.encoding}".encode("ascii") + CRLF,
    ]


def _encoded(mail: ExampleMail, body: str, encoding: str | None = None) -> bytes:
    return transfer_encode(encode_text(body, mail.charset), encoding or mail.encoding)


# --- MIME shapes ----------------------------------------------------------------------------


def build_plain(mail: ExampleMail) -> bytes:
    """A single text/plain part."""
    return envelope(mail, _text_headers(mail)) + CRLF + _encoded(mail, mail.body)


def build_html(mail: ExampleMail) -> bytes:
    """A single text/html part and nothing else, as bulk mailers send."""
    assert mail.html is not None
    return envelope(mail, _text_headers(mail, "html")) + CRLF + _encoded(mail, mail.html)


def build_alternative(mail: ExampleMail) -> bytes:
    """multipart/alternative: text/plain then text/html, each in the mailer's encoding."""
    boundary = _boundary(mail)
    html_text = mail.html or ""
    html_encoding = mail.encoding
    if mail.mailer == "outlook":
        # Outlook writes its HTML part as quoted-printable even in ISO-2022-JP (ESC becomes =1B).
        html_text = outlook_html(mail.body)
        html_encoding = "quoted-printable"
    if not html_text:
        raise ValueError(f"{mail.file}: an alternative needs an HTML part")
    plain = part(_text_headers(mail), _encoded(mail, mail.body))
    html_headers = [
        _text_headers(mail, "html")[0],
        f"Content-Transfer-Encoding: {html_encoding}".encode("ascii") + CRLF,
    ]
    html_part = part(html_headers, _encoded(mail, html_text, html_encoding))
    content = [f'Content-Type: multipart/alternative; boundary="{boundary}"'.encode("ascii") + CRLF]
    preamble = b"This is a multi-part message in MIME format." if mail.mailer == "outlook" else b""
    return envelope(mail, content) + CRLF + multipart(boundary, [plain, html_part], preamble)


def _damage_photo() -> bytes:
    """A 96x72 grey 'photo': a light heater cover with a dark diagonal crack across it."""
    rows, cols = 9, 12
    levels = [[214 - 3 * r - 2 * c for c in range(cols)] for r in range(rows)]
    for r in range(rows):
        c = 2 + r + (r % 3 == 1)
        levels[r][c] = 58
        if c + 1 < cols and r % 2 == 0:
            levels[r][c + 1] = 120
    return grey_blocks_jpeg(levels)


def build_photo(mail: ExampleMail) -> bytes:
    """iPhone Mail with an inline photo: text, the image, then a second text part (signature)."""
    boundary = _boundary(mail)
    image = part(
        [
            b"Content-Type: image/jpeg; name=IMG_2043.jpeg" + CRLF,
            b"Content-Disposition: inline; filename=IMG_2043.jpeg" + CRLF,
            b"Content-Transfer-Encoding: base64" + CRLF,
        ],
        transfer_encode(_damage_photo(), "base64"),
    )
    first = part(_text_headers(mail), _encoded(mail, mail.body))
    signature = part(_text_headers(mail), _encoded(mail, "\n\niPhoneから送信\n"))
    content = [f"Content-Type: multipart/mixed; boundary={boundary}".encode("ascii") + CRLF]
    return envelope(mail, content) + CRLF + multipart(boundary, [first, image, signature])


def build_bounce(mail: ExampleMail) -> bytes:
    """A Postfix non-delivery report for a reply the shop sent to a mistyped address."""
    boundary = _boundary(mail)
    when = _when(mail)
    failed = "k.watanabe@example.ne.jp"
    original_subject = " ".join(["Re:", *b_words("商品の在庫について", "utf-8")])
    notice = text(
        f"""
        This is the mail system at host {SHOP_MX}.

        Your message could not be delivered to one or more recipients.
        It is attached below.

        For further assistance, please contact your postmaster.

        <{failed}>: host mx.example.ne.jp[192.0.2.25] said: 550 5.1.1
            <{failed}>: Recipient address rejected: User unknown (in
            reply to RCPT TO command)
        """
    )
    status = text(
        f"""
        Reporting-MTA: dns; {SHOP_MX}
        X-Postfix-Queue-ID: {_hex(mail, 0, 10).upper()}
        X-Postfix-Sender: rfc822; {SHOP_ADDRESS}
        Arrival-Date: {format_datetime(when - timedelta(seconds=2))}

        Final-Recipient: rfc822; {failed}
        Original-Recipient: rfc822;{failed}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.example.ne.jp
        Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address rejected: User
            unknown
        """
    )
    original = text(
        f"""
        Return-Path: <{SHOP_ADDRESS}>
        Received: from desk.mirai-zakka.example.jp (desk.mirai-zakka.example.jp [192.0.2.10])
        \tby {SHOP_MX} (Postfix) with ESMTPSA id {_hex(mail, 0, 10).upper()}
        \tfor <{failed}>; {format_datetime(when - timedelta(seconds=2))}
        Date: {format_datetime(when - timedelta(seconds=3))}
        From: {SHOP_ADDRESS}
        To: {failed}
        Subject: {original_subject}
        Message-ID: <20261121010208.6E2C4B7D@{SHOP_MX}>
        MIME-Version: 1.0
        Content-Type: text/plain; charset="utf-8"
        Content-Transfer-Encoding: base64
        """
    )

    def ascii_part(headers: list[str], body: str) -> bytes:
        return part([h.encode("ascii") + CRLF for h in headers], encode_text(body, "us-ascii"))

    parts = [
        ascii_part(
            ["Content-Description: Notification", "Content-Type: text/plain; charset=us-ascii"],
            notice,
        ),
        ascii_part(
            ["Content-Description: Delivery report", "Content-Type: message/delivery-status"],
            status,
        ),
        ascii_part(
            [
                "Content-Description: Undelivered Message Headers",
                "Content-Type: text/rfc822-headers",
            ],
            original,
        ),
    ]
    head = [
        b"Return-Path: <>" + CRLF,
        f"Received: by {SHOP_MX} (Postfix)\r\n\tid {_hex(mail, 0, 10).upper()}; "
        f"{format_datetime(when)}\r\n".encode("ascii"),
        f"Date: {format_datetime(when)}".encode("ascii") + CRLF,
        f"From: {mail.sender} ({mail.name})".encode("ascii") + CRLF,
        f"Subject: {mail.subject}".encode("ascii") + CRLF,
        f"To: {SHOP_ADDRESS}".encode("ascii") + CRLF,
        b"Auto-Submitted: auto-replied" + CRLF,
        b"MIME-Version: 1.0" + CRLF,
        b"Content-Type: multipart/report; report-type=delivery-status;" + CRLF,
        f'\tboundary="{boundary}"'.encode("ascii") + CRLF,
        b"Content-Transfer-Encoding: 7bit" + CRLF,
        f"Message-Id: {message_id(mail)}".encode("ascii") + CRLF,
    ]
    body = multipart(boundary, parts, b"This is a MIME-encapsulated message.")
    return b"".join(head) + CRLF + body


def build_broken(mail: ExampleMail) -> bytes:
    """A webmail message cut off in transit: unknown charset label, bad base64, no end boundary.

    The text part is Shift_JIS labelled ``SJIS-win`` (a PHP mbstring name no decoder knows);
    the photo's base64 breaks off mid-line after a run of characters base64 does not allow.
    """
    boundary = _boundary(mail, "broken")
    sjis = mail.body.replace("\n", "\r\n").encode("cp932")
    text_part = part(
        [
            b'Content-Type: text/plain; charset="SJIS-win"' + CRLF,
            b"Content-Transfer-Encoding: base64" + CRLF,
        ],
        transfer_encode(sjis, "base64"),
    )
    photo = transfer_encode(_damage_photo(), "base64").split(CRLF)
    cut = [*photo[:2], photo[2][:31] + b"*%!~" + photo[2][31:50]]
    image_part = (
        b'Content-Type: image/jpeg; name="IMG_0412.jpg"'
        + CRLF
        + b'Content-Disposition: attachment; filename="IMG_0412.jpg"'
        + CRLF
        + b"Content-Transfer-Encoding: base64"
        + CRLF
        + CRLF
        + CRLF.join(cut)
    )
    content = [
        f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode("ascii") + CRLF,
    ]
    body = (
        f"--{boundary}".encode("ascii")
        + CRLF
        + text_part
        + CRLF
        + f"--{boundary}".encode("ascii")
        + CRLF
        + image_part
    )
    return envelope(mail, content) + CRLF + body


BUILDERS: dict[str, Callable[[ExampleMail], bytes]] = {
    "plain": build_plain,
    "html": build_html,
    "alternative": build_alternative,
    "photo": build_photo,
    "bounce": build_bounce,
    "broken": build_broken,
}


def build(mail: ExampleMail) -> bytes:
    """The raw RFC 5322 bytes of one example mail."""
    return BUILDERS[mail.shape](mail)
