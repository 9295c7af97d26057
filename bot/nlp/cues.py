"""Hand-written cues: words, phrases and predicates that signal an intent, anger or a claim.

Each cue names the intent (or flag) it speaks for and lists triggers. A trigger is written
the way a person reads it and resolved once, on first use, into features of
:mod:`bot.nlp.features`:

- ``返品`` or ``配達完了``: the phrase's lemmas, consecutive (``w:配達_完了``);
- ``p:届く|NEG``: a predicate feature as it is (「届いていない」「届きません」), and
  likewise form features such as ``f:ask`` and lemma features such as ``w:遅い_過ぎ`` (for
  forms the tagger reads differently alone and in a sentence);
- ``住所 + 変更``: all parts somewhere in the same mail.

Cues become features of the linear model (which learns how much each one counts) and are
quoted as evidence. They carry domain knowledge a few hundred training mails cannot teach,
such as negation (「まだ届いていない」 against 「届きました」) and threats (「星1」「消費者センター」).
Matching is set look-ups on features the tokeniser produced anyway: no extra pass over text.
"""

from __future__ import annotations

import itertools
import sys
from typing import Final, NamedTuple

from bot.nlp.tokens import tokenize, tokenize_english


class Cue(NamedTuple):
    """A named group of triggers and the intent (or flag) it speaks for."""

    name: str
    intent: str
    triggers: tuple[str, ...]
    # Phrases that show a trigger's word is part of something else (「営業所」「営業日」 for
    # 営業, 「国際交換局」 for 交換, "tax return" for return): with one in the mail the cue
    # counts as negated, like 「返品ではありません」, so no rule acts on it.
    unless: tuple[str, ...] = ()


def _split(triggers: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in triggers.split(";") if t.strip())


def _c(name: str, intent: str, triggers: str, unless: str = "") -> Cue:
    return Cue(name, intent, _split(triggers), _split(unless))


