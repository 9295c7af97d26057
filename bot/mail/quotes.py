"""Split what the buyer wrote this time from quoted earlier mail and the signature.

Forms handled (``domain.md`` §2): Gmail, Apple Mail and Thunderbird/Evolution attribution
lines (Japanese and English, wrapped over up to three lines), Outlook header blocks
(差出人:/送信日時:/宛先:/件名:, From:/Sent:/To:/Subject:) under an optional rule,
``-----Original Message-----`` and forwarding markers, ``>``/``＞`` quoted lines, ``-- ``
signatures, ruled signature blocks holding 〒/TEL/URL/company lines, mobile footers
(「iPhoneから送信」, 「Android携帯からの送信」, "Sent from my iPhone") and the end of an
Amazon relay message. A dash line or a date inside the buyer's own text is left alone.
"""

from __future__ import annotations

import re
from typing import Final

_MAX_HEADERISH: Final = 300  # longer lines are body text, never attributions or header lines
_MAX_SIGNATURE_LINES: Final = 15

_QUOTED: Final = re.compile(r"^[ \t\u3000]*[>＞]")
_DIGIT_START: Final = re.compile(r"^[\s\u3000]*[0-9０-９]")
_GMAIL_ATTRIBUTION: Final = re.compile(
    r"^\s*[0-9０-９]{4}年\s*[0-9０-９]{1,2}月\s*[0-9０-９]{1,2}日\s*"
    r"(?:[(（]\s*[日月火水木金土]\s*[)）])?\s*(?:午前|午後)?\s*[0-9０-９]{1,2}[:：][0-9０-９]{2}"
    r".*<\s*[^<>\s]+@[^<>\s]+\s*>\s*[:：]\s*$"
)
_WROTE_ENDING: Final = re.compile(
    r"(?:さん(?:は|が)書きました|は書きました|が書きました|さんからのメッセージ|のメッセージ|"
    r"のメール|wrote|writes|a écrit|schrieb)\s*[:：]\s*$",
    re.IGNORECASE,
)
_ENGLISH_START: Final = re.compile(r"^\s*(?:On|Am|Le|El|Il|Op)\s", re.IGNORECASE)
_SHORT_WROTE: Final = re.compile(
    r"(?:さん(?:は|が)書きました|は書きました|wrote)\s*[:：]\s*$", re.IGNORECASE
)
_ORIGINAL_MARKER: Final = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Forwarded message|元のメッセージ|転送メッセージ|"
    r"転送されたメッセージ|オリジナルメッセージ|メッセージ原文)\s*-{2,}"
    r"|Begin forwarded message\s*:|転送されたメッセージ\s*[:：]"
    r"|以下、?転送(?:メッセージ|内容)\s*[:：])",
    re.IGNORECASE,
)
_FROM_KEYS: Final = r"差出人|送信者|送信元|From"
_OTHER_KEYS: Final = (
    r"送信日時|送信日|日付|日時|宛先|件名|Sent|Date|To|Cc|CC|Subject|返信先|Reply-To"
)
_HEADER_LINE: Final = re.compile(rf"^\s*\*?({_FROM_KEYS}|{_OTHER_KEYS})\*?\s*[:：]", re.IGNORECASE)
_FROM_LINE: Final = re.compile(rf"^\s*\*?(?:{_FROM_KEYS})\*?\s*[:：]", re.IGNORECASE)
_RULE: Final = re.compile(r"^[\s\u3000]*(?:[-=_~*#+.・━─―‐ー－＝＿＊～〜◆◇■□☆★●○◎※═]\s*){3,}$")
_SIGNATURE_DASHES: Final = re.compile(r"^--\s*$")
_SIGNATURE_MARKER: Final = re.compile(
    r"^[\s\u3000]*(?:〒|(?:TEL|Tel|tel|ＴＥＬ|電話(?:番号)?|FAX|Fax|ＦＡＸ|携帯(?:電話)?|"
    r"E-?mail|e-?mail|Ｅメール|メール(?:アドレス)?|Mail|URL|ＵＲＬ|住所|所在地|Web|HP)\b|"
    r"https?://|www\.)"
    r"|株式会社|有限会社|合同会社|㈱|㈲|[(（]株[)）]|[(（]有[)）]|Co\.,? ?Ltd|Inc\.|K\.K\.",
)
_SENTENCE_END: Final = re.compile(r"[。．？！?!]\s*$")
_DEVICE: Final = (
    r"(?:iPhone|iPad|iPod|Android|Galaxy|Xperia|AQUOS|arrows|Pixel|スマートフォン|スマホ|携帯|"
    r"モバイル|Mail|メール|Outlook|Gmail|Yahoo|docomo|ドコモ|au|ａｕ|SoftBank|ソフトバンク|"
    r"Y!mobile|ワイモバイル|楽天)"
)
_MOBILE_FOOTER: Final = re.compile(
    rf"^[\s\u3000]*(?:[^\s。、]{{0,20}}{_DEVICE}[^。、]{{0,30}}(?:から送信|からの送信|より送信)"
    r"|Sent from (?:my )?[\w\s.!-]{1,40}|Sent via [\w\s.!-]{1,40}|Get Outlook for (?:iOS|Android)"
    r"|Outlook for (?:iOS|Android) を入手)[\s\u3000]*$",
    re.IGNORECASE,
)
_AMAZON_END: Final = re.compile(
    r"^\s*-{3,}\s*(?:メッセージの終わり|メッセージ終了|End message|End of message)\s*[:：]?\s*-{3,}\s*$"
    r"|^\s*(?:For Your Information: )?To help arbitrate disputes and preserve trust"
    r"|^\s*Was this email helpful\?",
    re.IGNORECASE,
)
# Every footer above holds one of these (a cheap test before the footer pattern's own).
# (送信, "sent" or "outlook" in any case.) Spelled out as one character class for the first
# letter and a condition on the rest, with every character re.IGNORECASE would equate
# (ſ with s, the Kelvin sign with k): the engine then skips to candidate characters, where
# a case-insensitive alternation would be tried at every position.
_FOOTER_WORDS: Final = re.compile(
    r"[送sSſoO](?:(?<=送)信|(?<=[sSſ])[eE][nN][tT]|(?<=[oO])[uU][tT][lL][oO][oO][kKK])"
)
_BLANK_RUNS: Final = re.compile(r"\n{3,}")

