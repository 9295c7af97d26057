"""The optional compiled build: used only while current, and the same outputs as the sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.nlp import native
from tests.nlp.classify_fixture import FIXTURE, REPO

_CLASSIFY_FIXTURE = """
import json, sys
from bot.nlp import native
from bot.nlp.batch import classify_records
pinned = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
print(json.dumps({"in_use": native.in_use(),
                  "outputs": list(classify_records([p["input"] for p in pinned]))}))
"""


def _classify_fixture(native_setting: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MADOGUCHI_NATIVE": native_setting}
    done = subprocess.run(
        [sys.executable, "-c", _CLASSIFY_FIXTURE, str(FIXTURE)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_sources_and_build_in_use_give_the_pinned_outputs() -> None:
    pinned = [json.loads(line)["output"] for line in FIXTURE.read_text("utf-8").splitlines()]
    plain = _classify_fixture("0")
    assert plain["in_use"] is False
    assert plain["outputs"] == pinned
    # With a current build this runs the compiled modules, without one the sources again.
    default = _classify_fixture("1")
    assert default["in_use"] is native.current()
    assert default["outputs"] == pinned


def test_a_build_is_used_only_while_every_source_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "manifest.json"
    monkeypatch.setattr(native, "MANIFEST", manifest)
    assert not native.current()  # no build
    record = native.manifest()
    assert "bot/nlp/features.py" in record["sources"]
    # Imported modules count too: the build is compiled against their types.
    assert "bot/nlp/understanding.py" in record["sources"]
    manifest.write_text(json.dumps(record), encoding="utf-8")
    assert native.current()
    edited = {**record["sources"], "bot/nlp/features.py": "0" * 64}
    manifest.write_text(json.dumps({**record, "sources": edited}), encoding="utf-8")
    assert not native.current()
    missing = dict(record["sources"])
    missing.pop("bot/nlp/understanding.py")
    manifest.write_text(json.dumps({**record, "sources": missing}), encoding="utf-8")
    assert not native.current()
    manifest.write_text(json.dumps({**record, "python": ".cpython-00.so"}), encoding="utf-8")
    assert not native.current()
    manifest.write_text("{not json", encoding="utf-8")
    assert not native.current()


def test_enable_puts_a_current_build_first_and_only_then(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "current", lambda: True)
    monkeypatch.setenv("MADOGUCHI_NATIVE", "1")
    path = ["/plain"]
    assert native.enable(path)
    assert path == [str(native.DIRECTORY), "/plain"]
    monkeypatch.setenv("MADOGUCHI_NATIVE", "0")
    path = ["/plain"]
    assert not native.enable(path)
    assert path == ["/plain"]
