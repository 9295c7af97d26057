"""The demo path end to end: every bundled mail through the real pipeline, nothing skipped."""

import io
import re
from pathlib import Path

from bot.demo import EXAMPLE_SHOP, run_demo


async def test_demo_prints_a_transcript_for_every_bundled_mail(tmp_path: Path) -> None:
    mails = sorted(p.name for p in (EXAMPLE_SHOP / "mails").glob("*.eml"))
    assert len(mails) >= 20
    out = io.StringIO()
    counts = await run_demo(out, workdir=tmp_path)
    text = out.getvalue()
    shown = re.findall(r"^\[\d+/\d+\] (\S+\.eml)$", text, flags=re.MULTILINE)
    assert sorted(shown) == mails  # each mail exactly once
    assert sum(counts.values()) == len(mails)
    assert (
        counts.get("reply", 0) >= 1 and counts.get("handoff", 0) >= 1 and counts.get("none", 0) >= 1
    )
    assert "Summary" in text and f"{len(mails)} mails in" in text
    # the broken mail is kept and handed to a human with its defect
    broken = text.split("] 22-broken-truncated.eml", 1)[1].split("────", 1)[0]
    assert "Defects:" in broken and "HANDOFF" in broken
    # the bounce and the out-of-office are never answered
    for name in ("04-bounce-user-unknown.eml", "05-out-of-office.eml"):
        block = text.split(f"] {name}", 1)[1].split("────", 1)[0]
        assert "NO REPLY" in block
    # the replies the bot sent are real files in the outbox
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == counts.get("reply", 0)