CUES: Final[tuple[Cue, ...]] = (
    # -- shipping_status
    _c(
        "not_arrived",
        "shipping_status",
        "p:届く|NEG; p:着く|NEG; p:到着|NEG; p:来る|NEG; p:配達|NEG; 未着; p:受け取る|NEG; "
        "p:arrived|NEG; p:received|NEG; p:receive|NEG; p:arrive|NEG; p:got|NEG; p:get|NEG; "
        "not_yet; still waiting; p:届く|Q + 未だ; 未だ + 届く; p:来る|NEG + 未だ; arrived yet; received yet; 配達 + 未だ; 未だ + 来る; hasn't arrived; has not arrived; not arrived; still not; never arrived; not here yet",
    ),
    _c(
        "when_arrive",
        "shipping_status",
        "いつ + p:届く|Q; いつ + 届く; いつ + 到着; いつ + 発送; いつ + 出荷; いつ頃; いつ + 着く; "
        "p:届く|Q; p:着く|Q; p:到着|Q; まだですか; 到着予定; お届け予定; 届く予定; 目処; 目途; when will; when can i; how long; expected delivery; 今週中 + 届く; いつ + 来る; 間に合う; いつまで; 今 + 何処; 何処 + 荷物; 荷物 + 何処; when + arrive; when + ship; arrive by; get here; 何日 + 届く; 何日 + 到着; 何日 + 発送; 目安; 届く + 感じ; 発送 + いつ; "
        "w:何_日 + 着く; w:何_日 + 届く; w:何_日 + 発送; w:何_日 + w:届ける; 配達日 + 何日; 納期; w:届け + w:予定; w:今_何の + w:辺り; w:今_何の + w:辺; when + come; what day; which day; delivery window; time window; estimate for delivery; delivery estimate; arrive before; will it arrive; it'll arrive; when it will; how many days; w:届く_日; 届け + 予定日; いつ + 送る",
    ),
    _c(
        "shipping_state",
        "shipping_status",
        "発送状況; 配送状況; 配達状況; 発送予定; 出荷予定; 発送済み; p:発送|Q; p:出荷|Q; 発送 + まだ; "
        "p:発送|NEG; p:出荷|NEG; 配送状態; 発送日; shipping status; been shipped; has it shipped; "
        "where is; where's; shipped yet; p:shipped|NEG; ステータス + まま; 準備中; 出荷準備中; 発送準備中; 運送会社; 配送業者; 宅配業者; which carrier; 運送 + 会社; 到着日; 配送予定; 発送連絡; 発送通知; 出荷日; 遅延; 遅れる; 追跡 + 更新; 配達員; ヤマト; 佐川; ゆうパック; order status; status of my order; any update; estimated delivery; eta; delayed; delay; in transit; "
        "発送時期; 出荷時期; 発送前; 出荷前; 納品日; 納品予定; 配達予定; 配達予定日; お届け日; 配送日; dispatch date; expected dispatch; "
        # Asked in a noun sentence (「今日発送ですか」「発送はお済みでしょうか」「発送のご予定」)
        # and in English as buyers type it ("did u ship it yet", "is it on its way").
        "発送です + f:ask; 発送 + 済む; 発送 + 予定; 出荷 + 予定; did + ship; ship + yet; on its way; on the way; any news; "
        "sent out; gone out; go out; left japan",
    ),
    _c(
        "tracking",
        "shipping_status",
        "追跡; 追跡番号; 伝票番号; 問い合わせ番号; 送り状; トラッキング; tracking; track; no tracking",
    ),
    _c(
        "redelivery",
        "shipping_status",
        "再配達; 不在票; 不在; 持ち戻り; redelivery; redeliver; ご不在連絡票; 持ち戻る; p:受け取る|NEG + 不在; もう一回 + 配達; missed delivery; missed the delivery; redelivery slip",
    ),
    # -- not_received
    _c(
        "delivered_status",
        "not_received",
        "配達完了; 配達済み; 配達 + 済み; お届け済み; 投函; 置き配; p:配達|PAST; 配達 + 完了; "
        "受け取り済み; 管理人; 管理室; 管理人室; delivered; marked as delivered; says delivered; shows delivered; 配達完了 + p:届く|NEG; 完了 + 届く; ポスト + 投函; 宅配ボックス; 通知 + 来る; says delivered; marked delivered; shows as delivered; marked as delivered; left at; ポスト + p:入る|NEG",
    ),
    _c(
        "lost",
        "not_received",
        "紛失; 行方不明; p:見当たる|NEG; 盗難; 盗む; 誤配; 別の住所; 違う住所; 隣の家; "
        "lost; stolen; wrong address; missing package; cannot find; can't find; 他人; 別の人; 誤配送; 配達先 + 違う; 隣; p:有る|NEG + 荷物; 荷物 + p:無い|NEG; 調査中; 紛失 + 可能性; p:見付かる|NEG; 宅配ボックス + p:無い|NEG; 玄関 + p:無い|NEG; 受け取る + 覚え; never received; didn't receive; did not receive; lost in transit; neighbor; neighbour; wrong house; not mine; not my house; not my door",
    ),
    _c(
        "empty_or_short",
        "not_received",
        "空箱; 空っぽ; 中身 + 空; 中身 + p:入る|NEG; しか + p:入る|NEG; しか + 届く; 個数; "
        "p:足りる|NEG + 個; 数量 + p:足りる|NEG; 一つしか; 1つしか; empty box; only received; only got; "
        "empty package; 空 + 箱; 箱 + 空; 中身 + 無い; 緩衝; 点 + しか; 個 + しか; 本 + しか; 枚 + しか; しか + 同梱; 不足; 数量不足; 足りる + 数; 数 + p:足りる|NEG; ordered + got; only one of; was empty; completely empty; しか + 無い; だけ + p:届く|PAST; 一部; 入れ忘れる; スカスカ; のうち + しか; 足りる + 個数; 残り + 送る; 数 + 相違; 相違 + 数量; 納品数; 記載 + 数 + 実際; only + were in; were in the box; だけ + 届く + p:届く|NEG; nothing in the box; box was empty; only received one; missing item; missing items",
    ),
    # -- change_order
    _c(
        "change_target",
        "change_order",
        "住所 + 変更; 届け先 + 変更; 配送先 + 変更; 送り先 + 変更; 宛て先 + 変更; 住所 + 間違う; "
        "住所 + 修正; 住所 + 訂正; 部屋番号; 番地; 建物名; 氏名 + 変更; 名前 + 変更; 書き忘れる; "
        "change + address; update + address; wrong address; 届け先 + 変える; 住所 + 間違える; 宛て名 + 間違う; 宛て名 + 修正; 漢字 + 間違う; 番地 + 間違える; 入れ忘れる; 追加 + 住所; 転送; 実家; 抜ける; 足す; 追記; 号室; マンション名; 送付先; 送り先; 宛先 + 変更; 部屋番号 + 抜ける; 引っ越し; change the address; update my address; wrong address entered; 住所 + 違う + 入力; 自宅 + p:送る|REQ",
    ),
    _c(
        "change_delivery",
        "change_order",
        "日時 + 変更; 時間帯 + 変更; 日時指定; 時間指定; 配達日 + 変更; お届け日 + 変更; 日時 + 指定; "
        "配送方法 + 変更; 時間帯; delivery date + change; 置き配; 指定; コンビニ + 受け取る; 営業所 + 受け取る; 配達日 + ずらす; 土曜 + 配達; 午前中; hotel; deliver to; 翌日 + 変える; 留守; ずらす; 変えてもらえ; 夜間; 時間指定; 日付指定; 営業所止め; w:営業_所 + w:所_止め; 局留め; 速達; 配送方法; 受け取り + 場所; delivery time; delivery date; pick up; letter post",
    ),
    _c(
        "change_item",
        "change_order",
        "色 + 変更; カラー + 変更; 色 + 変える; サイズ + 変える; サイズ + 変更; 数量 + 変更; 個数 + 変更; 追加 + 注文; 同梱; まとめる + 発送; "
        "一緒 + 発送; ギフト; ラッピング; 包装; 熨斗; change + size; change + colour; change + color; "
        "change + quantity; gift wrap; gift; 一緒 + 送る; まとめる + 送る; 纏める; ship them together; combine; together in one; 定期便; 変えられる; 個数 + 増やす; 数 + 増やす; 数 + 減らす; 追加注文; 追加 + 為る; 名入れ; add + item; add one more; different colour; different color; switch to; add another; instead of; 金額 + 分かる",
    ),
    _c(
        "change_request",
        "change_order",
        "p:変更|REQ; p:変更|Q; 変更 + 可能; 変える + p:欲しい|REQ; change my; change the; "
        "p:保留|REQ; p:遅らせる|REQ; p:延期|REQ; p:ずらす|REQ; p:指定|REQ; p:同封|NEG; "
        "p:止める|REQ; p:変える|REQ; p:変える|Q; p:入れる|NEG + f:ask; hold the; delay the; postpone; "
        "p:指定|Q; p:指定|REQ; p:以降|REQ; p:ずらす|Q; p:遅らせる|Q; p:延期|Q; 以降 + p:発送|REQ; p:搬入|REQ; p:伸ばす|REQ; p:伸ばす|Q",
    ),
    # -- cancel
    _c(
        "cancel",
        "cancel",
        "キャンセル; 取り消し; 取り消す; 辞退; 注文 + 撤回; 取り止める; 注文 + 無し; call off; cancel; cancellation; cancel my order; 止める + 注文; 要る + p:要る|NEG; 注文 + 取り消す; 注文 + 止める; stop the order; cancel the order; don't want it anymore",
    ),
    _c(
        "cancel_negated",
        "cancel_negated",
        "p:キャンセル|NEG; キャンセル + 不要; キャンセル + 撤回; 取り消す + p:キャンセル|NEG; "
        "don't cancel; not cancel; no need to cancel",
    ),
    # -- return_refund
    _c(
        "return",
        "return_refund",
        "返品; 返送; 返却; 送り返す; 交換; return; exchange; send it back; 返品 + 方法; 送り返す; send back; sent back; sent the item back; 交換 + サイズ; 小さい + 交換; 大きい + 交換; 着る + 小さい; 用途 + p:合う|NEG; unopened; send it back; 返品 + 送料; 着払い; return it; return the; exchange it; too small; too big; doesn't fit; does not fit",
        # The post office's international exchange office, a tax return.
        unless="国際交換局; 交換局; exchange office; tax return",
    ),
    _c(
        "refund",
        "return_refund",
        "返金; 払い戻し; refund; money back; お金 + 返る; 返す + 金; 返金 + いつ; 入金 + 返金; when will i get my refund; 返金 + 反映; 返金 + 口座; haven't been refunded; not been refunded; 返金額; 部分返金; 全額返金; refund status; get my money back",
    ),
    _c(
        "changed_mind",
        "return_refund",
        "間違える + 注文; 間違える + 購入; イメージ + 違う; 気 + 変わる; 要らなくなった; 不要; "
        "p:合う|NEG + サイズ; 安い; changed my mind; no longer need; ordered the wrong; don't need; 使わなくなった; p:要る|NEG; 思っていた + 違う; 好み; 似合う",
    ),
    # -- defective
    _c(
        "broken",
        "defective",
        "壊れる; 破損; 故障; 不良; 初期不良; 割れる; 欠ける; 破れる; 凹む; 傷; 汚れ; 汚れる; 変形; 潰れる; "
        "濡れる; 錆びる; ひび; broken; damaged; cracked; scratched; dented; crushed; 掠れる; 剥がれる; 膨らむ; 臭い; 異臭; 曲がる; 折れる; 欠ける; ずれる; 漏れる; 液漏れ; 故障品; 水漏れ; 変色; カビ; 色落ち; ほつれる; 剥げる; 外れる; 取れる + ボタン; 穴; 点灯 + p:点灯|NEG; p:点灯|NEG; ずれる; stain; leak; torn; ripped; broke; 熱い + 成る; 熱くなる; 発熱; 焦げる; 煙; 動作不良; 異音; がたつく; 歪む; 縫製; cracked; scratched; shattered",
    ),
    _c(
        "not_working",
        "defective",
        "p:動く|NEG; p:作動|NEG; p:起動|NEG; 電源 + p:入る|NEG; 電源 + p:付く|NEG; p:充電|NEG; "
        "p:点く|NEG; p:付く|NEG; p:映る|NEG; p:反応|NEG; p:使える|NEG; p:使用|NEG; p:接続|NEG; "
        "p:認識|NEG; 不具合; 動作; p:work|NEG; not working; stopped working; defective; faulty; "
        "turn on; p:付く|NEG; p:冷える|NEG; 音 + p:出る|NEG; p:出る|NEG; p:繋がる|NEG; p:鳴る|NEG; p:温まる|NEG; p:charge|NEG; p:turn|NEG; dont charge; won't charge; will not; won't turn on; doesn't turn on; not turn on; won't start; no sound; not charging",
        # The tracking that does not move, the chime that did not ring, the phone not answered.
        unless="追跡; 伝票; tracking; チャイム; インターホン; 電話",
    ),
    _c(
        "missing_parts",
        "defective",
        "付属品; 部品; 欠品; 説明書 + p:入る|NEG; 部品 + p:入る|NEG; p:同梱|NEG; 付属 + p:足りる|NEG; "
        "missing part; missing parts; missing piece; missing accessory; ネジ + p:足りる|NEG; ネジ + p:入る|NEG; 部品 + p:足りる|NEG; screws; missing screws; missing",
    ),
    _c(
        "wrong_item",
        "defective",
        "違う + 商品; 別 + 商品; 異なる + 商品; 商品 + 違う; 色 + 違う; 注文 + 違う; 写真 + 違う; "
        "説明 + 違う; 記載 + 違う; 偽物; 中古; wrong item; wrong product; wrong colour; wrong color; "
        "wrong size; not as described; fake; 違う + 届く; 頼む + 違う; 表記 + 違う; サイズ表; 実際 + 測る; 新品 + p:為る|Q; 使用済み; i ordered + received; sent me the wrong; なのに + 入る; サイズ + 入る + 注文; 注文 + サイズ + のに; different from the picture; different from the photo; counterfeit; used item; looks used",
    ),
    # -- product_question
    _c(
        "stock",
        "product_question",
        "在庫; 再入荷; 入荷; 入荷予定; 再販; in stock; restock; back in stock; 再入荷 + いつ; 売り切れ; 在庫切れ; 品切れ; available; availability; sold out",
    ),
    _c(
        "spec",
        "product_question",
        "仕様; 組み立てる; 組み立て済み; assembled; assembly; 寸法; サイズ感; 大きさ; 重さ; 重量; 容量; 材質; 素材; 原産; 対応 + p:為る|Q; 対応機種; 互換; "
        "適合; 使い方; 使用方法; 取り付け; 保証期間; 保証 + 何; 耐熱; 防水; 電圧; compatible; "
        "specification; specs; dimensions; warranty; how to use; waterproof; does it; 製; 別売り; 付属 + p:為る|Q; 何色; 何 + 色; どちら + 良い; 電子レンジ; 食洗機; p:使える|Q; 本体のみ; 対象年齢; 何歳; 保証書; 修理; 交換 + 頻度; セット内容; 説明書 + pdf; 使用 + 可能; does it come; can i use; will it fit; 幅; 奥行き; 手入れ; 日本語 + 説明書; 説明書 + 付く; 付く + p:付く|Q; p:付く|Q; 洗える; 素材; サイズ + 教える; 合う + p:合う|Q; 何cm; 色 + 種類; 予約; 発売; 新作; 違い; 比較; 充電時間; 洗濯; 設置; 組み立てる + 方法; 純正; 替え; 別売; 対応 + 機種; p:使える|Q; p:入る|Q; 入る + サイズ; difference between; how many; which one; 取扱説明書; 使用期限; 賞味期限; 消費期限; 原材料; アレルギー; 男女兼用; カラー展開; does it work with; instructions; manual; battery life; voltage; made in; material; size chart",
        # Whether a tracking number is right (「番号は合っていますか」), how many days delivery takes.
        unless="追跡; 伝票番号; tracking; how many days",
    ),
    # Whether and at what cost the shop sends somewhere (before buying), not where a parcel is.
    _c(
        "ship_where",
        "product_question",
        "海外 + 発送出来る; 海外 + 送る + 出来る; 海外発送 + p:出来る|Q; 送料 + 幾ら; 送料 + 何円; "
        "do you ship to; ship internationally; international shipping; ship overseas; shipping cost",
    ),
    # Before buying: by when to order for a date (「何日までに注文すれば間に合いますか」). Only
    # the conditional counts: 「注文したのに」 is an order already placed.
    _c(
        "order_by",
        "product_question",
        "注文すれば; 購入すれば; 頼めば; 注文しておけば; 何日までに注文; いつまでに注文; "
        "何日までに購入; いつまでに購入; 注文は何日までに; 注文はいつまでに; when should i order; "
        "need to order by; order by when; if i order today; if i order now",
    ),
    _c("restock", "product_question", "再入荷; 再販; 再生産; back in stock; restock; restocked"),
    _c("bulk", "product_question", "まとめ買い; 大量; 法人; 個以上; bulk; wholesale price"),
    # -- invoice
    _c(
        "invoice",
        "invoice",
        "領収; 領収書; 請求書; インボイス; 適格; 適格請求書; 登録番号; 見積もり; 見積もり書; 納品書; "
        "但し書き; 宛て名 + 会社; 宛て名 + 株式; 経費; invoice; receipt; quotation; quote; tax invoice; レシート; 宛て名 + 会社名; 会社名; 発行 + 領収; 公費; receipt + company; pdf + 領収; インボイス制度; 税込; 税抜; 消費税; 内訳; delivery note; company name; qualified invoice",
    ),
    # -- payment
    _c(
        "payment",
        "payment",
        "支払い; 支払う; 決済; 代引き; 代金引換; コンビニ払い; 振り込み; 振り込む; 引き落とし; クレジット; "
        "カード + 使える; ポイント; payment; pay; credit card; billing; paypay; 分割払い; 分割; 代引き; 明細; 2回分; 請求 + 表示; 金額 + 違う; 請求書払い; 手数料; 期限 + 払う; カード + 明細; charged; charge; paypal; konbini; 後払い; 支払い期限; 引き落とす; 払う; go through; 入金 + 確認; 振り込む + 確認; カード払い; デビット; 請求額; 送料 + 請求; 差額; 引き落とし + 2回; 引き落とし + 戻る; 請求 + 取り消す; 料金; 支払い方法; コンビニ決済; 銀行振込; 代金引換; 一括; クレカ; 決済 + エラー; declined; bank transfer; cash on delivery; paid; convenience store",
    ),
    _c(
        "double_charge",
        "payment",
        "二重; 二 + 重; 2重; 二回 + 請求; 2回 + 請求; 請求 + 金額; 金額 + 違う; 余分; 多い + 請求; "
        "charged twice; double charge; overcharged; charged me",
    ),
    # -- thanks
    _c(
        "thanks",
        "thanks",
        "有り難う; 有難い; 感謝; 御礼; お礼; thank; thanks; thank you; thx; 拝受; 楽しみ + 待つ; 助かる + 有り難う; 受け取る + 確か; 確か + 受け取る; 御礼 + 申し上げる; 礼; 御礼 + 申し上げる; お陰; おかげさま; 嬉しい; 満足; 気に入る; お騒がせ; 御 + 騒ぐ; appreciate; perfect; works great; 大切 + 使う; また + 利用; また + 購入; 手数 + p:掛ける|PAST",
    ),
    _c(
        "arrived",
        "thanks",
        "p:届く|PAST; p:受け取る|PAST; p:到着|PAST; p:受領|PAST; 無事 + 届く; 無事 + 受け取る; "
        "無事 + 到着; p:received|PAST; received it; got it; arrived safely; has arrived; it arrived",
    ),
    _c(
        "understood",
        "thanks",
        "p:承知|PAST; 承知; 了解; p:畏まる|PAST; p:分かる|PAST; p:解決|PAST; 問題 + p:無い|NEG; "
        "p:待つ|REQ; 待ちます; 大丈夫; understood; no problem; will wait; all good; that's fine; p:分かる|PAST + 大丈夫; 解決; 待つ + 楽しみ; お待ちしております; 大丈夫です; ok; okay; 問題 + p:無い|NEG + 使える; p:使える|PAST + 問題; 了解です; 承知 + 為る",
    ),
    # -- other
    _c(
        "test",
        "other",
        "テスト; 試験送信; 試し + 送る; test; this is a test; test message; 送信先 + 間違える; 間違える + 送信; 誤送信; wrong store; wrong shop; please ignore; 無視してください",
    ),
    _c(
        "pitch",
        "other",
        "営業; 広告; seo; 集客; 御 + 提案; 弊社; 取材; 卸; 代理店; 提携; キャンペーン; ホームページ; "
        "ウェブサイト; 制作; 運用代行; 売り上げ + アップ; 無料 + 相談; 御社; 貴社; パートナー; marketing; "
        "partnership; promotion; wholesale; press; our company; we offer; agency; services; "
        "article; journalist; 配信 + 止める; 展示会; 出展; 代行; 物流; oem; 工場; 資料 + 送る; 御 + 案内 + 提案; 仕入れ; 募集; 求人; アルバイト; 店舗; 店長; インスタ; おすすめ; お勧め; 転居; 懸賞; 分析; レポート; 無料; sns; ふるさと納税; 返礼品; 出品者; http; url; 勝手 + 登録; 注文 + p:為る|NEG; 時間以内 + 更新; フォロワー; コラボ; メルマガ; メールマガジン; 配信 + 停止; 配信停止; 退会; 登録解除; ブログ; アフィリエイト; リンク; 掲載; 応募; 落とし物; 別の店; 他店; 身に覚え; p:注文|NEG; 寄付; 協賛; 寄贈; モニター; 商品提供; 相互リンク; unsubscribe; newsletter; affiliate; sponsor; collaboration; influencer; 採用; 講演; アンケート; business proposal; distributor; interview; hiring",
        # A carrier's depot (営業所止め) and working days (3営業日以内) are not sales calls.
        unless="営業所; 営業日",
    ),
    _c(
        "account_phish",
        "other",
        "アカウント + 停止; アカウント + 確認; パスワード; ログイン; 当選; verify your account; "
        "mail system; could not be delivered; undeliverable; returned to sender; mailer-daemon; "
        "suspended; click here",
    ),
    # -- anger and claims
    _c(
        "bad_review",
        "angry",
        "悪い + 評価; 低 + 評価; 最低 + 評価; 評価 + 下げる; 星 + 1; 星 + 一; 星 + 一つ; 評価 + 1; "
        "negative feedback; negative review; 1 star; "
        "one star; bad review",
    ),
    _c(
        "claim",
        "angry",
        "a + から + z; a-z; a to z; マーケット + 保証; 保証申請; チャージ + バック; チャージバック; "
        "カード会社; 消費者; 消費 + センター; 国民生活センター; 弁護; 訴える; 訴訟; 法的; 警察; 通報; "
        "lawyer; legal action; chargeback; consumer; report you; 申し立てる; 然り + 機関; amazon + 報告; 報告 + amazon; 評価 + 決める; 評価 + 全部; 保証 + 申請; file a claim; claim with amazon; contact amazon; 悪い + レビュー; dispute; dispute the charge; 異議",
    ),
    _c(
        "unanswered",
        "angry",
        "p:返事|NEG; p:返信|NEG; p:反応|NEG; p:回答|NEG; p:返答|NEG; 返信 + p:頂く|NEG; "
        "回答 + p:頂く|NEG; 返事 + p:来る|NEG; 返信 + p:来る|NEG; 無視; p:無視|NEG; "
        "何度; 再三; 音沙汰; 前回 + 連絡; no reply; no response; no answer; ignored; ignoring; "
        "still no; several times; multiple times; 既読スルー; 何回; 二回目; 2回目; 2回 + 連続; 再三; 前回 + 引き続く; また + 同じ; again; twice; same thing happened; 返事して; 度 + 渡る; 回 + 聞く; second request; third request; 2nd request; 3rd request; final request; 督促; 三度; 3度; 対応 + p:頂く|NEG; 未だ + 対応; 度々 + 問い合わせ; 二度 + 連絡; 二度 + お願い",
    ),
    _c(
        "anger_strong",
        "angry",
        "いい加減; 良い + 加減; ふざける; 最悪; 詐欺; 許す + p:許す|NEG; 信じる + p:信じる|NEG; 二度と; 不誠実; ありえない; あり得ない;"
        " unacceptable; ridiculous; terrible; worst; scam; fraud; furious; never again; 嘘; 嘘吐き;"
        " 取り引き + 見直し; 取り引き + 兼ねる; 責任 + 取る; 信ずる + p:信ずる|NEG; 待たす;"
        " 遅すぎる; ゴミ; どうしてくれる; 金 + 返す; 今すぐ; 直ちに; 酷すぎる; do you even; or i will; 待たせる; 嘘つき;"
        " 遅い + 過ぎ; how many times; 何回 + 言う; 何度 + 言う; disgusted; fed up; waste of money; terrible service",
    ),
    _c(
        "anger_words",
        "angry_mild",
        "怒る; 酷い; 誠意; p:納得|NEG; 早急; 至急; 迷惑; 不愉快; 困る; 責任; !!; angry; disappointed; asap;"
        " immediately; がっかり; 信用 + p:出来る|NEG; もう + 良い; 遅い + 過ぎる; 何で; 何故; 危ない; 危険; 早く + 調べる; 誠意; 不信;"
        " 憤る; 疑う; 不満; 放置; 不快; 不手際; さっさと; refund me; 返事して; どうなって; 断る; おかしい; 規約; 説明して; もういいです; 遅れる + 要る",
    ),
    # Words of anger the cues above lacked, apart so that their own weights are learnt.
    _c("anger_plain", "angry", "ありえません; あり得ません; 馬鹿; 憤り; 遺憾; 失望; w:失礼_過ぎる"),
    _c(
        "displeasure",
        "angry_mild",
        "求める; 早くして; 評価 + 書く; レビュー + 書く; 利用 + 控える; 納得 + x:行く + x:ず; 納得 + x:兼ねる; "
        "気持ち悪い; どういう + 管理; 然り + 対応; これ以上 + 待つ; 誇大; 大幅 + 過ぎる; 大幅 + 遅れる; 本日中 + 説明; 他社 + 発注",
    ),
    # Doubting the shop's word (「本当に発送しましたか」「検品してないですよね」), a second failure
    # (「二度も」), a spoilt occasion or a danger: weighed by the model, and an auto answer
    # would read as a form letter to such a buyer.
    _c(
        "grievance",
        "angry_mild",
        "本当 + p:発送|Q; 本当 + p:送る|Q; 本当 + p:出荷|Q; 本当 + p:出す|Q; p:検品|NEG; 虚偽; "
        "台無し; 正直 + 教える; 二 + w:度_も; w:何_共; 火事; are you sure; real answer; copy-paste; "
        "copy paste; ruined; p:意味|NEG; 一体; actually send; actually sent; actually ship; "
        "actually shipped; すら; 一言 + も; 二度 + 続ける; 其れ + なのに; どういう + 保管; "
        "受取 + 拒否; 受け取り + 拒否; not acceptable; wasted; embarrassing; full refund",
    ),
    # -- waiting: signs of a long wait or of no news, which an angry mail often has and a
    # patient one sometimes; the models weigh them, no rule acts on them alone.
    _c(
        "waiting",
        "waiting",
        "依然; 依然として; 未だに; 経つ + 未だ; 経つ + p:届く|NEG; 経つ + 依然; p:連絡|NEG; "
        "連絡 + p:来る|NEG; 過ぎる + 予定; 過ぎる + p:届く|NEG; still waiting; been waiting; "
        "もう + 週間; もう + ヶ月; もう + か月",
    ),
    _c(
        "impatience",
        "angry_mild",
        "f:imperative; ちゃんと; きちんと; はっきり + 答える; はっきり + 回答; もう + p:待つ|NEG; w:？_？; w:?_?; "
        "upset; frustrated; frustrating; annoyed; horrible; awful; waiting forever; "
        "what is going on; still nothing; money back; "
        "たのに; たよね; ませんよね; ないですよね; 本当は; いつになったら; w:遅い_過ぎ; 疾っく; 今日中 + x:下さる; 本日中 + x:下さる; 直ぐ + 送る; 直ぐ + 下さる; "
        "早い + 為る + て; 早い + 送る; 早い + 返す; 催促; 回目; 度目; 二度 + 問い合わせ; 2度 + 問い合わせ; "
        "どういう事; 何 + 度 + も; 回 + も; 前回 + も; 約束; 弁償; again; times; right now; "
        "unprofessional; misleading; spam; fix it; at your cost; giving you",
    ),
    # -- form: a question or request outside the closing formulas (features.py finds it)
    _c(
        "ask",
        "ask",
        "f:ask; 教える; 知らせる; can you; could you; would you; let me know; is it; do you; how; "
        "when; what; why; please; i would like; i want",
    ),
)


