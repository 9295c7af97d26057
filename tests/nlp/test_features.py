"""Features and cues: negation, requests, closings, kana spellings, language, leftover quotes."""

from __future__ import annotations

import pytest

from bot.nlp.cleanup import buyer_text
from bot.nlp.features import extract, language_of
from bot.nlp.normalize import normalize
from bot.nlp.tokens import english_tokens


def features(body: str, subject: str = ""):  # type: ignore[no-untyped-def]
    return extract(normalize(subject), normalize(body))


def test_not_arrived_and_arrived_are_told_apart() -> None:
    missing = features("注文した商品がまだ届いていません。")
    arrived = features("注文した商品が届きました。")
    assert "p:届く|NEG" in missing.names and "c:not_arrived" in missing.names
    assert "p:届く|PAST" in arrived.names and "c:arrived" in arrived.names
    assert "c:not_arrived" not in arrived.names
    assert "p:届く|NEG" not in arrived.names


@pytest.mark.parametrize(
    "body", ["届きません", "届かないです", "まだ届いておりません", "届いてない"]
)
def test_every_negative_form_of_todoku_is_negated(body: str) -> None:
    assert "p:届く|NEG" in features(body).names


def test_do_not_cancel_is_a_negated_cancel() -> None:
    found = features("キャンセルはしないでください。")
    assert "c:cancel_negated" in found.names
    assert "p:キャンセル|NEG" in found.names


def test_noun_predicates_through_particles() -> None:
    assert "p:返品|NEG" in features("返品ではありません").names
    assert "p:返事|NEG" in features("返事がありません").names


def test_half_width_kana_question() -> None:
    found = features("ｷｬﾝｾﾙできますか？")
    assert "c:cancel" in found.names
    assert found.asks


@pytest.mark.parametrize(
    ("body", "asks"),
    [
        ("よろしくお願いいたします。", False),
        ("何卒よろしくお願い申し上げます。", False),
        ("ご対応いただきありがとうございました。", False),
        ("先日送っていただいた商品です。", False),
        ("ご確認をお願いします。", True),
        ("領収書を発行していただけますか", True),
        ("いつ届きますか", True),
        ("届きました", False),
        # What the shop said it would do, acknowledged: nothing asked.
        ("請求書は月末に郵送いただけるとのこと、承知いたしました。", False),
        ("郵送いただけると助かります。", True),
        # The buyer's humble statement of what they will do.
        ("経理処理に使用させていただきます。", False),
        ("社内で検討のうえ、改めてご連絡させていただきます。", False),
        # The same form asked, or wished for, is a request.
        ("返品させていただけますか", True),
        ("返品させていただきたいです。", True),
        ("ご確認いただきますようお願いいたします。", True),
        # A request made earlier, told in the past: nothing asked now.
        ("先日お願いしておりました領収書、本日拝受いたしました。", False),
        ("発送をお願いしましたが、まだですか", True),
        # A question quoted, not asked.
        ("追跡番号どこ？って問い合わせようとしてたんですが、書いてありました。", False),
        ("届かないのかと心配しましたが、無事に届きました。", False),
        ("届くのか？と思っていましたが、今朝届きました。いつもありがとう。", False),
        ("届きますか？と心配でしたが、届きました。次はいつ発送ですか？", True),
    ],
)
def test_requests_outside_closing_formulas_reported_speech_and_humble_statements(
    body: str, asks: bool
) -> None:
    assert features(body).asks is asks


def test_kana_spellings_are_read_as_the_words_they_spell() -> None:
    assert "c:return" in features("へんぴんしたいです").names
    assert "c:invoice" in features("ﾘｮｳｼｭｳｼｮほしいです").names


def test_reply_subject_is_weighed_apart_from_the_buyers_own() -> None:
    own = features("お願いします", subject="キャンセルについて")
    reply = features("お願いします", subject="Re: キャンセルについて")
    assert "cs:cancel" in own.names and "cr:cancel" not in own.names
    assert "cr:cancel" in reply.names and "cs:cancel" not in reply.names


def test_a_subject_the_buyer_wrote_in_anger_speaks_to_the_anger_model_only() -> None:
    own = features("配送状況を教えてください。", subject="問い合わせを無視されています")
    reply = features("配送状況を教えてください。", subject="Re: 問い合わせを無視されています")
    assert "cs:unanswered" in own.names
    assert not any(n.endswith(":unanswered") for n in reply.names)
    # A feature, not a cue: a short subject alone ("Charged twice") does not flag anger.
    assert "unanswered" not in own.cues


