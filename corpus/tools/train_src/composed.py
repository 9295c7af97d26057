"""Hand-written openers, self-introductions, asks and closers, put together in one register.

Every ask sentence is used once; the frame around it (greeting, order reference, closing,
sign-off, subject) is drawn at random within the same register so that the result reads like
one person's mail: stiff keigo (K), plain polite (P) or casual (C)."""

from __future__ import annotations

import random

OPENERS = {
    "K": [
        "お世話になっております。",
        "いつもお世話になっております。",
        "{shop} ご担当者様\n\nお世話になっております。",
        "突然のご連絡失礼いたします。",
        "{shop}御中\n\n平素より大変お世話になっております。",
        "ご担当者様\n\nお忙しいところ恐れ入ります。",
        "初めてご連絡いたします。",
        "お世話になります。",
    ],
    "P": [
        "こんにちは。",
        "お世話になります。",
        "はじめまして。",
        "{shop}さん、こんにちは。",
        "こんばんは。",
        "お問い合わせです。",
        "すみません、質問です。",
        "",
        "",
    ],
    "C": ["", "", "どうもー", "すみません〜", "こんにちは！", "あのー、"],
}
INTROS = {
    "K": [
        "{d_order}に注文いたしました{name}と申します。",
        "注文番号{oid}の件でご連絡いたしました。",
        "{name}と申します。先日{item}を購入いたしました。",
        "注文番号：{oid}",
        "{sei}と申します。",
        "",
    ],
    "P": [
        "{sei}です。",
        "{oid}で注文した者です。",
        "先日{item}を買った{sei}です。",
        "注文番号は{oid}です。",
        "{d_order}に注文しました。",
        "",
        "",
    ],
    "C": ["{oid}のやつです。", "先週{item}買った者です", "", "", ""],
}
# parcels are often named by their tracking number rather than the order
PARCEL_INTROS = {
    "K": ["お問い合わせ伝票番号：{trk}", "注文番号：{oid}\n追跡番号：{trk}"],
    "P": ["追跡番号は{trk}です。", "伝票番号{trk}の荷物の件です。", "注文番号 {oid}（追跡 {trk}）"],
    "C": ["追跡{trk}のやつです", "{trk}の荷物です"],
}
CLOSERS = {
    "K": [
        "よろしくお願いいたします。",
        "お手数をおかけいたしますが、何卒よろしくお願い申し上げます。",
        "ご確認のほどよろしくお願いいたします。",
        "ご返信をお待ちしております。",
        "以上、よろしくお願いいたします。",
    ],
    "P": [
        "よろしくお願いします。",
        "お願いします。",
        "お返事お待ちしてます。",
        "よろしくお願いいたします。",
        "",
    ],
    "C": ["よろしく〜", "おねがいします！", "", "お願いします🙇", ""],
}
# thanks ask for nothing, so no "question" opener and no "awaiting your reply" closer
THANKS_OPENERS = {
    "K": [
        "お世話になっております。",
        "いつもお世話になっております。",
        "{shop} ご担当者様\n\nお世話になっております。",
        "",
    ],
    "P": ["こんにちは。", "お世話になります。", "{shop}さん、こんにちは。", ""],
    "C": ["", "", "こんにちは！"],
}
THANKS_CLOSERS = {
    "K": ["今後ともよろしくお願いいたします。", "", "取り急ぎ御礼まで。"],
    "P": ["", "また利用します。", "取り急ぎお礼まで。"],
    "C": ["", "またよろしくです！"],
}
# mail that is not from a buyer about an order carries no order reference
OTHER_OPENERS = {
    "K": [
        "突然のご連絡失礼いたします。",
        "{shop} ご担当者様\n\n突然のご連絡失礼いたします。",
        "はじめまして。",
    ],
    "P": ["こんにちは。", "", "すみません。"],
    "C": ["", "こんにちは！"],
}
SIGNOFF = {"K": ["{name}", "{name_sp}", "", "", ""], "P": ["{sei}", "", "", ""], "C": ["", ""]}
GENERIC_SUBJECTS = [
    "お問い合わせ",
    "注文について",
    "{oid}",
    "ご注文の件",
    "質問",
    "-",
    "-",
    "注文番号{oid}について",
    "【お問い合わせ】",
    "Amazonで購入した商品について",
]
THANKS_SUBJECTS = [
    "Re: お問い合わせの件",
    "お礼",
    "-",
    "{oid}",
    "受け取りました",
    "Re: 発送のお知らせ",
]
OTHER_SUBJECTS = ["ご案内", "-", "お問い合わせ", "ご連絡", "はじめまして"]