# Whole-text pre-checks (most mails have no quote, attribution, header block or signature).
# A quoted line needs ">", an attribution and a header block a colon, an original-message
# marker "--" or a colon, a "-- " signature "--" (substring tests, see _has_quote_signs); the
# end of an Amazon relay and a ruled line are searched for over the whole text with the line
# patterns themselves. Where a pre-check finds nothing, no line can match and the
# line-by-line scan is skipped: same result.
_AMAZON_END_ANYWHERE: Final = re.compile(_AMAZON_END.pattern, re.IGNORECASE | re.MULTILINE)
_RULE_ANYWHERE: Final = re.compile(_RULE.pattern, re.MULTILINE)
# A rule line holds three rule characters with nothing but white space between them; this
# pattern (which starts with a character class, so the engine skips to candidates) finds
# them before the line pattern, tried at every line start, is run.
_RULE_CHAR: Final = r"[-=_~*#+.・━─―‐ー－＝＿＊～〜◆◇■□☆★●○◎※═]"
_THREE_RULE_CHARS: Final = re.compile(rf"{_RULE_CHAR}\s*{_RULE_CHAR}\s*{_RULE_CHAR}")
# Every original-message marker, Amazon relay end and header block line holds one of these.
# ("--", a colon, "to help arbitrate" or "was this email helpful" in any case; spelled out like
# _FOOTER_WORDS, ı and İ included for i.)
_MARKER_SIGNS: Final = re.compile(
    r"[-:：tTwW](?:(?<=-)-|(?<=[:：])"
    r"|(?<=[tT])[oO] [hH][eE][lL][pP] [aA][rR][bB][iIİı][tT][rR][aA][tT][eE]"
    r"|(?<=[wW])[aA][sSſ] [tT][hH][iIİı][sSſ] [eE][mM][aA][iIİı][lL] [hH][eE][lL][pP][fF][uU][lL])"
)


