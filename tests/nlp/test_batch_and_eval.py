"""``classify_records`` (madoguchi classify --jsonl) and the eval report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.nlp.batch import classify_records
from bot.nlp.evaluate import evaluate_file, format_report, score


def test_records_come_out_in_order_with_their_ids() -> None:
    records = [
        {"id": "a", "subject": "", "body": "キャンセルしてください。"},
        {"id": 7, "subject": "領収書", "body": "領収書をお願いします。", "other": "ignored"},
    ]
    out = list(classify_records(records))
    assert [line["id"] for line in out] == ["a", 7]
    assert out[0]["intent"] == "cancel"
    assert out[1]["intent"] == "invoice"


def test_a_batch_collects_young_objects_less_often_and_sets_the_collector_back() -> None:
    import gc

    from bot.nlp.batch import GC_YOUNG_THRESHOLD

    before = gc.get_threshold()
    assert before[0] < GC_YOUNG_THRESHOLD
    records = iter([{"id": n, "subject": "", "body": "いつ届きますか？"} for n in range(3)])
    lines = classify_records(records)
    next(lines)
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
    assert len(list(lines)) == 2
    assert gc.get_threshold() == before
    # Stopped early, it sets it back too.
    lines = classify_records([{"id": 1, "subject": "", "body": "いつ届きますか？"}] * 3)
    next(lines)
    lines.close()
    assert gc.get_threshold() == before


def test_quotes_are_removed_before_classifying() -> None:
    body = "キャンセルをお願いします。\n> 領収書を発行しました。\n> 領収書をご確認ください。"
    (line,) = classify_records([{"id": 1, "subject": "", "body": body}])
    assert line["intent"] == "cancel"


@pytest.mark.parametrize(
    "record",
    [
        "not an object",
        {"id": "x"},
        {"id": "x", "body": 12},
        {"id": "x", "subject": ["a"], "body": "届きません"},
        None,
    ],
)
def test_malformed_records_become_a_handoff_line(record: object) -> None:
    (line,) = classify_records([record])
    assert line["intent"] == "other"
    assert line["action"] == "handoff"
    assert line["evidence"][0].startswith("invalid input: ")


def test_a_line_the_reader_could_not_parse_keeps_its_reason() -> None:
    (line,) = classify_records([{"id": None, "_invalid": "line 3: Expecting value"}])
    assert line["evidence"] == ["invalid input: line 3: Expecting value"]
    assert line["action"] == "handoff"


def test_a_malformed_record_does_not_stop_the_batch() -> None:
    out = list(classify_records([None, {"id": 2, "body": "いつ届きますか？"}]))
    assert len(out) == 2
    assert out[1]["intent"] == "shipping_status"


GOLD = [
    {"id": "1", "intent": "cancel"},
    {"id": "2", "intent": "shipping_status", "angry": True},
    {"id": "3", "intent": "invoice", "also": ["product_question"]},
    {"id": "4", "intent": "thanks"},
    {"id": "5", "intent": "shipping_status"},
]
PREDICTED = [
    {"intent": "cancel", "action": "handoff", "angry": False},
    {"intent": "shipping_status", "action": "auto", "angry": False},
    {"intent": "product_question", "action": "handoff", "angry": False},
    {"intent": "thanks", "action": "none", "angry": False},
    {"intent": "shipping_status", "action": "auto", "angry": False},
]


def test_score_counts_also_for_accuracy_and_anger_against_auto() -> None:
    report = score(GOLD, PREDICTED)
    assert report.accuracy == 1.0
    assert report.per_intent["invoice"].recall == 0.0
    assert report.per_intent["product_question"].precision == 0.0
    # Mail 2 was angry: answering it automatically is a wrong auto.
    assert report.auto_count == 2
    assert report.auto_precision == 0.5
    assert report.auto_share == pytest.approx(2 / 3)
    assert report.none_precision == 1.0
    assert report.angry_recall == 0.0
    assert report.macro_f1 == pytest.approx((1 + 1 + 0 + 1 + 0) / 5)


def test_evaluate_file_prints_a_table_and_json(tmp_path: Path) -> None:
    lines = [
        {"id": "e1", "subject": "", "body": "注文をキャンセルしたいです。", "intent": "cancel"},
        {"id": "e2", "subject": "", "body": "領収書を発行してください。", "intent": "invoice"},
        {"id": "e3", "subject": "", "body": "消費者センターに相談します。返金してください。",
         "intent": "return_refund", "angry": True},
    ]  # fmt: skip
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n")
    report = evaluate_file(path)
    assert report.total == 3
    assert report.angry_recall == 1.0
    table = format_report(report)
    assert "macro-F1" in table and "cancel" in table and "angry: recall" in table
    data = json.loads(json.dumps(report.to_json()))
    assert data["total"] == 3 and "per_intent" in data


def test_evaluate_file_rejects_a_record_without_intent(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "1", "body": "x"}) + "\n")
    with pytest.raises(ValueError, match="intent"):
        evaluate_file(path)