# (intent, register, angry, extra tags, subject or None, ask text)
ASKS: list[tuple[str, str, bool, list[str], str | None, str]] = [
    # shipping_status
    (
        "shipping_status",
        "K",
        False,
        [],
        "配送状況のご確認",
        "現在の配送状況をお知らせいただけますでしょうか。到着の目安もご教示いただけますと幸いです。",
    ),
    (
        "shipping_status",
        "K",
        False,
        [],
        None,
        "発送予定日を過ぎておりますが、まだ出荷のご連絡をいただいておりません。状況をご確認いただけますでしょうか。",
    ),
    (
        "shipping_status",
        "P",
        False,
        [],
        "発送について",
        "発送はいつ頃になりますか？だいたいの目安で大丈夫です。",
    ),
    (
        "shipping_status",
        "P",
        False,
        [],
        None,
        "追跡番号で調べると、ずっと「輸送中」のままです。もう少し待てば届きますか？",
    ),
    ("shipping_status", "C", False, [], None, "これいつ届く感じですか？"),
    (
        "shipping_status",
        "C",
        False,
        ["typo"],
        None,
        "もう発送ずみですか？ついせき番号おしえてほしいです",
    ),
    (
        "shipping_status",
        "P",
        True,
        [],
        "対応してください",
        "注文してから2週間、何の連絡もありません。いつ届くのか、はっきり答えてください。このままなら評価は1にします。",
    ),
    (
        "shipping_status",
        "K",
        True,
        [],
        None,
        "お届け予定日を既に一週間過ぎております。問い合わせにもご回答いただけず、大変不信感を抱いております。至急、発送状況をご回答ください。",
    ),
    (
        "shipping_status",
        "P",
        False,
        [],
        "再配達希望",
        "不在票が入っていたので、明日の夕方以降に再配達をお願いできますか。伝票番号は{trk}です。",
    ),
    (
        "shipping_status",
        "P",
        False,
        ["negation"],
        None,
        "追跡はまだ配達完了になっていません。ただ、お届け予定日は昨日でした。遅れているのでしょうか？",
    ),
    (
        "shipping_status",
        "K",
        False,
        [],
        "お荷物の到着について",
        "大変恐縮ですが、お荷物の到着予定日をお知らせいただけますでしょうか。来週から不在がちになるため、受け取りの予定を立てたく存じます。",
    ),
    ("shipping_status", "C", True, [], None, "遅すぎ。いつまで待たせるの？"),
    (
        "shipping_status",
        "P",
        False,
        [],
        None,
        "お荷物はもう出荷されましたか？出荷されていたら追跡番号を教えてください。",
    ),
    (
        "shipping_status",
        "P",
        False,
        [],
        None,
        "到着予定日が近いのですが、まだ発送済みになっていません。予定日に届きますか？",
    ),
    # not_received
    (
        "not_received",
        "K",
        False,
        [],
        "配達済み表示について",
        "追跡では配達済みとなっておりますが、受け取っておりません。お手数ですが配送業者へのご確認をお願いいたします。",
    ),
    (
        "not_received",
        "P",
        False,
        [],
        None,
        "配達完了になっているのに届いていません。どこに届けられたか調べてもらえますか？",
    ),
    ("not_received", "C", False, [], None, "配達完了ってなってるのに無いです！"),
    (
        "not_received",
        "P",
        True,
        [],
        "届いていません",
        "配達完了なのに荷物がありません。すぐに再送か返金をしてください。対応がなければA-to-zに申請します。",
    ),
    (
        "not_received",
        "K",
        False,
        [],
        None,
        "本日届いた箱を開封したところ、注文した4点のうち3点しか入っておりませんでした。残り1点のご確認をお願いいたします。",
    ),
    ("not_received", "P", False, [], None, "届いた箱に何も入っていませんでした。空箱です。"),
    (
        "not_received",
        "K",
        True,
        [],
        None,
        "配達完了と表示されてから五日が経ちますが、商品は届いておらず、再三のご連絡にもご返答がございません。誠に遺憾です。",
    ),
    ("not_received", "C", False, ["typo"], None, "はいたつかんりょうになってるけどとどいてないよ"),
    (
        "not_received",
        "P",
        False,
        [],
        None,
        "追跡を見ると、配達先の住所が違う地域になっていました。誤配送ではないでしょうか。",
    ),
    ("not_received", "P", False, [], None, "注文は2セットでしたが、届いたのは1セットだけでした。"),
    (
        "not_received",
        "C",
        True,
        [],
        None,
        "配達済みなのに届いてないし、問い合わせても返事ないし。もういい加減にして。",
    ),
    # change_order
    (
        "change_order",
        "K",
        False,
        [],
        "配送先変更のお願い",
        "お届け先を下記に変更していただくことは可能でしょうか。\n{zip2} {addr2}",
    ),
    (
        "change_order",
        "P",
        False,
        [],
        None,
        "配達の時間帯を夜（19時〜21時）に変更してもらえますか？",
    ),
    ("change_order", "C", False, [], None, "サイズMからLに変えられます？まだ発送前なら！"),
    (
        "change_order",
        "P",
        False,
        [],
        None,
        "色をグレーからベージュに変更したいです。発送前なら対応お願いします。",
    ),
    (
        "change_order",
        "K",
        False,
        [],
        None,
        "誠に恐縮ですが、注文数量を3点から5点へ変更させていただけますでしょうか。",
    ),
    (
        "change_order",
        "P",
        False,
        [],
        "名前の修正",
        "宛名の漢字が間違っていました。「{sei}」の字を正しく直してもらえますか。",
    ),
    (
        "change_order",
        "P",
        False,
        [],
        None,
        "プレゼント用なので、ギフトラッピングをお願いできますか。",
    ),
    ("change_order", "C", False, [], None, "住所の部屋番号抜けてたので足してください、201です"),
    (
        "change_order",
        "K",
        False,
        [],
        None,
        "お届け日を{d_later}に指定させていただきたく存じます。ご対応いただけますでしょうか。",
    ),
    (
        "change_order",
        "P",
        False,
        [],
        None,
        "追加で同じものをもう1つ注文したので、まとめて発送してもらえますか？",
    ),
    (
        "change_order",
        "P",
        False,
        [],
        "配送方法について",
        "メール便ではなく、手渡しの宅配便に変更できますか？",
    ),
    # cancel
    (
        "cancel",
        "K",
        False,
        [],
        "キャンセルのお願い",
        "誠に申し訳ございませんが、本注文をキャンセルさせていただけますでしょうか。",
    ),
    ("cancel", "P", False, [], None, "注文をキャンセルしたいです。まだ発送前ですよね？"),
    ("cancel", "C", False, [], None, "やっぱキャンセルします、すみません！"),
    (
        "cancel",
        "P",
        False,
        [],
        "取消のお願い",
        "同じ商品を二重に注文してしまったので、1件取り消してください。",
    ),
    (
        "cancel",
        "K",
        False,
        [],
        None,
        "諸事情により不要となりましたため、注文の取消しをお願い申し上げます。",
    ),
    (
        "cancel",
        "P",
        True,
        [],
        None,
        "発送がこんなに遅れるなら要りません。キャンセルしてください。がっかりしました。",
    ),
    ("cancel", "C", False, ["typo"], None, "まちがえてちゅうもんしました、きゃんせるで"),
    (
        "cancel",
        "P",
        False,
        [],
        None,
        "到着が来月になると聞いたので、今回は注文を取り消したいです。",
    ),
    (
        "cancel",
        "K",
        False,
        [],
        None,
        "先般の注文につきまして、発送前でございましたら取消しをお願いできますでしょうか。",
    ),
    (
        "cancel",
        "P",
        False,
        [],
        None,
        "子どもが勝手に注文してしまいました。キャンセルをお願いします。",
    ),
    # return_refund
    (
        "return_refund",
        "K",
        False,
        [],
        "返品のご相談",
        "サイズが合わなかったため、返品をお願いしたく存じます。未使用・タグ付きの状態です。",
    ),
    ("return_refund", "P", False, [], None, "返品した商品の返金がまだです。いつ頃返金されますか？"),
    ("return_refund", "C", False, [], None, "思ってたのと違ったんで返品したいです"),
    ("return_refund", "P", False, [], None, "小さいサイズと交換できますか？一度も着ていません。"),
    (
        "return_refund",
        "P",
        True,
        [],
        "返金されていません",
        "返品してから3週間、いまだに返金がありません。何度も連絡しているのに返事もない。消費者センターに相談します。",
    ),
    (
        "return_refund",
        "K",
        False,
        [],
        None,
        "返送いたしました商品は貴店に到着済みのようですが、返金の処理状況をご確認いただけますでしょうか。",
    ),
    (
        "return_refund",
        "P",
        False,
        ["negation"],
        None,
        "商品に問題はありません。ただ使う予定がなくなったので返品したいです。",
    ),
    ("return_refund", "C", False, [], None, "返品ってどうやるんですか？"),
    (
        "return_refund",
        "K",
        True,
        [],
        None,
        "返金のご連絡をいただいてから二週間経過しましたが、未だ口座に入金がございません。これ以上お待ちできませんので、本日中にご対応ください。",
    ),
    (
        "return_refund",
        "P",
        False,
        [],
        None,
        "注文したあと値下がりしたので、差額を返金してもらえませんか？",
    ),
    # defective
    (
        "defective",
        "K",
        False,
        [],
        "不良品のご連絡",
        "届いた商品の電源が入りません。初期不良と思われますので、交換をお願いできますでしょうか。",
    ),
    ("defective", "P", False, [], None, "届いた商品が割れていました。写真を送ります。"),
    ("defective", "C", False, [], None, "届いたやつ、スイッチ押しても動かないです…"),
    ("defective", "P", False, [], None, "注文したのと違う型番の商品が届きました。"),
    (
        "defective",
        "P",
        True,
        [],
        "不良品",
        "2回目の不良品です。もう交換はいいので返金してください。レビューに書きます。",
    ),
    (
        "defective",
        "K",
        False,
        [],
        None,
        "付属品の充電ケーブルが同梱されておりませんでした。お送りいただけますでしょうか。",
    ),
    ("defective", "C", False, ["typo"], None, "こわれてるんですけど、こうかんしてもらえますか"),
    (
        "defective",
        "K",
        True,
        [],
        None,
        "開封したところ明らかな使用感があり、新品とは思えない状態でした。大変不愉快です。至急ご対応ください。",
    ),
    (
        "defective",
        "P",
        False,
        [],
        None,
        "少し使っただけで充電できなくなりました。不良品だと思います。",
    ),
    (
        "defective",
        "P",
        False,
        [],
        None,
        "商品説明には「抗菌加工」とありましたが、パッケージにはその表示がありません。説明と違うのではないでしょうか。",
    ),
    ("defective", "C", True, [], None, "また不良品かよ。いい加減にしてほしい。返金して"),
    (
        "defective",
        "P",
        False,
        [],
        None,
        "箱がつぶれていて、中の容器にヒビが入っていました。交換をお願いします。",
    ),
    (
        "defective",
        "K",
        False,
        [],
        None,
        "ご送付いただいた商品のうち、説明書に記載されている部品Bが見当たりません。ご確認をお願いいたします。",
    ),
    (
        "defective",
        "P",
        False,
        [],
        None,
        "白を注文したのに黒が届きました。正しい色に交換してください。",
    ),
    # product_question
    (
        "product_question",
        "K",
        False,
        [],
        "商品に関するご質問",
        "こちらの商品は食洗機に対応しておりますでしょうか。",
    ),
    ("product_question", "P", False, [], None, "この商品の在庫はまだありますか？"),
    ("product_question", "C", False, [], None, "これってAndroidでも使えます？"),
    ("product_question", "P", False, [], None, "再入荷はいつ頃になりそうですか？"),
    (
        "product_question",
        "K",
        False,
        [],
        None,
        "保証期間はどのくらいでございますか。また保証書は同梱されておりますでしょうか。",
    ),
    (
        "product_question",
        "P",
        False,
        [],
        None,
        "説明書が英語しかなくて、使い方がよく分かりません。タイマーはどう設定しますか？",
    ),
    (
        "product_question",
        "K",
        False,
        [],
        None,
        "法人で30点ほど購入を検討しております。まとめ買いでのお値引きは可能でしょうか。",
    ),
    ("product_question", "C", False, [], None, "サイズ感どんな感じですか？普段Mです"),
    ("product_question", "P", False, [], None, "この充電器でiPadも充電できますか？"),
    ("product_question", "P", False, [], None, "重さはどれくらいですか？登山で使いたいです。"),
    ("product_question", "K", False, [], None, "本製品は技適を取得しておりますでしょうか。"),
    (
        "product_question",
        "C",
        False,
        ["typo"],
        None,
        "これってじゅうでんしきですか？でんちですか？",
    ),
    # invoice
    (
        "invoice",
        "K",
        False,
        [],
        "領収書発行のお願い",
        "恐れ入りますが、領収書の発行をお願いできますでしょうか。宛名は「{company}」でお願いいたします。",
    ),
    ("invoice", "P", False, [], None, "領収書をPDFで送ってもらえますか？"),
    ("invoice", "C", False, [], None, "領収書ほしいです〜"),
    (
        "invoice",
        "K",
        False,
        [],
        None,
        "インボイス制度に対応した適格請求書の発行をお願いしたく存じます。",
    ),
    ("invoice", "P", False, [], None, "会社宛の請求書をお願いします。"),
    (
        "invoice",
        "K",
        False,
        [],
        "御見積書のお願い",
        "同商品を20点購入した場合の御見積書をいただけますでしょうか。",
    ),
    ("invoice", "P", False, [], None, "納品書を再発行してもらえますか？なくしてしまいました。"),
    ("invoice", "P", False, [], None, "領収書の宛名を個人名から会社名に変えてほしいです。"),
    (
        "invoice",
        "K",
        False,
        [],
        None,
        "経理処理のため、納品書と請求書をご送付いただけますでしょうか。",
    ),
    ("invoice", "C", False, [], None, "インボイス番号入りの領収書って出せます？"),
    # payment
    (
        "payment",
        "K",
        False,
        [],
        "請求についてのお問い合わせ",
        "クレジットカードに同一金額が二重に請求されております。ご確認いただけますでしょうか。",
    ),
    ("payment", "P", False, [], None, "コンビニで支払いましたが、反映されていますか？"),
    ("payment", "C", False, [], None, "代引きってできますか？"),
    ("payment", "P", False, [], None, "支払い方法を銀行振込に変更できますか？"),
    (
        "payment",
        "P",
        True,
        [],
        "二重請求",
        "2回請求されています。説明もない。返金されなければカード会社に連絡します。",
    ),
    (
        "payment",
        "K",
        False,
        [],
        None,
        "お振込みいたしましたが、ご入金を確認いただけましたでしょうか。",
    ),
    (
        "payment",
        "P",
        False,
        [],
        None,
        "カード決済がエラーになってしまいます。どうしたらいいですか？",
    ),
    ("payment", "C", False, [], None, "請求額、表示と違う気がするんですけど…"),
    (
        "payment",
        "K",
        False,
        [],
        None,
        "支払期限を過ぎてしまいましたが、まだお支払いは可能でしょうか。",
    ),
    # thanks
    (
        "thanks",
        "K",
        False,
        [],
        "受領のご連絡",
        "本日、商品を確かに受領いたしました。ありがとうございました。",
    ),
    ("thanks", "P", False, [], None, "無事に届きました。ありがとうございました。"),
    ("thanks", "C", False, [], None, "とどきましたー！ありがとうございます"),
    (
        "thanks",
        "K",
        False,
        [],
        None,
        "ご丁寧なご対応、誠にありがとうございました。承知いたしました。",
    ),
    ("thanks", "P", False, [], None, "了解しました。よろしくお願いします。"),
    (
        "thanks",
        "P",
        False,
        ["negation"],
        None,
        "もう解決しましたので、返信は不要です。ありがとうございました。",
    ),
    ("thanks", "K", False, [], None, "交換品を受け取りました。迅速なご対応に感謝申し上げます。"),
    ("thanks", "C", False, [], None, "わかりました！気長に待ってます"),
    # other
    (
        "other",
        "K",
        False,
        [],
        "【ご案内】ECサイト運営代行",
        "弊社ではECサイトの運営代行を行っております。ご興味がございましたら資料をお送りいたします。",
    ),
    ("other", "P", False, [], None, "テストです。届いていますか？"),
    ("other", "P", False, [], None, "間違えて送りました。すみません。"),
    (
        "other",
        "K",
        False,
        [],
        None,
        "弊社は物流サービスを提供しております。一度ご挨拶に伺えればと存じます。",
    ),
    ("other", "C", False, [], None, "お店のロゴかわいいですね！"),
]

