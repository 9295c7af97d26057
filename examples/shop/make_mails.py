"""Write the example shop's buyer mails (``examples/shop/mails/*.eml``) from the texts below.

The shop is ミライ雑貨店, a Shenzhen household-goods seller on Amazon.co.jp; its orders are in
``orders.csv`` next to this file. Each entry names the mailer that wrote it (Outlook, Becky!,
Gmail, iPhone, Apple Mail, Thunderbird, a webmail) and ``mailers.py`` writes it in that
mailer's charset, transfer encoding and MIME shape, so ``madoguchi demo`` shows the real
pipeline at work. README.md lists every mail with its intent and purpose.

Run from the repository root (writes next to this file unless ``--out`` is given)::

    PYTHONPATH=. /work/venv/bin/python examples/shop/make_mails.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mailers import (
    SHOP_MX,
    ExampleMail,
    build,
    gmail_html,
    quote,
    relay,
    resolve_replies,
    text,
)

HERE = Path(__file__).resolve().parent

# --- The buyers' mails, oldest first --------------------------------------------------------

_LATE_ORDER_FIRST = text(
    """
    ミライ雑貨店 ご担当者様

    お世話になっております。鈴木と申します。
    11月17日に電動ミルクフォーマーを2点注文いたしました。

    注文番号：503-8826403-1195570

    お届け予定日が11月20日～11月23日となっておりましたが、
    本日になっても商品が届かず、注文履歴を見るとまだ「未発送」のままです。
    12月初めに知人へ贈る予定のため、いつ頃発送いただけるか教えていただけますでしょうか。

    よろしくお願いいたします。

    鈴木 一郎
    """
)

_CHANGE_ADDRESS_FIRST = text(
    """
    ミライ雑貨店
    ご担当者様

    お世話になっております。佐藤と申します。
    昨日、卓上加湿器（ピンク）を注文したのですが、配送先の住所を間違えて登録してしまいました。
    まだ発送前でしたら、下記の住所への変更をお願いできますでしょうか。

    注文番号：250-3308145-5517926

    （誤）〒100-0000 東京都千代田区千代田1-1-1
    （正）〒100-0000 東京都千代田区千代田2-2-2 グリーンハイツ

    お手数をおかけしますが、どうぞよろしくお願いいたします。

    佐藤花子
    """
)

_CHANGE_ADDRESS_NEW = text(
    """
    たびたび申し訳ありません。
    先ほどお送りした住所に部屋番号が抜けていました。
    正しくは「東京都千代田区千代田2-2-2 グリーンハイツ305号室」です。

    あわせて、平日の日中は不在にしていることが多いので、
    可能でしたら夜間（19時～21時）の時間帯指定をお願いできますでしょうか。

    佐藤花子
    """
)
# Buyers quote their own Sent copies, which show their real address and the shop's relay alias.
_CHANGE_ADDRESS_ATTRIBUTION = "2026年11月23日(月) 9:12 佐藤花子 <hanako.sato.0321@example.jp>:"

_SHIPMENT_NOTICE_O8 = """
    小川 様

    この度はミライ雑貨店をご利用いただき、誠にありがとうございます。
    ご注文の商品を本日発送いたしましたので、お知らせいたします。

    注文番号：249-9014736-0827451
    配送業者：ヤマト運輸
    追跡番号：4812-3390-9586
    お届け予定日：11月21日～11月23日

    商品の到着まで、今しばらくお待ちください。

    ミライ雑貨店
"""

_RETURN_INSTRUCTIONS_O15 = """
    井上 様

    お問い合わせいただきありがとうございます。
    返品につきまして、お手数ですが下記の住所へご返送いただけますでしょうか。

    〒100-0000 東京都千代田区千代田3-3-3 ミライ雑貨店 返品受付

    商品の到着を確認しだい、3営業日以内に返金の手続きをいたします。

    ミライ雑貨店
