"""HTML-only mail becomes readable text."""

from __future__ import annotations

from bot.mail.html import html_to_text
from bot.mail.parse import parse_mail


def test_block_elements_and_br_become_line_breaks() -> None:
    html = (
        "<html><head><title>件名</title><style>p{color:red}</style></head><body>"
        "<p>お世話になっております。</p><div>商品が<b>届きません</b>。<br>確認してください。</div>"
        "<ul><li>注文A</li><li>注文B</li></ul><script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == (
        "お世話になっております。\n商品が届きません。\n確認してください。\n- 注文A\n- 注文B"
    )


def test_whitespace_collapses_but_nbsp_and_entities_decode() -> None:
    assert html_to_text("<div>a&nbsp;&nbsp;b\n   c &amp; d&lt;</div>") == "a b c & d<"


def test_blockquote_lines_are_marked_as_quotes() -> None:
    html = (
        "<div>届きません</div><blockquote><div>発送しました</div><div>よろしく</div></blockquote>"
    )
    assert html_to_text(html) == "届きません\n> 発送しました\n> よろしく"


def test_gmail_html_reply_gets_quote_stripped_in_new_text() -> None:
    html = (
        '<div dir="ltr">まだ届きません。</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">2024年5月1日(水) 10:00 ショップ &lt;'
        '<a href="mailto:s@example.jp">s@example.jp</a>&gt;:<br></div>'
        "<blockquote><div>発送しました。</div></blockquote></div>"
    )
    raw = (
        b"Subject: Re\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + html.encode()
    )
    mail = parse_mail(raw)
    assert "発送しました。" in mail.text
    assert mail.new_text == "まだ届きません。"


def test_pre_keeps_its_lines() -> None:
    assert html_to_text("<pre>注文番号\n  249-1234567-1234567</pre>") == (
        "注文番号\n  249-1234567-1234567"
    )


def test_table_cells_are_separated() -> None:
    html = "<table><tr><td>商品</td><td>数量</td></tr><tr><td>A</td><td>2</td></tr></table>"
    assert html_to_text(html) == "商品 数量\nA 2"


def test_html_only_mail_uses_meta_charset_when_mime_has_none() -> None:
    html = '<html><head><meta charset="shift_jis"></head><body><p>返品希望</p></body></html>'
    raw = b"Content-Type: text/html\r\n\r\n" + html.encode("cp932")
    mail = parse_mail(raw)
    assert mail.text == "返品希望"
    assert mail.charsets == ["cp932"]


def test_alternative_prefers_plain_but_falls_back_to_html_when_plain_is_empty() -> None:
    raw = (
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + "<p>キャンセルしたいです</p>".encode()
        + b"\r\n--b--\r\n"
    )
    assert parse_mail(raw).text == "キャンセルしたいです"


def test_deeply_nested_html_does_not_break() -> None:
    html = "<div>" * 5000 + "深い" + "</div>" * 5000
    assert html_to_text(html) == "深い"