class CueTable(NamedTuple):
    """Triggers resolved into features, with the phrase quoted for each worked out once."""

    # single feature → (phrase, its negation feature, the cues it triggers)
    single: dict[str, tuple[str, str, tuple[Cue, ...]]]
    # key feature → [(all features needed, phrase, its negation feature, the cue)]; only
    # conjunctions whose key is present are tested, so matching costs little more than one
    # set intersection.
    conjunctions: dict[str, list[tuple[frozenset[str], str, str, Cue]]]
    # First lemmas of the two-lemma phrases cues use: only these bigrams need building.
    bigram_heads: frozenset[str]
    # cue name → the feature sets of its ``unless`` phrases (only cues that have some)
    unless: dict[str, tuple[frozenset[str], ...]]
    # The keys of ``single`` and ``conjunctions`` as sets: a set intersects a frozenset
    # faster than a dict's keys.
    single_names: frozenset[str]
    conjunction_keys: frozenset[str]
    # Both together: the features worth looking up at all.
    keys: frozenset[str]
    # Each of ``keys`` → its place in their sorted order, and the keys in that order: a mail's
    # keys are put in order by sorting their places (plain integers) instead of the strings.
    places: dict[str, int]
    in_order: list[str]


EN_NEGATORS: Final = frozenset(
    {"not", "no", "never", "haven't", "hasn't", "didn't", "don't", "doesn't", "isn't", "wasn't",
     "won't", "can't", "cannot", "havent", "hasnt", "didnt", "dont", "doesnt", "isnt", "wasnt",
     "wont", "cant", "nothing"}
)  # fmt: skip
JA_NEGATORS: Final = frozenset({"ない", "無い", "ず", "ぬ"})