EN_OPENERS = ["Hi,", "Hello,", "Dear Seller,", "Hello {shop},", "", "Good morning,"]
EN_CLOSERS = [
    "Thanks.",
    "Thank you!",
    "Best regards,\n{en_name}",
    "Thanks in advance,\n{en_first}",
    "",
    "Regards,\n{en_name}",
]
EN_ASKS: list[tuple[str, bool, list[str], str | None, str]] = [
    (
        "shipping_status",
        False,
        [],
        "Shipping update",
        "Could you tell me if my order {oid} has shipped yet?",
    ),
    (
        "shipping_status",
        False,
        [],
        None,
        "The tracking hasn't moved for a week. Is the package stuck somewhere?",
    ),
    (
        "shipping_status",
        True,
        [],
        "No response",
        "This is my third message. Where is my order? Answer me or I'll report you to Amazon.",
    ),
    (
        "not_received",
        False,
        [],
        None,
        "The tracking shows delivered but I haven't received anything. Can you check with the carrier?",
    ),
    ("not_received", False, [], None, "Only one of the two items I ordered was in the box."),
    (
        "defective",
        False,
        [],
        "Damaged item",
        "The item arrived with a broken handle. Can I get a replacement?",
    ),
    ("defective", False, [], None, "You sent me the wrong size - I ordered L and received S."),
    (
        "return_refund",
        False,
        [],
        None,
        "I'd like to return the item, I changed my mind. It's unopened.",
    ),
    ("cancel", False, [], None, "Please cancel my order, I don't need it anymore."),
    ("change_order", False, [], None, "Could you change the delivery date to next Saturday?"),
    ("product_question", False, [], None, "Is this item waterproof?"),
    ("invoice", False, [], None, "Can I get a receipt with my company name on it?"),
    ("payment", False, [], None, "Can I pay cash on delivery?"),
    ("thanks", False, [], None, "Understood, I'll wait. Thanks for the update."),
]


