"""A second, conservative cut of quoted mail and signatures before classifying.

Callers pass ``bot.mail.quotes.new_text(body)``, but a mail that reaches the classifier with
its quote still attached must not be classified by the quote (「届きました」 in the seller's
earlier message, say). This cut only removes what is unmistakably not the buyer's new text:
``>`` lines, everything from a quote header on, and everything from a signature marker on.
"""

from __future__ import annotations

import re
from typing import Final

_QUOTE_HEADERS: Final = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:Original Message|元のメッセージ|転送されたメッセージ|Forwarded message)\s*-{2,}"
    r"|.{0,80}(?:さんは書きました|wrote|のメッセージ|のメール|様より)\s*[:：]\s*$"
    r"|(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[/-]\d{1,2}[/-]\d{1,2}).{0,60}[<＜].{0,80}[>＞]\s*[:：]?\s*$"
    r"|On .{5,120}(?:wrote|schrieb)\s*:?\s*$"
    r"|(?:差出人|From)\s*[:：].*\n\s*(?:送信日時|日時|Sent|Date|宛先|To)\s*[:：]"
    r")",
    re.MULTILINE | re.IGNORECASE,
)
# Every quote header needs "--", a colon or "<" (all forms but one) or an "o" ("On … wrote"),
# and every relay line one of a few letters (in any case: "amazon" has a z, "message" a g,
# "buyer", "you have" and "reply" a y, "customer" a c) or kanji and kana (を通じて, 経由で,
# メッセージ, 購入者, お客様): where a text or line has none of them the case-insensitive
# patterns, tried at every position, are skipped.
_QUOTE_HEADER_SIGNS: Final = re.compile(r"[-:：<＜oO]")
_RELAY_SIGNS: Final = re.compile(r"[zZyYgGcC通経メ購客]")
_SIGNATURE: Final = re.compile(
    r"^(?:--\s*|-- ?$|(?:iPhone|iPad|Android|スマートフォン|携帯)から送信.*|Sent from my .*|Get Outlook for .*)$",
    re.MULTILINE,
)
# A ruled line followed, within a few lines, by contact details is a signature block.
_RULED_BLOCK: Final = re.compile(
    r"^[ \t]*[━─=＝\-―ー_＿*＊~〜・]{4,}[ \t]*\n(?:.*\n){0,6}?.*(?:〒|TEL|Tel|電話|携帯|E-?mail|メール|URL|https?://|@)",
    re.MULTILINE,
)


# Amazon relay wrapping (「Amazon.co.jp を通じて…からメッセージが届きました」 says nothing about
# the parcel: its 届きました must not read as "it arrived").
# Relay lines, in two parts that say together what one case-insensitive search for all these
# alternatives would (tests/nlp/test_fast_paths.py keeps that search and compares them): the
# alternatives anchored at the line's start, tried only there (matched, not searched for),
# and the others, found from one class of rare characters and a look-behind for each (the
# letters spelled in both cases, ſ with s and İ ı with i as re.IGNORECASE equates them):
# searched case-insensitively, every alternative was tried at every position of the line.
_RELAY_LINE_START: Final = re.compile(
    r"\s*amazon(?:\.co\.jp)?\s*(?:を通じて|経由で|より)"
    r"|[\s\-ー─━=＝_*]*(?:メッセージ|message|end message|メッセージの終了)[\s:：]*[\-ー─━=＝_*]*$"
    r"|\s*(?:購入者|buyer|customer|お客様)(?:名)?\s*[:：]|\s*\[amazon[^\]]*\]",
    re.IGNORECASE,
)
_RELAY_LINE_ANYWHERE: Final = re.compile(
    r"[通経vVzZ購返yY](?:"
    r"(?<=を通)じて.{0,40}メッセージが届|(?<=経)由で.{0,40}メッセージが届"
    r"|(?<=[yY][oO][uU] [hH][aA][vV])[eE] [rR][eE][cC][eE][iIİı][vV][eE][dD] [aA] "
    r"[mM][eE][sSſ][sSſ][aA][gG][eE]"
    r"|(?<=[vV][iIİı][aA] [aA][mM][aA][zZ])[oO][nN](?:\.[cC][oO]\.[jJ][pP])?\.?\s*$"
    r"|(?<=[tT][hH][rR][oO][uU][gG][hH] [aA][mM][aA][zZ])[oO][nN](?:\.[cC][oO]\.[jJ][pP])?\.?\s*$"
    r"|(?<=購)入者とのやり取り|(?<=このメッセージに返)信すると"
    r"|(?<=[rR][eE][pP][lL][yY]) [tT][oO] [tT][hH][iIİı][sSſ] "
    r"(?:[eE]-?[mM][aA][iIİı][lL]|[mM][eE][sSſ][sSſ][aA][gG][eE]))"
)


