"""Hand-written cues: phrases that signal an intent, anger or a claim threat.

Each cue is a named regular expression over normalised, lower-cased text. Cues become
features of the linear model (which learns how much each one counts) and are quoted as
evidence. They carry the domain knowledge a few hundred training mails cannot teach, such as
negation (「まだ届いていない」 against 「届きました」) and threats (「星1」「消費者センター」).
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple


class Cue(NamedTuple):
    """A named pattern and the intent (or flag) it speaks for."""

    name: str
    intent: str
    pattern: re.Pattern[str]


_NEG: Final = r"(?:ない|ず|ません|ておらず|ていない|てない|ていません|ておりません|てません)"
_ARRIVE: Final = r"(?:届|到着|着|来)"


def _cue(name: str, intent: str, pattern: str) -> Cue:
    return Cue(name, intent, re.compile(pattern))


CUES: Final[tuple[Cue, ...]] = (
    # -- shipping_status
    _cue("not_arrived", "shipping_status",
         r"(?:届|とど)(?:か|き|い)(?:て)?(?:い|お)?(?:ない|ません|ず|らず|りません|ねー)|未着|まだ(?:来|き)て(?:い|な)|着いてない|着いていない|届いてな"),
    _cue("when_arrive", "shipping_status",
         r"いつ(?:頃|ごろ|ころ)?(?:に)?(?:なったら)?(?:届|到着|着|発送|配達|お届け|出荷|送)|(?:届|到着|発送|出荷)[^。\n?]{0,12}(?:いつ|何日|目処|めど|予定)"),
    _cue("shipping_state", "shipping_status",
         r"発送(?:状況|予定|済|され|し(?:て|ま)|日|の目処|の確認|はまだ)|出荷(?:状況|予定|され|済)|配送(?:状況|状態)|配達(?:状況|予定)|到着予定|お届け予定|お届け日|入荷待ち|届く予定"),
    _cue("tracking", "shipping_status", r"追跡|伝票番号|問い?合わ?せ番号|送り状|トラッキング|tracking"),
    _cue("redelivery", "shipping_status", r"再配達|不在(?:票|連絡|通知)|持ち戻|redeliver"),
    _cue("en_where", "shipping_status",
         r"where(?:'s| is) my|when will (?:it|my|the|i)|has (?:it|my order|the order) (?:been )?shipped|not (?:yet )?(?:arrived|received|shipped)|still (?:waiting|hasn't|has not|not)|haven't (?:received|got)|ship(?:ping)? status|delivery (?:date|status)|expected delivery"),
    # -- not_received
    _cue("delivered_status", "not_received",
         r"配達(?:完了|済)|配達済み|お届け(?:済|完了)|投函(?:済|完了|され|し)|配達(?:され|し)たと|届いた(?:こと|と)に(?:なって|なってい)|受け?取り済|置き配|delivered"),
    _cue("lost", "not_received",
         r"紛失|行方不明|見当たら|盗ま|盗難|誤配|別の(?:住所|家|場所|部屋)|違う(?:住所|場所|部屋|家)|隣(?:の家)?に|lost|stolen|missing package|wrong address"),
    _cue("empty_or_short", "not_received",
         r"空(?:箱|っぽ|の箱|でした)|中身が(?:空|ない|入って)|(?:\d|一|二|三|1|2)(?:個|つ|点|枚|本|セット)しか|数が(?:足り|少な|合わ)|個数が|数量が(?:足り|違)|empty (?:box|package)|only (?:received|got) \d|only one"),
    # -- change_order
    _cue("change_target", "change_order",
         r"(?:住所|届け先|配送先|送り先|お届け先|宛先|宛名|名前|氏名|番地|部屋番号|マンション名|建物名|電話番号)(?:を|の|に|が)?[^。\n]{0,6}(?:変更|修正|訂正|間違|誤り|記載漏れ|書き忘れ|抜け)"),
    _cue("change_delivery", "change_order",
         r"(?:日時|時間帯|配達日|お届け日|配送日|到着日|配送方法|発送方法|配達時間)(?:を|の|に)?[^。\n]{0,6}(?:変更|指定|変え)"),
    _cue("change_item", "change_order",
         r"(?:色|カラー|サイズ|数量|個数|種類|型番)(?:を|の)?[^。\n]{0,8}(?:変更|変え|追加|増や|減ら)|同梱|まとめて(?:発送|送|配送)|一緒に(?:発送|送)|ギフト|ラッピング|包装|のし|熨斗"),
    _cue("change_request", "change_order", r"変更(?:したい|でき|をお願い|して(?:いただ|くださ|ほし|もら|頂)|希望|可能|願)"),
    _cue("en_change", "change_order",
         r"change (?:my|the|of) (?:shipping |delivery )?(?:address|size|colou?r|quantity|delivery|name)|update (?:my|the) (?:shipping )?address|wrong address on|gift wrap"),
    # -- cancel
    _cue("cancel", "cancel", r"キャンセル|取り?消し|取消|cancel"),
    _cue("cancel_negated", "cancel_negated",
         r"キャンセル(?:は|を)?(?:し(?:ない|ません|なくて)|せず|不要|しなく|結構|撤回|取り消|やめ)|取り?消しは(?:不要|しません)|(?:don't|do not|no need to|not) cancel"),
    # -- return_refund
    _cue("return", "return_refund", r"返品|返送|返却|送り返|交換|return|exchange"),
    _cue("refund", "return_refund", r"返金|払い?戻|refund|money back"),
    _cue("changed_mind", "return_refund",
         r"間違えて(?:注文|購入|買)|イメージと違|思っていたのと違|気が変わ|不要にな|いらなくな|必要なくな|使わなくな|安く(?:売|販売)|サイズが合わ|サイズを間違|changed my mind|no longer need|ordered the wrong"),
    # -- defective
    _cue("broken", "defective",
         r"壊れ|こわれ|破損|故障|不良|割れ|われて|ひび|ヒビ|欠け|破れ|へこ|凹|傷|キズ|汚れ|シミ|変形|潰れ|つぶれ|水濡れ|濡れ|錆|さび|broken|damaged|crack|scratch|dent"),
    _cue("not_working", "defective",
         r"動(?:か|き)(?:ない|ません)|作動(?:し|せ)|起動(?:し|せ)(?:ない|ません)|電源が(?:入ら|入り|つか|つき|付か)|充電(?:でき|され|し)(?:ない|ません)|(?:点|つ)(?:か|き)(?:ない|ません)|映ら|反応(?:し|せ)(?:ない|ません)|音が出|使えな|使用でき(?:ない|ません)|接続でき|認識(?:し|され|でき)(?:ない|ません)|不具合|doesn't work|does not work|not working|won't (?:turn|charge|work)|stopped working|defect|faulty"),
    _cue("missing_parts", "defective",
         r"(?:付属品|部品|パーツ|説明書|ネジ|ケーブル|アダプタ|リモコン|充電器|電池|取扱説明書)[^。\n]{0,10}(?:入って(?:い|お)|同梱され(?:て)?(?:い|お)|ない|足り|欠品|ありません|見当たら)|欠品|missing (?:part|piece|cable|accessor)"),
    _cue("wrong_item", "defective",
         r"(?:違う|別の|間違った|異なる|違った)(?:商品|もの|物|色|サイズ|品)|商品(?:が|を)?(?:間違|違)|注文(?:した|と)[^。\n]{0,10}(?:違|異な)|(?:色|サイズ|型番)が(?:違|異な)|説明(?:と|文と)(?:違|異な)|記載と(?:違|異な)|写真と(?:違|異な)|偽物|偽造|中古|wrong (?:item|product|colou?r|size)|not as described|fake"),
    # -- product_question
    _cue("stock", "product_question", r"在庫|再入荷|入荷(?:予定|は|の)|再販|販売(?:予定|再開)|in stock|restock|back in stock"),
    _cue("spec", "product_question",
         r"仕様|寸法|サイズ感|大きさ|重さ|重量|容量|材質|素材|原産|生産国|対応(?:して|し|機種|しています|していますか|可能)|互換|適合|使い方|使用方法|取り付け|設定方法|保証(?:期間|は|書)|耐熱|防水|電圧|何(?:色|cm|センチ|ミリ|キロ|グラム)|compatible|specification|spec|dimension|warranty|how to use|waterproof"),
    _cue("bulk", "product_question", r"まとめ買い|大量(?:購入|注文)|法人(?:購入|で)|(?:\d+)(?:個|台|セット)以上|bulk"),
    # -- invoice
    _cue("invoice", "invoice",
         r"領収(?:書|証)|請求書|インボイス|適格|登録番号|見積(?:書|もり|り)|納品書|但し書き|宛名[^。\n]{0,8}(?:株|会社|法人|様)|経費|invoice|receipt|quotation|\bquote\b"),
    # -- payment
    _cue("payment", "payment",
         r"支払|支払い|お支払|決済|代引|代金引換|コンビニ払|銀行振込|振込|振り込|引き落と|クレジット|カード(?:が|で|の)[^。\n]{0,8}(?:使え|通ら|エラー|拒否|決済)|ポイント|paypay|payment|pay by|pay with|credit card|billing"),
    _cue("double_charge", "payment",
         r"二重|2重|(?:2|二)回(?:請求|引き落と|決済|課金)|請求(?:額|金額)が|金額が(?:違|異な|高|おかし)|余分に|多く(?:請求|引き落と)|charged twice|double charge|overcharg|charged (?:me )?(?:more|extra)"),
    # -- thanks
    _cue("thanks", "thanks", r"ありがと|有難う|有り難う|感謝|お礼|thank|thx"),
    _cue("arrived", "thanks",
         r"(?:無事|本日|今日|先ほど|さきほど|昨日)[^。\n]{0,10}(?:届|到着|受け?取|受領)|(?:届|到着|受け?取り|受領)(?:きました|しました|いたしました|致しました|れました|いています|きましたので|った|けました)|received (?:it|the|my)|got it|arrived (?:today|safely|yesterday)|has arrived|it arrived"),
    _cue("understood", "thanks",
         r"承知(?:しました|いたしました|致しました|です)|了解(?:です|しました|いたしました|致しました)|かしこまりました|わかりました|分かりました|解決しました|問題ありません|大丈夫です|待ちます|お待ちします|お待ちしております|understood|no problem|will wait|that's fine|all good"),
    # -- other
    _cue("test", "other", r"テスト(?:送信|メール|です)|^test\b|this is a test"),
    _cue("pitch", "other",
         r"営業|広告|seo|集客|ご提案|弊社(?:は|では|の)|取材|卸|代理店|提携|サービスのご案内|キャンペーン|ホームページ|ウェブサイト|制作|運用代行|売上(?:アップ|向上)|無料(?:相談|診断)|御社|貴社|パートナー|marketing|partnership|promotion|wholesale|press|our company|we offer|agency"),
    _cue("account_phish", "other",
         r"アカウント(?:が|の|を)?[^。\n]{0,6}(?:停止|凍結|ロック|確認|更新)|パスワード|ログイン|当選|verify your account|suspended|click (?:here|the link)"),
    # -- anger and claims
    _cue("bad_review", "angry",
         r"(?:低|悪い|最低|酷い|ひどい)評価|評価(?:を|は)?[^。\n]{0,8}(?:下げ|1|１|一|付け|つけ|書|します|させ)|星(?:1|１|一|ひとつ|ゼロ|0)|☆1|レビュー(?:に|で|へ)?[^。\n]{0,8}(?:書|投稿|報告|載せ)|negative (?:feedback|review)|(?:1|one)[- ]star|bad review|leave (?:a )?(?:review|feedback)"),
    _cue("claim", "angry",
         r"aからz|a-z|a to z|atoz|マーケットプレイス保証|保証申請|チャージバック|chargeback|カード会社に|消費者(?:センター|庁|生活)|国民生活センター|弁護士|訴え|訴訟|法的|警察|通報|lawyer|legal action|consumer (?:center|centre|agency)|report (?:you|this) to"),
    _cue("unanswered", "angry",
         r"返(?:事|信)(?:が|も)?(?:ない|なく|来|こ|あり|いただけ|頂け)(?:ない|ません|ず)?|連絡(?:が|も)(?:ない|なく|来ない|来ません|ありません)|無視|何度も|何度|再三|前回も|音沙汰|no (?:reply|response|answer)|ignor|still no|several times|multiple times|again and again"),
    _cue("anger_words", "angry",
         r"いい加減|ふざけ|最悪|詐欺|許せ|怒|ひどい|酷い|信じられ|二度と|誠意|納得(?:でき|いか|出来)|不誠実|どうなって|いつまで待|早急に|至急|ありえな|あり得な|迷惑|不愉快|困ってい|困ります|責任|!!|!\?|unacceptable|ridiculous|terrible|worst|scam|fraud|furious|angry|disappointed|disgust|never again|asap|immediately"),
    # -- form
    _cue("question", "ask",
         r"\?|でしょうか|ますか|ませんか|ですか|でしょう|のか|かな|教えて|お知らせ|確認(?:して|を|お願い|いただ|頂)|can you|could you|would you|please|let me know|is it|are there|do you|does it|how|when|what|why"),
    _cue("request", "ask", r"(?:くだ|下)さい|願い(?:ます|いたします|致します|したい|でき)|いただけ|頂け|ほしい|欲しい|もらえ|たいのですが|たいです|希望します"),
)

# 「よろしくお願いします」 closes almost every mail: it is not a request.
_CLOSINGS: Final = re.compile(
    r"(?:どうぞ|何卒|なにとぞ|引き続き|今後とも)?(?:よろしく|宜しく)(?:お願い|おねがい)(?:いた|致)?(?:します|申し上げます|しま〜?す|いたします|致します)?|(?:以上|取り急ぎ)[^。\n]{0,10}(?:お願い|失礼)[^。\n]{0,6}|お手数(?:を)?おかけ(?:します|しますが|いたしますが)"
)


def strip_closings(text: str) -> str:
    """``text`` without formulaic closings, which look like requests but ask for nothing."""
    return _CLOSINGS.sub(" ", text)


def cue_hits(text: str) -> list[tuple[Cue, str]]:
    """Every cue found in lower-cased, normalised ``text`` with the first phrase it matched."""
    hits: list[tuple[Cue, str]] = []
    for cue in CUES:
        m = cue.pattern.search(text)
        if m is not None:
            hits.append((cue, m.group(0)))
    return hits