def _fmt(rng: random.Random, parts: list[str]) -> str:
    parts = [p for p in parts if p]
    joiner = rng.choice(["\n", "\n", "\n\n", ""])
    if joiner == "":
        return "".join(
            p if p.endswith(("。", "！", "？", "\n")) else p + " " for p in parts
        ).strip()
    return joiner.join(parts)


def build(rng: random.Random) -> list[tuple[str, bool, list[str], list[str], str, str]]:
    """(intent, angry, also, tags, subject, body) for every composed message."""
    out: list[tuple[str, bool, list[str], list[str], str, str]] = []
    for intent, reg, angry, extra, subject, ask in ASKS:
        opener = rng.choice(OPENERS[reg])
        intro = rng.choice(INTROS[reg])
        if (
            intent in ("shipping_status", "not_received")
            and "{trk}" not in ask
            and rng.random() < 0.5
        ):
            intro = rng.choice(PARCEL_INTROS[reg])
        closer = "" if angry and rng.random() < 0.6 else rng.choice(CLOSERS[reg])
        if intent == "thanks":
            opener, closer = rng.choice(THANKS_OPENERS[reg]), rng.choice(THANKS_CLOSERS[reg])
        elif intent == "other":
            opener, intro, closer = (
                rng.choice(OTHER_OPENERS[reg]),
                "",
                rng.choice([*CLOSERS[reg][:1], ""]),
            )
        signoff = rng.choice(SIGNOFF[reg])
        body = _fmt(rng, [opener, intro, ask, closer])
        if signoff:
            body += "\n" + signoff
        pool = {"thanks": THANKS_SUBJECTS, "other": OTHER_SUBJECTS}.get(intent, GENERIC_SUBJECTS)
        subj = subject if subject and rng.random() < 0.7 else rng.choice(pool)
        tags = list(extra) + {"K": ["keigo"], "C": ["casual"], "P": []}[reg]
        out.append((intent, angry, [], tags, "" if subj == "-" else subj, body))
    for intent, angry, extra, subject, ask in EN_ASKS:
        body = "\n\n".join(p for p in [rng.choice(EN_OPENERS), ask, rng.choice(EN_CLOSERS)] if p)
        subj = subject or rng.choice(["Question", "My order", "Order {oid}", "", "Inquiry"])
        out.append((intent, angry, [], [*extra, "english"], subj, body))
    return out
