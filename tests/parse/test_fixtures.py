"""Every third-party fixture under shared/data/mail-fixtures parses to the right text.

The expected Subject and body snippet of each file were worked out by decoding its bytes
by hand (JIS rows → Shift_JIS → cp932 for ISO-2022-JP, the carrier emoji as the private-use
characters cp932 gives them), not taken from the MANIFEST, which shows stdlib mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.mail.parse import parse_mail
from tests.parse.shared import mail_fixtures_dir

LONG_SUBJECT = (
    "タイトルの長いメールの場合の対処を実装するためのテストケースとしてのメールに"
    "含まれている件名であるサブジェクト部分"
)


@dataclass(frozen=True)
class Expect:
    subject: str
    body: str
    # Set when the Subject cannot be asserted exactly (au emoji in a row CP932 also uses).
    subject_ends: tuple[str, str] | None = None
    # The source bytes themselves encode U+FFFD.
    source_has_replacement: bool = False


EXPECTED: dict[str, Expect] = {
    "enmime/parser-raw-content-text-option.raw": Expect("Test subject", "添付ファイル名テスト"),
    "jpmobile/email-fixtures/au-attached.eml": Expect("題名x\ue019", "カレンダーだ"),
    "jpmobile/email-fixtures/au-decomail.eml": Expect("テスト\ue08c", "テストです\ue12d"),
    "jpmobile/email-fixtures/au-decomail2.eml": Expect(
        "Fwd: 【NurseryMail】日日", "来る○○月○○日に保育園にて、スイカ割り大会を開催致します。"
    ),
    "jpmobile/email-fixtures/au-email.eml": Expect(
        "※本文はこのままで送信してね", "本文\ue0ba\nFor au"
    ),
    "jpmobile/email-fixtures/au-emoji.eml": Expect("題名\ue09b", "本文\ue0ba\nFor au"),
    "jpmobile/email-fixtures/au-emoji2.eml": Expect("題名\ue08c", "本文\ue009\nFor au"),
    "jpmobile/email-fixtures/au-emoji5.eml": Expect(
        "", "Return-Path / Delivered-To / Received / Subject", subject_ends=("テスト", "OKよー")
    ),
    "jpmobile/email-fixtures/au-kigou.eml": Expect("test", "①②③④⑤⑥⑦⑧⑨⑩"),
    "jpmobile/email-fixtures/bounce_with_utf8_part.eml": Expect(
        "Fwd: 【NurseryMail】日日", "とりあえずＨＴＭＬの本文で"
    ),
    "jpmobile/email-fixtures/docomo-decomail.eml": Expect("テスト", "テストです"),
    "jpmobile/email-fixtures/docomo-emoji.eml": Expect("題名\ue676", "本文\ue6e2\nFor docomo"),
    "jpmobile/email-fixtures/docomo-gmail-sjis.eml": Expect("テスト\ue6ec", "テストです\ue72d"),
    "jpmobile/email-fixtures/docomo-jis.eml": Expect("テスト", "テスト本文"),
    "jpmobile/email-fixtures/iphone-circled-numbers-in-jis.eml": Expect(
        "テスト①", "丸数字のテストです②ⅱ"
    ),
    "jpmobile/email-fixtures/iphone-cp932.eml": Expect("Re: 【NKSC】test", "テストです。㈱"),
    "jpmobile/email-fixtures/iphone-jis.eml": Expect("", "(=ﾟωﾟ)ﾉ"),
    "jpmobile/email-fixtures/iphone-mail3.eml": Expect(
        "Re: 【NKSC】test", "本文改行なし＿５１２文字＿", source_has_replacement=True
    ),
    "jpmobile/email-fixtures/iphone-unicode-emoji.eml": Expect("絵文字🎅", "🎄❣"),
    "jpmobile/email-fixtures/pc-mail-attached-without-subject.eml": Expect("", "本文です"),
    "jpmobile/email-fixtures/pc-mail-multi.eml": Expect(LONG_SUBJECT, "本文です"),
    "jpmobile/email-fixtures/pc-mail-single.eml": Expect(LONG_SUBJECT, "本文です"),
    "jpmobile/email-fixtures/softbank-blank.eml": Expect("", ""),
    "jpmobile/email-fixtures/softbank-emoji-utf8.eml": Expect(
        "題名\ue03c", "本文\ue21c\nFor softbank"
    ),
    "jpmobile/email-fixtures/softbank-emoji.eml": Expect("題名\ue6d8", "本文\ue59f\nFor softbank"),
    "jpmobile/email-fixtures/softbank-gmail-sjis.eml": Expect(
        "テスト\ue5a4\ue5a6\ue5a4", "テストです\ue6b4"
    ),
    "jpmobile/email-fixtures/softbank-gmail-utf8.eml": Expect(
        "テストです\ue221", "テストです\ue223"
    ),
    "jpmobile/rails-mobile_mailer/bounced-jp.eml": Expect(
        "Undelivered Mail Returned to Sender", "Unknown user unknown@docomo.ne.jp"
    ),
    "jpmobile/rails-mobile_mailer/docomo-gmail-sjis.eml": Expect(
        "テスト\ue6ec", "テストです\ue72d"
    ),
    "jpmobile/rails-mobile_mailer/iphone-message.eml": Expect(
        "iPhone au メッセージ", "%[園児名]%の%[保護者名]% 様"
    ),
    "jpmobile/rails-mobile_mailer/softbank-gmail-sjis.eml": Expect(
        "テスト\ue5a4\ue5a6\ue5a4", "テストです\ue6b4"
    ),
    "jpmobile/rails-mobile_mailer/softbank-gmail-utf8.eml": Expect(
        "テストです\ue221", "テストです\ue223"
    ),
    "mailcore2/expected-summary/1460-no-charset.txt": Expect(
        "[PressNetwork Digest] 2010年12月08日(水) [3件]", "プレスネットワークダイジェスト"
    ),
    "mailcore2/expected-summary/4925-japanese.txt": Expect(
        "ＥＴＣマイレージからのお知らせ", "いつもＥＴＣマイレージサービスをご利用いただき"
    ),
    "mailcore2/expected-summary/6094-japanese-1.txt": Expect(
        "緊急ミーティング", "どの日でもいいですよ。そっちの都合に合わせます。"
    ),
    "mailcore2/expected-summary/6094-japanese-2.txt": Expect(
        "緊急ミーティング", "定例ミーティングではなく特別なやつをやります。"
    ),
    "mailcore2/input/1460-no-charset.eml": Expect(
        "[PressNetwork Digest] 2010年12月08日(水) [3件]",
        "2010年12月08日に配信されたプレスリリースのヘッドラインをお届けします。",
    ),
    "mailcore2/input/4925-japanese.eml": Expect(
        "ＥＴＣマイレージからのお知らせ", "システム一時停止（サーバーメンテナンスのため）"
    ),
    "mailcore2/input/6094-japanese-1.eml": Expect(
        "Re: 緊急ミーティング", "どの日でもいいですよ。そっちの都合に合わせます。"
    ),
    "mailcore2/input/6094-japanese-2.eml": Expect(
        "緊急ミーティング", "定例ミーティングではなく特別なやつをやります。"
    ),
    "mikel-mail/attachment_emails/attachment_with_encoded_name.eml": Expect(
        "Fwd: Signed email causes file attachments",
        "Test attachments oddly encoded with japanese charset.",
    ),
    "mikel-mail/multi_charset/japanese.eml": Expect("まみむめも", "かきくえこ"),
    "mikel-mail/multi_charset/japanese_attachment.eml": Expect(
        "testing", "Rails, RSpec and Life blog"
    ),
    "mikel-mail/multi_charset/japanese_attachment_long_name.eml": Expect("まみむめも" * 10, ""),
    "mikel-mail/multi_charset/japanese_iso_2022.eml": Expect("まみむめも", "すみません。"),
    "mikel-mail/multi_charset/japanese_shift_jis.eml": Expect(
        "test", "このメールはテスト用のメールです。"
    ),
    "mikel-mail/rfc2822/example14.eml": Expect("Re: TEST テストテスト", "Hello"),
    "mimekit/japanese.txt": Expect(
        "日本語メールテスト (testing Japanese emails)", "日本語が\n正常に\n送れているか"
    ),
    "php-mime-mail-parser/failure.eml": Expect(
        "", "次の受信者またはグループへの配信に失敗しました"
    ),
    "php-mime-mail-parser/issue116.eml": Expect("ЖД№41 от 28.09.2016", "toto"),
    "stalwart-mail-parser/thirdparty-005.eml": Expect("", "『世界人権宣言』"),
    "stalwart-mail-parser/thirdparty-010.eml": Expect("こんにちは", "人権の無視及"),
}

# mnako-letters: one message in every shape × charset × transfer encoding; same truth for all.
for _shape in ("plaintext", "multipart_mixed", "multipart_related", "multipart_signed"):
    for _charset in ("euc-jp", "iso-2022-jp", "utf-8"):
        for _cte in ("7bit", "base64", "quoted-printable"):
            if _charset == "euc-jp" and _cte == "7bit":
                continue  # EUC-JP cannot travel as 7bit; upstream has no such file
            _name = f"mnako-letters/test_japanese_{_shape}_{_charset}_over_{_cte}.txt"
            _subject = (
                "📧 Signed Test いろは歌" if _shape == "multipart_signed" else "📧 Test いろは歌"
            )
            EXPECTED[_name] = Expect(_subject, "色は匂えど\n散りぬるを\n我が世誰ぞ\n常ならん")

_NOT_MAIL = {"MANIFEST.tsv", "SOURCE.md"}


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_fixture_decodes_to_hand_checked_subject_and_text(relative: str) -> None:
    path = mail_fixtures_dir() / relative
    expect = EXPECTED[relative]
    mail = parse_mail(path.read_bytes())
    if expect.subject_ends:
        assert mail.subject.startswith(expect.subject_ends[0])
        assert mail.subject.endswith(expect.subject_ends[1])
    else:
        assert mail.subject == expect.subject
    if expect.body:
        assert expect.body in mail.text
    else:
        assert mail.text.strip() == ""
    assert "\ufffd" not in mail.subject
    if not expect.source_has_replacement:
        assert "\ufffd" not in mail.text
    assert mail.to_contract()["subject"] == mail.subject


def test_every_fixture_file_has_an_expectation() -> None:
    root = mail_fixtures_dir()
    found = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name not in _NOT_MAIL
    }
    assert found - set(EXPECTED) == set()
    assert set(EXPECTED) - found == set()


def test_mnako_grid_decodes_identically_in_every_encoding() -> None:
    root = mail_fixtures_dir()
    texts = {}
    for relative in EXPECTED:
        if relative.startswith("mnako-letters/test_japanese_plaintext"):
            texts[relative] = parse_mail((root / relative).read_bytes()).text.strip()
    assert len(texts) == 8
    assert len(set(texts.values())) == 1


def test_rfc2231_iso_2022_jp_filename_with_8bit_byte_is_guessed_and_reported() -> None:
    path = mail_fixtures_dir() / "mikel-mail/attachment_emails/attachment_with_encoded_name.eml"
    mail = parse_mail(path.read_bytes())
    (attachment,) = mail.attachments
    assert attachment.filename is not None
    assert attachment.filename.startswith("01 Quien Te Dij")
    assert attachment.filename.endswith("t. Pitbull.mp3")
    assert any("filename" in d and "iso-2022-jp" in d for d in mail.defects)


def test_long_rfc2231_utf8_filename_is_joined_from_sections() -> None:
    path = mail_fixtures_dir() / "mikel-mail/multi_charset/japanese_attachment_long_name.eml"
    mail = parse_mail(path.read_bytes())
    assert [a.filename for a in mail.attachments] == ["かきくけこ" * 5 + ".txt"]


def test_gb2312_bounce_is_read_as_gb18030_and_marked_automatic() -> None:
    mail = parse_mail((mail_fixtures_dir() / "php-mime-mail-parser/failure.eml").read_bytes())
    assert "gb18030" in mail.charsets
    assert mail.is_auto


def test_no_charset_iso_2022_jp_body_is_sniffed_with_a_defect() -> None:
    path = mail_fixtures_dir() / "mailcore2/input/1460-no-charset.eml"
    mail = parse_mail(path.read_bytes())
    assert mail.charsets == ["cp50220"]
    assert any("ISO-2022-JP escapes" in d for d in mail.defects)


def test_japanese_bounce_is_automatic() -> None:
    path = mail_fixtures_dir() / "jpmobile/rails-mobile_mailer/bounced-jp.eml"
    mail = parse_mail(path.read_bytes())
    assert mail.is_auto
    assert mail.from_addr == "mailer-daemon@example.jp"
    assert {a.content_type for a in mail.attachments} == {
        "message/delivery-status",
        "message/rfc822",
    }