def negation_feature(phrase: str) -> str:
    """The feature saying that the last word of a cue's ``phrase`` heads a negated clause.

    A phrase that says its negation itself ("hasn't arrived", "no answer", 「信用+p:出来る|NEG」)
    is what it says: its own negator puts its last word in a negated clause, and that must not
    turn the cue around, so such a phrase has no negation feature ("", never a feature).
    """
    words = phrase.replace("+", "_").split("_")
    if any(w.endswith("|NEG") or w in EN_NEGATORS or w in JA_NEGATORS for w in words):
        return ""
    return f"p:{words[-1]}|NEG"


def _phrase_features(phrase: str) -> frozenset[str]:
    if phrase.startswith(("p:", "f:", "w:", "x:")):
        return frozenset({phrase})
    words = tokenize_english(phrase) if phrase.isascii() else tokenize(phrase)
    lemmas = words.lemmas
    if len(lemmas) == 1:
        # A lone particle or ending (しか, だけ) is only seen as an x: feature.
        kind = "w" if phrase.isascii() or words.codes in ("n", "C", "E") else "x"
        return frozenset({f"{kind}:{lemmas[0]}"})
    return frozenset(f"w:{a}_{b}" for a, b in itertools.pairwise(lemmas))


def _single_phrase(name: str) -> str:
    return name.partition(":")[2]


