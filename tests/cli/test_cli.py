"""The command line as an operator meets it: clear errors, contract JSON, the demo."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.mailfactory import buyer_mail


def madoguchi(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    clean["PYTHONPATH"] = str(ROOT)
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd or ROOT,
        input=stdin.decode() if stdin is not None else None,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"MADOGUCHI_DATABASE_URL": "oracle://nope"}, "MADOGUCHI_DATABASE_URL"),
        ({"MADOGUCHI_OUTBOX": "smtp://smtp.example.jp"}, "MADOGUCHI_OUTBOX"),
        ({"MADOGUCHI_MARKETPLACE": "yahoo"}, "MADOGUCHI_MARKETPLACE"),
    ],
)
def test_a_bad_setting_exits_2_with_one_line(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    result = madoguchi("run", "--once", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and "example" in lines[0]
    assert "Traceback" not in result.stderr


def test_run_once_on_a_fresh_folder_uses_embedded_defaults(tmp_path: Path) -> None:
    result = madoguchi("run", "--once", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["processed"] == 0
    assert (tmp_path / "var" / "madoguchi.db").exists()


def test_run_once_answers_waiting_mail(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1").write_bytes(
        buyer_mail("領収書の発行をお願いできますか。", subject="領収書について")
    )
    env = {
        "MADOGUCHI_MAILBOX": f"maildir:{maildir}",
        "MADOGUCHI_OUTBOX": f"maildir:{tmp_path / 'out'}",
        "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "MADOGUCHI_SHOP_NAME": "ミライ雑貨店",
        "MADOGUCHI_SHOP_ADDRESS": "shop@mirai-zakka.example.jp",
    }
    result = madoguchi("run", "--once", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["processed"] == 1
    delivered = list((tmp_path / "out" / "new").iterdir())
    assert len(delivered) == summary["sent"]
    assert "k2x7q9w3e5r1t8y" not in result.stderr  # no buyer address in the INFO log


def test_orders_import_names_the_bad_row_and_skip_invalid_imports_the_rest(tmp_path: Path) -> None:
    csv = tmp_path / "orders.csv"
    csv.write_text(
        "order_id,status,carrier,tracking_number\n249-1111111-1111111,shipped,yamato,123456789013\n249-2222222-2222222,shipped,yamato,123456789012\n",
        encoding="utf-8",
    )
    env = {"MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"}
    refused = madoguchi("orders", "import", str(csv), env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert (
        "line 3, column tracking_number" in refused.stderr and "nothing imported" in refused.stderr
    )
    accepted = madoguchi("orders", "import", str(csv), "--skip-invalid", env=env, cwd=tmp_path)
    assert accepted.returncode == 0
    assert "1 new" in accepted.stdout and "1 skipped" in accepted.stdout


def test_parse_prints_the_contract_json(tmp_path: Path) -> None:
    eml = tmp_path / "m.eml"
    eml.write_bytes(buyer_mail("いつ届きますか", subject="配送"))
    result = madoguchi("parse", str(eml))
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert set(doc) == {
        "message_id",
        "in_reply_to",
        "references",
        "from",
        "to",
        "subject",
        "date",
        "text",
        "new_text",
        "is_auto",
        "attachments",
        "charsets",
        "defects",
    }
    assert doc["subject"] == "配送" and doc["is_auto"] is False


def test_parse_never_fails_on_garbage(tmp_path: Path) -> None:
    eml = tmp_path / "bad.eml"
    eml.write_bytes(b"\x00\x01\x02 not a mail \xff" * 50)
    result = madoguchi("parse", str(eml))
    assert result.returncode == 0
    assert isinstance(json.loads(result.stdout)["defects"], list)


def test_classify_keeps_order_and_contract_keys() -> None:
    lines = [
        {
            "id": "a",
            "subject": "配送",
            "body": "注文番号249-1234567-1234567の商品はいつ届きますか？",
            "extra": 1,
        },
        {"id": 7, "subject": "", "body": "キャンセルできますか？"},
    ]
    result = madoguchi(
        "classify",
        "--jsonl",
        "-",
        stdin="\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode(),
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7]
    for o in out:
        assert set(o) == {
            "id",
            "intent",
            "confidence",
            "angry",
            "action",
            "order_ids",
            "tracking_numbers",
            "evidence",
        }
    assert out[0]["order_ids"] == ["249-1234567-1234567"]


def test_help_lists_every_command() -> None:
    result = madoguchi("--help")
    for command in ("run", "migrate", "doctor", "demo", "parse", "classify", "eval", "orders"):
        assert command in result.stdout


def test_run_serves_until_sigterm_and_stops_cleanly(tmp_path: Path) -> None:
    import signal
    import time

    maildir = tmp_path / "mail"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(
        PYTHONPATH=str(ROOT),
        MADOGUCHI_MAILBOX=f"maildir:{maildir}",
        MADOGUCHI_OUTBOX=f"files:{tmp_path / 'out'}",
        MADOGUCHI_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        MADOGUCHI_POLL_SECONDS="0.2",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        (maildir / "new" / "1").write_bytes(
            buyer_mail("領収書の発行をお願いできますか。", subject="領収書")
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((tmp_path / "out").glob("*.eml")):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "event=desk.stopping signal=SIGTERM" in err and "event=desk.stop " in err
    assert "event=pipeline.decided" in err


def test_roles_split_the_work_between_processes(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1").write_bytes(
        buyer_mail("領収書の発行をお願いできますか。", subject="領収書")
    )
    env = {
        "MADOGUCHI_MAILBOX": f"maildir:{maildir}",
        "MADOGUCHI_OUTBOX": f"files:{tmp_path / 'out'}",
        "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
    }
    reader = madoguchi("run", "--once", env={**env, "MADOGUCHI_ROLES": "ingest"}, cwd=tmp_path)
    assert reader.returncode == 0, reader.stderr
    assert json.loads(reader.stdout.strip().splitlines()[-1])["ingested"] == 1
    assert json.loads(reader.stdout.strip().splitlines()[-1])["processed"] == 0
    worker = madoguchi("run", "--once", env={**env, "MADOGUCHI_ROLES": "decide,send"}, cwd=tmp_path)
    assert worker.returncode == 0, worker.stderr
    summary = json.loads(worker.stdout.strip().splitlines()[-1])
    assert (summary["ingested"], summary["processed"]) == (0, 1)
    bad = madoguchi("run", "--once", env={**env, "MADOGUCHI_ROLES": "cook"}, cwd=tmp_path)
    assert bad.returncode == 2 and "MADOGUCHI_ROLES" in bad.stderr