def test_a_repeated_subject_is_read_once_and_gives_the_same_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.nlp import features as module

    monkeypatch.setattr(module, "_SUBJECTS", {})
    monkeypatch.setattr(module, "_MAX_SUBJECTS", 4)
    subjects = [f"Re: 注文{n}のキャンセルについて" for n in range(6)] + ["領収書"]
    first = [features("お願いします", subject=s) for s in subjects]
    again = [features("お願いします", subject=s) for s in subjects]
    assert [f.names for f in first] == [f.names for f in again]
    assert [f.subject_names for f in first] == [f.subject_names for f in again]
    assert "cr:cancel" in first[0].names and "cs:invoice" in first[-1].names
    assert 0 < len(module._SUBJECTS) <= 4
    # Shared between mails, so it cannot be changed.
    assert isinstance(first[-1].subject_names, frozenset)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("注文した商品が届きました。ありがとうございました。", None),
        ("もう二週間も待っています。", "f:grievances=1"),
        (
            "もう2週間待っています。一言のご連絡すらありません。至急ご対応ください。",
            "f:grievances>=2",
        ),
    ],
)
def test_kinds_of_displeasure_are_counted(body: str, expected: str | None) -> None:
    found = {n for n in features(body).names if n.startswith("f:grievances")}
    assert found == ({expected} if expected else set())


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("注文した商品が届きません", "ja"),
        ("Where is my order?", "en"),
        ("我的订单在哪里", "other"),
        ("ｷｬﾝｾﾙ", "ja"),
        ("", "other"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert language_of(normalize(text)) == language


def test_english_negation_scope() -> None:
    found = features("I have not received my package yet.")
    assert "p:received|NEG" in found.names
    assert "c:not_arrived" in found.names


def test_leftover_relay_wrapping_and_quotes_are_cut() -> None:
    body = (
        "Amazon.co.jp を通じて、山田 太郎 様からメッセージが届きました。\n"
        "------------- メッセージ: -------------\n"
        "キャンセルしてください。\n"
        "------------- メッセージの終了 -------------\n"
        "このメッセージに返信すると、Amazon.co.jp を通じて購入者に送信されます。"
    )
    assert buyer_text(body) == "キャンセルしてください。"


def test_quoted_earlier_mail_and_signature_are_cut() -> None:
    body = (
        "返品したいです。\n\n--\n山田太郎\n〒100-0000\n\n"
        "2026年11月20日(金) 10:00 ショップ <shop@example.jp>:\n> 商品は届きましたでしょうか。"
    )
    assert buyer_text(body) == "返品したいです。"
    outlook = (
        "届いていません。\n差出人: ショップ <a@example.jp>\n送信日時: 2026年11月20日\n件名: 発送"
    )
    assert buyer_text(outlook) == "届いていません。"


@pytest.mark.parametrize(
    "quote",
    [
        "2024年5月1日(水) 10:00 山田太郎 <x@example.jp>:\n> 発送しました。",
        "2024年5月1日（水） 10:00 <x@example.jp>:\n> 発送しました。",
        "2009/07/25 12:15 に ショップ<x@example.jp> さんは書きました:\n> 発送しました。",
        "2006-11-08 (水) の 11:31 +0100 に ショップ さんは書きました:\n> 発送しました。",
        "2024/05/01 10:00、ショップ <x@example.jp>のメッセージ:\n発送しました。",
        "-----Original Message-----\nFrom: shop@example.jp\n発送しました。",
        "From: Shop <x@example.jp>\nSent: Wednesday, May 1, 2024 10:00\nTo: me\n発送しました。",
        "ーーーーーーーー\n差出人: ショップ\n送信日時: 2024年5月1日\n宛先: 私\n件名: 発送\n発送しました。",
        "＞ 発送しました。\n＞ 届きましたらご連絡ください。",
        "--\n山田太郎\n〒100-0000 東京都\nTEL 03-0000-0000",
        "iPhoneから送信",
        "Sent from my iPhone",
        "━━━━━━━━━━\n山田太郎\n〒100-0000\nhttps://example.jp\n━━━━━━━━━━",
    ],
)
def test_documented_quote_and_signature_forms_are_cut(quote: str) -> None:
    assert buyer_text(f"キャンセルをお願いします。\n\n{quote}") == "キャンセルをお願いします。"


@pytest.mark.parametrize(
    "body",
    [
        "追跡では「配達完了」にはなっていません。今どこにありますか。",
        "表示は「配達完了」ではなく「輸送中」です。あと何日かかりますか。",
    ],
)
def test_a_quoted_status_that_is_denied_is_negated(body: str) -> None:
    found = features(body)
    assert "p:配達|NEG" in found.names
    assert "delivered_status" in found.negated


def test_a_clause_before_wake_dewa_nai_is_denied() -> None:
    found = features("返品をお願いしたいわけではありません。発送日を教えてください。")
    assert "p:返品|NEG" in found.names
    assert "return" in found.negated
    # Asking whether it is so denies nothing.
    asked = features("返品をお願いしたいわけではないですよね？")
    assert "return" not in asked.negated


def test_a_denied_inquiry_negates_its_subject() -> None:
    found = features("支払いの問い合わせではありません。領収書を発行してください。")
    assert "payment" in found.negated
    assert "invoice" not in found.negated


def test_a_cue_that_says_its_own_negation_is_not_turned_around() -> None:
    found = features("There has been no answer to my two earlier emails. Where is my order?")
    assert "c:unanswered" in found.names
    assert "unanswered" not in found.negated
    found = features("My parcel hasn't arrived and I need it by Friday.")
    assert "c:not_arrived" in found.names


def test_english_negation_stops_at_the_end_of_its_sentence() -> None:
    found = features("No tracking yet. When will it ship?")
    assert "c:when_arrive" in found.names and "c:when_arrive|NEG" not in found.names
    found = features("It has not arrived. Where is it?")
    assert "c:shipping_state" in found.names and "p:where|NEG" not in found.names
    # Only a full stop before a space or the end ends a sentence: not a domain's or a number's.
    assert english_tokens("sent via amazon.co.jp, 1.5kg. ok")[0] == (
        "sent", "via", "amazon", "co", "jp", "1", "5", "kg", ".", "ok",
    )  # fmt: skip


def test_english_negation_reaches_four_words() -> None:
    found = features("The tracking page does not show it as delivered.")
    assert "p:delivered|NEG" in found.names


@pytest.mark.parametrize(
    ("name", "body", "present"),
    [
        # By when to order, asked before buying; an order already placed asks about its parcel.
        ("c:order_by", "母の日に届けたいのですが、何日までに注文すれば間に合いますか？", True),
        ("c:order_by", "今週中に頼めば、土曜日に届きますか", True),
        ("c:order_by", "注文は何日までにすれば間に合いますか？", True),
        ("c:order_by", "If I order today, will it arrive by Friday?", True),
        ("c:order_by", "12月20日に注文しましたが、28日までに間に合いますか", False),
        ("c:order_by", "注文したのにまだ届きません", False),
        # Doubled question and exclamation marks.
        ("f:marks", "いつ届くの？？", True),
        ("f:marks", "Seriously?? When??", True),
        ("f:marks", "ありがとうございました！！", True),
        ("f:marks", "まだですか？！", True),
        ("f:marks", "いつ届きますか？", False),
        ("f:marks", "届きました！ありがとう！", False),
        # Has it shipped, asked in a noun sentence or as buyers type it in English; a shop's
        # own 「本日発送です」 asks nothing.
        ("c:shipping_state", "今日発送ですか？", True),
        ("c:shipping_state", "発送はお済みでしょうか。", True),
        ("c:shipping_state", "did u ship it yet?", True),
        ("c:shipping_state", "Hey, any news on my order?", True),
        ("c:shipping_state", "本日発送です。よろしくお願いします。", False),
        ("c:when_arrive", "いつ送りますか？", True),
        # Asking to move, hold back or reroute a shipment is a change only a person can make;
        # asking when it ships is not.
        ("c:change_request", "発送をあさってにずらせますか", True),
        ("c:change_request", "来週の月曜以降に発送していただけると助かります。", True),
        ("c:change_request", "発送を22日まで延ばしていただくことは可能でしょうか。", True),
        ("c:change_request", "いつ発送していただけますか？", False),
        ("c:change_target", "今回は自宅に送っていただけますでしょうか。", True),
        ("c:change_target", "自宅に届いた商品が壊れていました。", False),
        # Polite anger: patience at its end, a veiled threat, a second request.
        ("c:displeasure", "これ以上待つことはできかねます。", True),
        ("c:displeasure", "しかるべき対応を検討いたします。", True),
        ("c:displeasure", "ご対応ありがとうございました。", False),
        ("c:unanswered", "既に二度お願いしております。", True),
        ("c:unanswered", "一度ご連絡いたしました。", False),
        # 「お手数おかけしました」 closes a matter; 「お手数をおかけしますが」 opens a request.
        ("c:thanks", "追跡番号は見つかりました。お手数おかけしました。", True),
        ("c:thanks", "お手数をおかけしますが、ご確認ください。", False),
        ("c:lost", "The photo shows a door that is not mine. It went to the wrong house.", True),
        ("c:delivered_status", "配達済みなのにポストに入っていませんでした。", True),
        # 「管理人預かり」 is how carriers record a parcel handed to the building's manager: the
        # buyer who cannot find it there has a parcel marked delivered, not one on its way.
        (
            "c:delivered_status",
            "追跡では「管理人様へお渡し」となっていますが、管理室にはないそうです。",
            True,
        ),
    ],
)
def test_features_of_a_form_of_mail(name: str, body: str, present: bool) -> None:
    assert (name in features(body).names) is present
