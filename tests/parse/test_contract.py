"""The `madoguchi parse` JSON keeps exactly the keys of the fixed contract in design.md."""

from __future__ import annotations

import json

from bot.mail.parse import parse_mail

CONTRACT_KEYS = {
    "message_id", "in_reply_to", "references", "from", "to", "subject", "date", "text",
    "new_text", "is_auto", "attachments", "charsets", "defects",
}  # fmt: skip

RAW = (
    "From: 山田 <Buyer@Example.com>\r\nTo: Shop <shop@example.jp>, b@example.jp\r\n"
    "Subject: 返品について\r\nDate: Wed, 1 May 2024 10:00:00 +0900\r\n"
    "Message-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\nReferences: <0@x> <1@x>\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n返品したいです。\r\n\r\n"
    "2024年5月1日(水) 9:00 Shop <shop@example.jp>:\r\n> 発送しました\r\n"
    '--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="写真.png"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
).encode()


def test_contract_has_exactly_the_fixed_keys_and_is_json() -> None:
    contract = parse_mail(RAW).to_contract()
    assert set(contract) == CONTRACT_KEYS
    assert json.loads(json.dumps(contract, ensure_ascii=False)) == contract


def test_contract_values() -> None:
    contract = parse_mail(RAW).to_contract()
    assert contract["from"] == "buyer@example.com"
    assert contract["to"] == ["shop@example.jp", "b@example.jp"]
    assert contract["subject"] == "返品について"
    assert contract["date"] == "2024-05-01T10:00:00+09:00"
    assert contract["references"] == ["<0@x>", "<1@x>"]
    assert contract["new_text"] == "返品したいです。"
    assert "> 発送しました" in contract["text"]
    assert contract["is_auto"] is False
    assert contract["attachments"] == [
        {"filename": "写真.png", "content_type": "image/png", "size": 8}
    ]
    assert contract["charsets"] == ["utf-8"]
    assert contract["defects"] == []


def test_from_name_is_decoded() -> None:
    assert parse_mail(RAW).from_name == "山田"