def _conjunction_phrase(needed: frozenset[str]) -> str:
    return "+".join(sorted(n.partition(":")[2] for n in needed))


# The process's cue table, built by the first call of :func:`cue_table`. A module variable
# rather than functools.cache: the classifier asks for it several times per mail, and from
# compiled code a cache wrapper is a generic call each time.
_CUE_TABLE: CueTable | None = None


def cue_table() -> CueTable:
    """The cue triggers as features (built once per process; needs the tagger)."""
    global _CUE_TABLE
    if _CUE_TABLE is None:
        _CUE_TABLE = _build_cue_table()
    return _CUE_TABLE


def _trigger_features(trigger: str) -> frozenset[str]:
    """Every feature a trigger needs (its ``+``-joined parts together)."""
    # Interned, as the mail's own names are (see tokens._analyse): a set or dict lookup of a
    # name that is the same object needs no comparison of characters.
    found = frozenset().union(*(_phrase_features(p.strip()) for p in trigger.split(" + ")))
    return frozenset([sys.intern(name) for name in found])


def _build_cue_table() -> CueTable:
    single: dict[str, list[int]] = {}
    conjunctions: dict[str, list[tuple[frozenset[str], int]]] = {}
    for index, cue in enumerate(CUES):
        for trigger in cue.triggers:
            needed = _trigger_features(trigger)
            if len(needed) == 1:
                single.setdefault(next(iter(needed)), []).append(index)
            elif needed:
                # The longest name is the most specific, hence the rarest, key.
                key = max(sorted(needed), key=len)
                conjunctions.setdefault(key, []).append((needed, index))
    unless = {
        cue.name: tuple(_trigger_features(phrase) for phrase in cue.unless)
        for cue in CUES
        if cue.unless
    }
    every = set(single).union(
        *(n for group in conjunctions.values() for n, _ in group),
        *(n for sets in unless.values() for n in sets),
    )
    heads = frozenset(n[2:].partition("_")[0] for n in every if n.startswith("w:") and "_" in n)
    single_hits = {
        name: (phrase, negation_feature(phrase), tuple(CUES[i] for i in indices))
        for name, indices in single.items()
        for phrase in (_single_phrase(name),)
    }
    conjunction_hits = {
        key: [
            (needed, phrase, negation_feature(phrase), CUES[index])
            for needed, index in group
            for phrase in (_conjunction_phrase(needed),)
        ]
        for key, group in conjunctions.items()
    }
    keys = frozenset(single_hits).union(conjunction_hits)
    in_order = sorted(keys)
    return CueTable(
        single_hits,
        conjunction_hits,
        heads,
        unless,
        frozenset(single_hits),
        frozenset(conjunction_hits),
        keys,
        {name: place for place, name in enumerate(in_order)},
        in_order,
    )