class _AtLineStart:
    """A pattern that starts with ``^`` (re.MULTILINE), searched for only where lines start.

    Searched for as written, every position is tried and fails at the ``^`` but at line
    starts. Here the text's start is matched as it is, and the other line starts are found as
    the newline before them (a literal the engine skips to): the first match is the one the
    pattern's own search finds, at the same place.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        body = pattern.pattern
        if not body.startswith("^") or not pattern.flags & re.MULTILINE:
            raise ValueError("the pattern must start with ^ and be re.MULTILINE")
        self.first = re.compile(body[1:], pattern.flags)
        self.after_newline = re.compile("\n" + body[1:], pattern.flags)

    def start(self, text: str) -> int:
        """Where the pattern first matches in ``text``, or -1."""
        if self.first.match(text) is not None:
            return 0
        m = self.after_newline.search(text)
        return m.start() + 1 if m is not None else -1


_QUOTE_HEADERS_AT: Final = _AtLineStart(_QUOTE_HEADERS)
_SIGNATURE_AT: Final = _AtLineStart(_SIGNATURE)
_RULED_BLOCK_AT: Final = _AtLineStart(_RULED_BLOCK)
_TRAILING_RULES: Final = re.compile(r"(?:\n[ \t]*[━─=＝\-―ー_＿*＊~〜・]{3,}[ \t]*)+$")
# Written in lower case and matched against the lower-cased text: case-insensitive matching
# of a long alternation costs twice as much, and this scan runs on every mail. The markers
# anchored at a line's start are a pattern of their own: in one alternation they keep the
# engine from skipping ahead to the characters the other markers start with.
_ANY_MARKER_AT_LINE_START: Final = re.compile(r"^[ \t]*[>＞]|^--", re.MULTILINE)
_RULE_CHARS: Final = "━─=＝-―ー_＿*＊~〜・"
# Whether the text holds one of the buyer-text cut's markers, found by one pattern in which every alternative starts
# with a plain character (a rule of four is written as each of its possible first characters
# and three more): the engine then skips to the positions where one of those characters
# stands instead of trying the whole alternation everywhere. A word is looked for at a
# character rarer in mail than its first (「お客様」 at 客, "amazon" at its z), the letters
# before it as a look-behind: fewer positions are candidates (の, お and か start no
# alternative). It matches where the plain alternation of these markers does (tests/nlp
# compare them).
_ANY_MARKER: Final = re.compile(
    r"z(?<=amaz)on|購入者|メッセージ|g(?<=messag)e|書きました|wrote|g(?<=orig)inal|差出人|"
    r"from\s*[:：]|返信すると|y(?<=reply) to this|buyer|customer|客(?<=お客)様|"
    r"メ(?<=のメ)ール|様より|<[^\n]*[>＞]|＜[^\n]*[>＞]|信(?<=から送信)|f(?<=sent f)rom|"
    r"k(?<=get outlook)|"
    + "|".join(f"{re.escape(c)}[{re.escape(_RULE_CHARS)}]{{3,}}" for c in _RULE_CHARS)
)


def buyer_text(text: str) -> str:
    """``text`` without relay wrapping, quoted lines, quoted earlier mail and signature."""
    lower = text.lower()
    # A marker at a line's start needs ">", "＞" or "--" somewhere: three fast substring tests.
    at_line_start = ("--" in lower or ">" in lower or "＞" in lower) and (
        _ANY_MARKER_AT_LINE_START.search(lower) is not None
    )
    if not (at_line_start or _ANY_MARKER.search(lower)):
        # Most mails have nothing to cut: one scan decides.
        return text.strip()
    lines = [
        ln
        for ln in text.split("\n")
        if not ln.lstrip().startswith((">", "＞"))
        and not (
            len(ln) < 120
            and _RELAY_SIGNS.search(ln)
            and (_RELAY_LINE_START.match(ln) or _RELAY_LINE_ANYWHERE.search(ln))
        )
    ]
    text = "\n".join(lines)
    cut = len(text)
    patterns: tuple[_AtLineStart, ...] = (_QUOTE_HEADERS_AT, _SIGNATURE_AT, _RULED_BLOCK_AT)
    if _QUOTE_HEADER_SIGNS.search(text) is None:
        patterns = (_SIGNATURE_AT, _RULED_BLOCK_AT)
    for pattern in patterns:
        start = pattern.start(text)
        # Never cut at the very start: a mail that is all quote keeps its text.
        if start > 0 and text[:start].strip():
            cut = min(cut, start)
    # A rule left above the cut (the line Outlook draws over its header block) goes too.
    kept = text[:cut].rstrip()
    # (After rstrip such a rule would be the last thing in the text: its last character.)
    if kept and kept[-1] in _RULE_CHARS:
        kept = _TRAILING_RULES.sub("", kept)
    return kept.strip()