def new_text(text: str) -> str:
    """The part of ``text`` the sender wrote this time: no quotes, no signature, no footer.

    >>> new_text("届きません。\\n\\n2024年5月1日(水) 10:00 店 <s@example.jp>:\\n> 発送しました")
    '届きません。'
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = text.split("\n")
    # Without quote signs (no "--", no colon) only the relay's closing sentences can be there,
    # and _MARKER_SIGNS finds each of them: the case-insensitive pattern needs running then.
    # ("to help arbitrate" has a b and "was this email helpful" an f, in any case.)
    if _has_quote_signs(text) or (
        ("b" in text or "B" in text or "f" in text or "F" in text)
        and _MARKER_SIGNS.search(text)
        and _AMAZON_END_ANYWHERE.search(text)
    ):
        kept = _drop_quoted(kept)
    if "--" in text or (_THREE_RULE_CHARS.search(text) and _RULE_ANYWHERE.search(text)):
        kept = _drop_signature(kept)
    # (Without a signature the blank lines at the end go with the footers.)
    kept = _drop_footers(kept)
    joined = "\n".join([line.rstrip() for line in kept])
    if "\n\n\n" in joined:
        joined = _BLANK_RUNS.sub("\n\n", joined)
    return joined.strip()


def _has_quote_signs(text: str) -> bool:
    """Whether ``text`` holds ">", "＞", a colon or "--" (a few substring tests cost less than a
    pattern's scan of the text)."""
    return ">" in text or ":" in text or "：" in text or "--" in text or "＞" in text


def _drop_quoted(lines: list[str]) -> list[str]:
    """Lines before the quoted original, minus ``>`` lines; bottom-posted text is kept."""
    kept: list[str] = []
    # An attribution ends with a colon on its last line (of up to three): only lines near
    # one can start it.
    near_colon = {
        j - back
        for j, ln in enumerate(lines)
        if ln.rstrip().endswith((":", "："))
        for back in range(3)
    }
    i = 0
    while i < len(lines):
        line = lines[i]
        # (A quoted line holds ">" or "＞": two substring tests spare most lines the pattern.)
        if (">" in line or "＞" in line) and _QUOTED.match(line):
            i += 1
            continue
        size = _attribution_size(lines, i) if i in near_colon else 0
        if size:
            following = _next_non_blank(lines, i + size)
            if following is not None and _QUOTED.match(lines[following]):
                i += size  # the ">" lines after it go; text after them stays
                continue
            break  # an unquoted original follows the attribution: nothing new below
        # Each of the three below needs "--" or a colon, or is an Amazon relay end (the
        # substring tests spare most lines a search; _MARKER_SIGNS says the same).
        if (
            len(line) <= _MAX_HEADERISH
            and ("--" in line or ":" in line or "：" in line or _AMAZON_END.match(line))
            and (
                _ORIGINAL_MARKER.match(line)
                or _AMAZON_END.match(line)
                or _header_block_at(lines, i)
            )
        ):
            while kept and (not kept[-1].strip() or _RULE.match(kept[-1])):
                kept.pop()  # the rule Outlook draws above its header block
            break
        kept.append(line)
        i += 1
    return kept


def _attribution_size(lines: list[str], i: int) -> int:
    """How many lines (1–3) form a "… wrote:" attribution starting at line ``i``, else 0."""
    first = lines[i]
    if not first.strip() or len(first) > _MAX_HEADERISH:
        return 0
    starts_like_one = bool(_DIGIT_START.match(first) or _ENGLISH_START.match(first))
    joined = first.strip()
    for size in range(1, 4):
        if size > 1:
            if i + size - 1 >= len(lines):
                return 0
            extra = lines[i + size - 1].strip()
            if not extra or len(extra) > _MAX_HEADERISH or _QUOTED.match(extra):
                return 0
            joined = f"{joined} {extra}"
        # Both forms end with a colon, and ``joined`` with no white space (stripped parts).
        if not joined.endswith((":", "：")):
            continue
        if _GMAIL_ATTRIBUTION.match(joined):
            return size
        if _WROTE_ENDING.search(joined):
            if starts_like_one and re.search(r"[0-9０-９@]", joined):
                return size
            if size == 1 and _SHORT_WROTE.search(joined) and len(joined) <= 120:
                return size
    return 0


def _header_block_at(lines: list[str], i: int) -> bool:
    """An Outlook-style header block (From-like line plus another header) starts at ``i``."""
    if not _FROM_LINE.match(lines[i]):
        return False
    keys = set()
    for line in lines[i : i + 8]:
        match = _HEADER_LINE.match(line)
        if match:
            keys.add(match.group(1).lower())
        elif not line.strip():
            break
    return len(keys) >= 2


def _drop_signature(lines: list[str]) -> list[str]:
    """Cut a ``-- `` signature or a ruled block of name/company/〒/TEL/URL lines at the end."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    body = lines[:end]
    for j, line in enumerate(body):
        if not _SIGNATURE_DASHES.match(line):
            continue
        if _signature_sized(body[j + 1 :]):
            return body[:j]
    for j in range(len(body) - 1, -1, -1):
        if len(body) - j > 3 * _MAX_SIGNATURE_LINES:
            break
        if _RULE.match(body[j]) and _looks_like_signature(body[j + 1 :]):
            cut = j
            # A block framed by two rules: cut at the upper one.
            while cut and _RULE.match(body[cut - 1]):
                cut -= 1
            return body[:cut]
    return body


def _signature_sized(block: list[str]) -> bool:
    return sum(1 for line in block if line.strip()) <= _MAX_SIGNATURE_LINES


def _looks_like_signature(block: list[str]) -> bool:
    filled = [line for line in block if line.strip() and not _RULE.match(line)]
    if not filled or len(filled) > _MAX_SIGNATURE_LINES:
        return False
    markers = sum(1 for line in filled if _SIGNATURE_MARKER.search(line))
    sentences = sum(1 for line in filled if _SENTENCE_END.search(line))
    return markers >= 1 and sentences <= 1 and markers * 4 >= len(filled)


def _drop_footers(lines: list[str]) -> list[str]:
    """Remove mobile-mailer footers (and blank lines) from the end."""
    kept = list(lines)
    while kept:
        last = kept[-1]
        if not last.strip() or (
            len(last) <= 80 and _has_footer_word(last) and _MOBILE_FOOTER.match(last)
        ):
            kept.pop()
            continue
        break
    return kept


def _has_footer_word(line: str) -> bool:
    """Whether ``line`` holds one of _FOOTER_WORDS (送信, "sent" or "outlook" in any case):
    substring tests of its lower-cased text, which cost less than the pattern's scan. Lower
    case folds every character re.IGNORECASE equates with these letters except ſ (the long s,
    tested as it is): K (the Kelvin sign) lower-cases to k."""
    if "送信" in line:
        return True
    low = line.lower()
    return "sent" in low or "outlook" in low or "ſent" in low


def _next_non_blank(lines: list[str], start: int) -> int | None:
    for k in range(start, min(len(lines), start + 4)):
        if lines[k].strip():
            return k
    return None