class CueHit(NamedTuple):
    """A cue found in a mail: the trigger phrase quoted for it, and whether it is negated."""

    cue: Cue
    phrase: str
    # Every trigger of the cue that fired is negated (「返品ではありません」).
    negated: bool


def cue_hits(names: set[str]) -> dict[str, CueHit]:
    """The cues whose triggers are among ``names``.

    Each comes with the first trigger that fired (in sorted order, so the phrase quoted does
    not depend on the set's order), preferring one that is not negated: a trigger is negated
    when ``names`` holds its :func:`negation_feature`. The cue counts as negated only when
    all of its triggers that fired are.
    """
    return {
        name: CueHit(cue, phrase, negated) for name, (cue, phrase, negated) in hits(names).items()
    }


def hits(names: set[str]) -> dict[str, tuple[Cue, str, bool]]:
    """:func:`cue_hits` as plain (cue, phrase, negated) tuples: the classifier's path, which
    makes a few per mail and has no use for the named tuple's cost."""
    table = cue_table()
    found: dict[str, tuple[Cue, str, bool]] = {}
    # One intersection for both kinds of trigger; sorting the union keeps each kind's order.
    # (sorted(names & table.keys), through the keys' places.)
    places = table.places
    found_places = [places[name] for name in names & table.keys]
    found_places.sort()
    in_order = table.in_order
    present = [in_order[place] for place in found_places]
    single = table.single
    for name in present:
        entry = single.get(name)
        if entry is None:
            continue
        phrase, negation, cues = entry
        is_negated = negation in names
        for cue in cues:
            known = found.get(cue.name)
            if known is None or (known[2] and not is_negated):
                found[cue.name] = (cue, phrase, is_negated)
    conjunctions = table.conjunctions
    for key in present:
        group = conjunctions.get(key)
        if group is None:
            continue
        for needed, phrase, negation, cue in group:
            known = found.get(cue.name)
            if (known is None or known[2]) and needed <= names:
                is_negated = negation in names
                if known is None or not is_negated:
                    found[cue.name] = (cue, phrase, is_negated)
    # The few cues with "unless" phrases, rather than every cue found.
    for name, sets in table.unless.items():
        hit = found.get(name)
        if hit is not None and not hit[2] and any(s <= names for s in sets):
            found[name] = (hit[0], hit[1], True)
    return found