"""

_SEO_HTML = text(
    """
    <!DOCTYPE html>
    <html lang="ja">
    <head>
    <meta charset="UTF-8">
    <title>無料診断のご案内</title>
    </head>
    <body style="margin:0;padding:0;background:#f4f4f4;">
    <table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">
    <table width="600" cellpadding="24" cellspacing="0" border="0" style="background:#ffffff;font-family:'Hiragino Kaku Gothic ProN',Meiryo,sans-serif;font-size:14px;line-height:1.8;color:#333333;">
    <tr><td>
    <p>ミライ雑貨店<br>ご担当者様</p>
    <p>突然のご連絡失礼いたします。<br>株式会社ネクストリンク 営業部の高田と申します。</p>
    <p>弊社では、Amazon.co.jpに出品されている海外セラー様向けに、商品ページの<strong>SEO対策・キーワード最適化</strong>を代行しております。</p>
    <p>現在<span style="color:#d0021b;font-weight:bold;">先着20社様限定</span>で、貴店の商品ページを無料で診断し、検索順位が上がらない原因をレポートにしてお送りしております。</p>
    <ul>
    <li>導入実績1,200社以上</li>
    <li>導入後3か月で検索順位が平均3.2倍に改善</li>
    <li>初期費用0円、成果報酬型のプランもございます</li>
    </ul>
    <p style="text-align:center;"><a href="https://nextlink-seo.example.jp/lp/amazon?utm_source=mail&amp;utm_campaign=2611" style="display:inline-block;padding:12px 32px;background:#ff9900;color:#ffffff;text-decoration:none;border-radius:4px;">無料診断を申し込む</a></p>
    <p>ご興味がございましたら、本メールへのご返信でも承ります。</p>
    <hr>
    <p style="font-size:12px;color:#888888;">株式会社ネクストリンク 営業部<br>〒100-0000 東京都千代田区千代田1-1-1<br>TEL 03-0000-0000<br>今後のご案内が不要な方は<a href="https://nextlink-seo.example.jp/optout?id=7f3a">こちら</a></p>
    </td></tr></table>
    </td></tr></table>
    </body>
    </html>
    """
)

_PHISHING_TEXT = text(
    """
    Amazon出品者様

    お客様のセラーアカウントで、通常とは異なる場所からのログインが検出されたため、
    安全のためアカウントを一時的に停止いたしました。

    24時間以内に、下記のリンクから本人確認を完了してください。
    期限までに確認が完了しない場合、アカウントは永久に停止され、売上金のお支払いも保留となります。

    ▼本人確認はこちら
    https://sellercentral-verify.example.com/ap/signin?ref=jp_2611

    ※本メールは送信専用のアドレスからお送りしています。

    Amazon.co.jp セラーサポート
    """
)

_PHISHING_HTML = text(
    """
    <html><body style="font-family:Arial,sans-serif;font-size:14px;color:#111111;">
    <div style="max-width:560px;margin:0 auto;border:1px solid #dddddd;padding:20px;">
    <p style="font-size:20px;font-weight:bold;">amazon <span style="color:#ff9900;">seller central</span></p>
    <p>Amazon出品者様</p>
    <p>お客様のセラーアカウントで、通常とは異なる場所からのログインが検出されたため、安全のためアカウントを<b>一時的に停止</b>いたしました。</p>
    <p>24時間以内に、下記のボタンから本人確認を完了してください。期限までに確認が完了しない場合、アカウントは永久に停止され、売上金のお支払いも保留となります。</p>
    <p style="text-align:center;"><a href="https://sellercentral-verify.example.com/ap/signin?ref=jp_2611" style="background:#f0c14b;border:1px solid #a88734;padding:10px 24px;color:#111111;text-decoration:none;">本人確認を行う</a></p>
    <p style="font-size:12px;color:#777777;">※本メールは送信専用のアドレスからお送りしています。<br>Amazon.co.jp セラーサポート</p>
    </div>
    </body></html>
    """
)

MAILS: tuple[ExampleMail, ...] = (
    ExampleMail(
        file="01-seo-sales-pitch.eml",
        intent="other",
        date="2026-11-20 10:12:40",
        sender="info@nextlink-seo.example.jp",
        name="株式会社ネクストリンク 営業部",
        subject="【Amazon出品者様限定】検索順位を上げる無料診断のご案内",
        body="",
        html=_SEO_HTML,
        shape="html",
        mailer="bulk",
    ),
    ExampleMail(
        file="02-restock-question.eml",
        intent="product_question",
        date="2026-11-20 21:40:18",
        sender=relay("a4f7kd2nw9qzx3e"),
        name=None,
        subject="ランチジャーの再入荷について",
        subject_form="Q",
        encoding="quoted-printable",
        mailer="applemail",
        body=text(
            """
            こんにちは。
            ステンレスの保温ランチジャー（1.0L）を買おうと思ったのですが、ネイビーだけ在庫切れになっていました。
            再入荷の予定はありますか？　12月上旬までに入るようでしたら待ちたいと思っています。

            あと、内側の容器は食洗機で洗っても大丈夫でしょうか。
            商品ページに記載が見つからなかったので、教えていただけると助かります。

            よろしくお願いします。
            """
        ),
    ),
    ExampleMail(
        file="03-english-charger-question.eml",
        intent="product_question",
        date="2026-11-21 03:12:55",
        sender=relay("j6s1vm8ry4pbk2c"),
        name="Emily Carter",
        subject="Question about the 65W USB-C charger",
        encoding="7bit",
        mailer="thunderbird",
        body=text(
            """
            Hi,

            I'm thinking of buying your 65W USB-C charger (white, 2 ports) and have two
            quick questions before I order:

            1. Will it charge a MacBook Pro 14" (2023) at full speed?
            2. If I plug in my laptop and my phone at the same time, how is the power
               split between the two ports?

            I live in Osaka, so I assume the plug is the Japanese type A?

            Thanks in advance,
            Emily
            """
        ),
    ),
    ExampleMail(
        file="04-bounce-user-unknown.eml",
        intent=None,
        date="2026-11-21 10:02:11",
        sender=f"MAILER-DAEMON@{SHOP_MX}",
        name="Mail Delivery System",
        subject="Undelivered Mail Returned to Sender",
        body="",
        shape="bounce",
        mailer="postfix",
    ),
    ExampleMail(
        file="05-out-of-office.eml",
        intent=None,
        date="2026-11-21 13:30:02",
        sender=relay("x7h3bn9sd2krf6u"),
        name="木村 直子",
        subject="自動返信: ご注文の商品を発送いたしました",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="outlook",
        in_reply_to=f"<20261120173005.7C1E3F0A@{SHOP_MX}>",
        extra_headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
        body=text(
            """
            このメールは自動返信です。

            誠に恐れ入りますが、11月21日（土）から11月24日（火）まで出張のため不在にしております。
            いただいたメールは、11月25日（水）以降に順次確認のうえ、ご返信いたします。

            お急ぎのご用件は、総務部代表（03-0000-0000）までご連絡ください。

            ㈱サンプル商会 総務部
            木村 直子
            """
        ),
    ),
    ExampleMail(
        file="06-heater-cracked-photo.eml",
        intent="defective",
        date="2026-11-21 18:45:33",
        sender=relay("g3k7te1wq9zpd6n"),
        name="渡辺 翔太",
        subject="商品が破損していました",
        encoding="quoted-printable",
        mailer="iphone",
        shape="photo",
        body=text(
            """
            ミライ雑貨店様

            昨日届いたセラミックヒーターですが、箱から出したところ、本体前面のカバーにヒビが入っていました。写真を添付します。
            電源を入れると温風は出るのですが、中からカタカタと音がして、怖くて使えていません。
            箱の角も少しつぶれていたので、配送中にぶつけたのかもしれません。

            交換か返金をお願いできますでしょうか。
            注文番号は249-7205583-6634019です。

            渡辺
            """
        ),
    ),
    ExampleMail(
        file="07-payment-methods.eml",
        intent="payment",
        date="2026-11-22 11:11:07",
        sender=relay("q2n7hx5cf9dwa8t"),
        name=None,
        subject="支払い方法について",
        body=text(
            """
            はじめまして。
            ワイヤレス充電スタンドの購入を考えているのですが、クレジットカードを持っていません。
            コンビニ払いか代金引換で注文することはできますか？
            それと、Amazonギフトカードの残高が3,000円ほどあるので、足りない分だけ別の方法で払うこともできるのでしょうか。
            よろしくお願いします。
            """
        ),
    ),
    ExampleMail(
        file="08-return-wrong-size.eml",
        intent="return_refund",
        date="2026-11-22 13:05:49",
        sender=relay("w6x2jm8fb5hsa9c"),
        name="伊藤 健",
        subject="サイズ交換（または返品）のお願い",
        encoding="quoted-printable",
        mailer="applemail",
        body=text(
            """
            ミライ雑貨店 御中

            お世話になっております。伊藤と申します。
            先日はルームシューズを早々にお送りいただき、ありがとうございました。

            普段27cmの靴を履いているのでLサイズを選んだのですが、実際に履いてみると小さく、
            かかとがきちんと入りませんでした。
            室内で一度試し履きしただけで、タグも付けたままにしてあります。

            XLサイズに交換していただくことは可能でしょうか。
            交換が難しいようでしたら、返品・返金でも構いません。
            返送先と手順を教えていただけますと助かります。

            注文番号：503-6618840-2051973

            --\x20
            伊藤 健
            """
        ),
    ),
    ExampleMail(
        file="09-fewer-items.eml",
        intent="not_received",
        date="2026-11-22 16:20:14",
        sender=relay("n5r8fa2ke6wzt1m"),
        name="中村 由美",
        subject="商品の数が足りません",
        charset="shift_jis",
        encoding="8bit",
        body=text(
            """
            ミライ雑貨店様

            いつもお世話になっております。
            マグネット式のキッチンタイマーを3個注文したのですが、本日届いた箱には2個しか入っていませんでした。
            箱の中も緩衝材もよく確認しましたが、残りの1個は見当たりませんでした。

            注文番号：５０３－３９７２０１５－８８４０２６１

            お手数ですが、不足分の1個を送っていただけますでしょうか。
            よろしくお願いいたします。

            ――――――――――――――――
            中村 由美
            〒100-0000 東京都千代田区千代田1-1-1
            TEL 03-0000-0000
            ――――――――――――――――
            """
        ),
    ),
    ExampleMail(
        file="10-where-is-my-order-no-match.eml",
        intent="shipping_status",
        date="2026-11-22 23:05:26",
        sender="yamada.taro.1984@example.jp",
        name="山田太郎",
        subject="Amazonで注文した商品がまだ届きません（注文番号がわかりません）",
        body=text(
            """
            お世話になります。山田と申します。
            今月のはじめごろにAmazonでそちらのお店の商品を注文したのですが、まだ届いていません。
            注文番号が書いてあるメールを消してしまったようで、番号がわかりません。すみません。
            たしか黒っぽいスマホスタンドだったと思います。
            名前（山田太郎）で調べてもらうことはできますか？
            いつ頃届くか教えてください。
            """
        ),
    ),
    ExampleMail(
        file="11-change-address.eml",
        intent="change_order",
        date="2026-11-23 09:12:03",
        sender=relay("y4b9ug2xc7mre5h"),
        name="佐藤花子",
        subject="配送先住所の変更のお願い",
        mailer="gmail",
        shape="alternative",
        body=_CHANGE_ADDRESS_FIRST,
        html=gmail_html(_CHANGE_ADDRESS_FIRST),
    ),
    ExampleMail(
        file="12-change-address-followup.eml",
        intent="change_order",
        date="2026-11-23 09:40:51",
        sender=relay("y4b9ug2xc7mre5h"),
        name="佐藤花子",
        subject="Re: 配送先住所の変更のお願い",
        mailer="gmail",
        shape="alternative",
        in_reply_to="11-change-address.eml",
        body=(
            _CHANGE_ADDRESS_NEW
            + "\n"
            + _CHANGE_ADDRESS_ATTRIBUTION
            + "\n\n"
            + quote(_CHANGE_ADDRESS_FIRST)
        ),
        html=gmail_html(_CHANGE_ADDRESS_NEW, _CHANGE_ADDRESS_ATTRIBUTION, _CHANGE_ADDRESS_FIRST),
    ),
    ExampleMail(
        file="13-ems-customs.eml",
        intent="shipping_status",
        date="2026-11-23 10:30:12",
        sender=relay("r4j7nb1sq8vhe2k"),
        name="松本 恵",
        subject="EMSの追跡が「通関手続中」のままです",
        subject_form="Q",
        encoding="quoted-printable",
        mailer="applemail",
        body=text(
            """
            ミライ雑貨店 ご担当者様

            お世話になっております。
            11月17日に発送のご連絡をいただいたLEDデスクライトの件でご相談です。

            お知らせいただいたEMSの番号（EA264371954CN）を日本郵便の追跡サービスで調べたところ、
            11月19日に「国際交換局に到着」となったあと、20日から「通関手続中」のまま止まっています。

            関税や消費税の支払いなど、こちらで何か手続きが必要なのでしょうか。
            また、お届け予定日が12月1日までとなっていますが、間に合いそうでしょうか。

            お忙しいところ恐れ入りますが、ご確認をお願いいたします。

            松本 恵
            """
        ),
    ),
    ExampleMail(
        file="14-thanks-received.eml",
        intent="thanks",
        date="2026-11-23 18:02:37",
        sender=relay("h8e2pr6vm3ycx1b"),
        name="小川 さくら",
        subject="Re: ご注文の商品を発送いたしました",
        encoding="quoted-printable",
        mailer="iphone",
        in_reply_to=f"<20261119173002.2B7D9A10@{SHOP_MX}>",
        body=(
            text(
                """
                本日受け取りました！
                丁寧に梱包していただいて、ありがとうございました😊

                iPhoneから送信

                2026/11/19 17:30、ミライ雑貨店 <7xq2k9m4vbn3d1p@marketplace.amazon.co.jp>のメール:
                """
            )
            + "\n"
            + quote(_SHIPMENT_NOTICE_O8)
        ),
    ),
    ExampleMail(
        file="15-charged-after-cancel.eml",
        intent="payment",
        date="2026-11-23 20:50:09",
        sender=relay("e1v6tp3ma8gyl4d"),
        name="吉田 拓也",
        subject="キャンセルした注文の請求について",
        charset="shift_jis",
        encoding="8bit",
        body=text(
            """
            ミライ雑貨店 様

            11月18日に注文した「LEDセンサーライト 2個セット」（注文番号 250-5962274-1089530）の件です。
            在庫切れのためキャンセルになったとのご連絡をいただき、承知しておりました。

            ところが、クレジットカードの利用明細を確認したところ、
            この注文と同じ金額（2,980円）が11月18日と11月19日の2回、請求されていました。
            キャンセルになった注文なのに、なぜ請求が残っているのでしょうか。

            お手数ですが、ご確認のうえご連絡をお願いします。

            吉田
            """
        ),
    ),
    ExampleMail(
        file="16-phishing-account-notice.eml",
        intent="other",
        date="2026-11-24 06:55:41",
        sender="no-reply@sellercentral-verify.example.com",
        name="Amazon Seller Central",
        subject="[Amazon] セラーアカウント一時停止のお知らせ（本人確認のお願い）",
        mailer="bulk",
        shape="alternative",
        body=_PHISHING_TEXT,
        html=_PHISHING_HTML,
    ),
    ExampleMail(
        file="17-cancel-unshipped.eml",
        intent="cancel",
        date="2026-11-24 07:58:20",
        sender=relay("c7q3lv9ex2bhn6a"),
        name=None,
        subject="ｷｬﾝｾﾙ希望",
        body=text(
            """
            すみません、注文のｷｬﾝｾﾙをお願いしたいです。
            250-1187350-9942618
            間違えて同じものを2回注文してしまいました💦
            もう1つの方はそのままで大丈夫です。
            """
        ),
    ),
    ExampleMail(
        file="18-late-order-inquiry.eml",
        intent="shipping_status",
        date="2026-11-24 09:15:44",
        sender=relay("m2w8ck5ur7pjz4g"),
        name="鈴木 一郎",
        subject="商品の発送について（注文番号 503-8826403-1195570）",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="outlook",
        body=_LATE_ORDER_FIRST,
    ),
    ExampleMail(
        file="19-where-is-it-no-order-id.eml",
        intent="shipping_status",
        date="2026-11-24 12:48:30",
        sender=relay("p9d2hw6ze1ycm5s"),
        name="小林 隆",
        subject="商品はいつ届きますか",
        charset="shift_jis",
        encoding="8bit",
        body=text(
            """
            お世話になります。
            先週注文した折りたたみ水筒のことでお聞きします。
            お届け予定が11/24～11/27となっていましたが、まだ届いていません。
            いまどのあたりにあるのでしょうか？

            来週から出張で家を空けるので、それまでに受け取れるか知りたいです。
            よろしくお願いします。

            小林
            """
        ),
    ),
    ExampleMail(
        file="20-missing-cable-cp50220.eml",
        intent="defective",
        date="2026-11-24 15:33:08",
        sender=relay("z8m1qe5tj3vca7w"),
        name="髙橋 誠",
        subject="付属品の不足と充電できない件について",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="becky",
        body=text(
            """
            ミライ雑貨店 ご担当者様

            お世話になっております。髙橋と申します。
            11月23日にワイヤレス充電スタンドを受け取りましたが、以下の2点についてご確認をお願いいたします。

            ① 説明書に「USB-Cケーブル（1m）付属」とありますが、箱に入っていませんでした。
            ② 手持ちのケーブルで電源につなぎ、iPhone 15を置いてみましたが、充電が始まらず、
            　 ランプが赤く点滅したままになります。

            お手数ですが、不足しているケーブルの送付と、本体の交換をお願いできますでしょうか。

            注文番号：249-1358026-7714493

            ――――――――――
            髙橋 誠
            ――――――――――
            """
        ),
    ),
    ExampleMail(
        file="21-yunexpress-tracking.eml",
        intent="shipping_status",
        date="2026-11-24 21:17:52",
        sender=relay("f6t1ym3ca9wrd0x"),
        name="加藤 大輔",
        subject="追跡番号で配送状況が確認できません",
        subject_form="B-bytesplit",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="becky",
        body=text(
            """
            ミライ雑貨店様

            お世話になります。
            11月16日に発送済みとなっているスマホ三脚の件です。

            追跡番号 YT2611162104738295 で配送状況を調べているのですが、
            11月17日の「深セン仕分けセンターを出発」から1週間、表示が変わりません。
            日本に届いたあとは、どこの配送業者に引き継がれるのでしょうか。
            お届け予定は12月5日までとなっていますが、このまま待っていて大丈夫ですか。

            加藤
            """
        ),
    ),
    ExampleMail(
        file="22-broken-truncated.eml",
        intent="defective",
        date="2026-11-25 03:33:17",
        sender=relay("l5w9ga3ez7mko1r"),
        name=None,
        subject="スマホケースの色が違います",
        charset="iso-2022-jp",
        shape="broken",
        body=text(
            """
            ミライ雑貨店様
            先日届いたスマホケースですが、注文したのはミントグリーンなのに、ピンクが入っていました。
            写真を添付します。交換をお願いできますか。
            """
        ),
    ),
    ExampleMail(
        file="23-english-tracking-other-carrier.eml",
        intent="shipping_status",
        date="2026-11-25 08:20:35",
        sender=relay("v9p4cs1ne7dyl2t"),
        name="Daniel Brooks",
        subject="Tracking number not working - order 249-0483316-8876542",
        charset="us-ascii",
        encoding="7bit",
        mailer="applemail",
        body=text(
            """
            Hello,

            I ordered an aroma diffuser from your shop on November 18 (order
            249-0483316-8876542). The order page says it shipped on November 19 with
            tracking number SZ26111900427, but neither the Yamato nor the Japan Post
            website recognises that number.

            Which company is delivering the parcel, and where can I track it? I'm
            leaving Tokyo on December 4, so I'd like to know whether it will arrive
            before then.

            Thank you,
            Daniel Brooks
            """
        ),
    ),
    ExampleMail(
        file="24-receipt-request.eml",
        intent="invoice",
        date="2026-11-25 10:05:58",
        sender=relay("h8e2pr6vm3ycx1b"),
        name="小川 さくら",
        subject="領収書の発行をお願いします",
        body=text(
            """
            ミライ雑貨店様

            先日はランチジャーをありがとうございました。小川です。
            職場で使う物として購入したので、経費精算のために領収書をいただきたいです。
            宛名は「株式会社サンプル物産」、但し書きは「事務用品代として」でお願いできますか。
            PDFでいただければ大丈夫です。

            注文番号 249-9014736-0827451
            """
        ),
    ),
    ExampleMail(
        file="25-qualified-invoice-cp50220.eml",
        intent="invoice",
        date="2026-11-25 14:22:19",
        sender=relay("x7h3bn9sd2krf6u"),
        name="木村 直子",
        subject="適格請求書（インボイス）発行のお願い",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="outlook",
        body=text(
            """
            ミライ雑貨店 ご担当者様

            いつもお世話になっております。
            ㈱サンプル商会 総務部の木村でございます。

            11月19日に貴店で購入いたしました下記商品につきまして、
            経理処理の都合上、適格請求書（インボイス）の発行をお願いしたく、ご連絡いたしました。

            　注文番号：249-2837461-5504728
            　商品名　：オフィスチェア用 ランバーサポート メッシュ ×4

            お手数ですが、以下の事項の記載をお願いいたします。
            ① 貴店の登録番号（Tから始まる13桁）
            ② 税率ごとに区分した合計額および消費税額
            ③ 宛名：㈱サンプル商会

            なお、貴店が適格請求書発行事業者でない場合は、その旨ご教示いただけますと幸いです。

            何卒よろしくお願い申し上げます。

            ━━━━━━━━━━━━━━━━━━━━━━
            ㈱サンプル商会 総務部
            木村 直子
            〒100-0000 東京都千代田区千代田1-1-1
            TEL：03-0000-0000　FAX：03-0000-0001
            ━━━━━━━━━━━━━━━━━━━━━━
            """
        ),
    ),
    ExampleMail(
        file="26-shipping-status-order-id.eml",
        intent="shipping_status",
        date="2026-11-25 19:22:33",
        sender=relay("k3v8xq2m7tnw4ra"),
        name="田中 美咲",
        subject="注文商品の配送状況について",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="becky",
        body=text(
            """
            ミライ雑貨店 ご担当者様

            お世話になっております。田中と申します。
            11月22日に下記の商品を注文いたしました。

            注文番号：249-3817264-5091738
            商品名　：USB-C 急速充電器 65W 2ポート ホワイト

            注文履歴では「発送済み」になっているのですが、追跡番号がどこに書いてあるのか分からず、
            いつ頃届くのか確認できない状態です。
            お手数ですが、配送状況とお届け予定日を教えていただけますでしょうか。

            よろしくお願いいたします。

            田中 美咲
            """
        ),
    ),
    ExampleMail(
        file="27-delivered-not-received.eml",
        intent="not_received",
        date="2026-11-25 20:03:46",
        sender=relay("t1z6wa8nd4qfk3j"),
        name=None,
        subject="配達完了になっているのに届いていません",
        encoding="quoted-printable",
        mailer="iphone",
        body=text(
            """
            郵便局の追跡だと昨日の14時すぎに「お届け済み」になっているんですが、届いていません。
            ポストも宅配ボックスも見ましたが入っていませんでした。
            注文番号は503-4459201-7360284です。
            どうなっているか調べてもらえますか？

            iPhoneから送信
            """
        ),
    ),
    ExampleMail(
        file="28-cancel-after-shipping.eml",
        intent="cancel",
        date="2026-11-25 22:10:27",
        sender=relay("s5n0gd4kj1wtq8y"),
        name="森 直樹",
        subject="注文のキャンセルについて",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="outlook",
        body=text(
            """
            ミライ雑貨店 ご担当者様

            お世話になります。森と申します。
            注文番号 249-6672018-4410395 の珪藻土バスマットですが、
            家族が同じものを買ってきてしまったため、キャンセルさせていただけないでしょうか。

            注文履歴では本日発送済みになっていましたので、もう止めるのは難しいかもしれませんが、
            その場合は、届いたときに受け取り拒否をすればよろしいでしょうか。

            ご面倒をおかけしますが、よろしくお願いいたします。
            """
        ),
    ),
    ExampleMail(
        file="29-thanks-arrived.eml",
        intent="thanks",
        date="2026-11-26 07:45:05",
        sender=relay("u3q8wc6hk1jpx9s"),
        name="斎藤 美穂",
        subject="商品を受け取りました",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="becky",
        body=text(
            """
            ミライ雑貨店 様

            お世話になっております。斎藤です。
            昨日、電気毛布を無事に受け取りました。
            思っていたより生地が厚くて暖かく、家族も喜んでいます。
            発送も早く、ありがとうございました。
            """
        ),
    ),
    ExampleMail(
        file="30-angry-late-order-followup.eml",
        intent="shipping_status",
        date="2026-11-26 08:40:12",
        sender=relay("m2w8ck5ur7pjz4g"),
        name="鈴木 一郎",
        subject="FW: 商品の発送について（注文番号 503-8826403-1195570）",
        charset="iso-2022-jp",
        encoding="7bit",
        mailer="outlook",
        shape="alternative",
        body=(
            text(
                """
                ミライ雑貨店 御中

                11月24日にも下記のとおり問い合わせましたが、いまだに何の返事もありません。
                注文番号 503-8826403-1195570 の件です。

                お届け予定日を3日も過ぎているのに、発送すらされていないのはどういうことでしょうか。
                プレゼント用に購入したもので、このままでは間に合いません。
                本日中に発送日と遅れている理由のご連絡がなければ、評価は★1をつけたうえで、
                Amazonマーケットプレイス保証（Aからz保証）を申請します。

                誠意ある対応をお願いします。

                鈴木 一郎

                ________________________________
                差出人: 鈴木 一郎 <suzuki.ichiro@example.ne.jp>
                送信日時: 2026年11月24日 9:15
                宛先: ミライ雑貨店 <7xq2k9m4vbn3d1p@marketplace.amazon.co.jp>
                件名: 商品の発送について（注文番号 503-8826403-1195570）
                """
            )
            + "\n"
            + _LATE_ORDER_FIRST
        ),
    ),
    ExampleMail(
        file="31-refund-status.eml",
        intent="return_refund",
        date="2026-11-26 11:30:24",
        sender=relay("b2c9xk7rd4hnq0e"),
        name="井上 雅人",
        subject="Re: 返品のご案内（注文番号 250-6024718-3357190）",
        encoding="8bit",
        mailer="thunderbird",
        in_reply_to=f"<20261117150211.5D3B8E21@{SHOP_MX}>",
        body=(
            text(
                """
                ミライ雑貨店 ご担当者様

                お世話になっております。井上です。
                ご案内いただいた手順に沿って、11月18日にイヤホンを返送いたしました。
                （ゆうパック 追跡番号：6031-8824-7056）
                郵便局の追跡では、11月20日に配達済みとなっています。

                ただ、その後1週間ほど経ちますが、返金のご連絡がなく、カードの明細にもまだ反映されていません。
                返金の手続きはどのような状況でしょうか。
                お手数ですが、ご確認をお願いいたします。

                井上 雅人

                2026/11/17 15:02 に ミライ雑貨店 さんは書きました:
                """
            )
            + quote(_RETURN_INSTRUCTIONS_O15)
        ),
    ),
)


def write_all(out_dir: Path) -> list[Path]:
    """Write every example mail into ``out_dir`` and return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for mail in resolve_replies(MAILS):
        path = out_dir / mail.file
        path.write_bytes(build(mail))
        written.append(path)
    return written


def main() -> None:
    """Command line: ``make_mails.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "mails", help="where to write")
    args = parser.parse_args()
    for path in write_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
