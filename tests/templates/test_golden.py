"""Every answer and draft, rendered for a realistic situation, matches its reviewed text.

The expected texts under ``expected/`` were read and checked for natural business Japanese
(and English). After a deliberate template change, rewrite them with
``MADOGUCHI_UPDATE_GOLDEN=1 pytest tests/templates`` and review the diff.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.policy import check_text
from tests.templates.cases import CASES, Case, run_case

EXPECTED = Path(__file__).parent / "expected"
UPDATE = os.environ.get("MADOGUCHI_UPDATE_GOLDEN") == "1"
TEMPLATES = PROJECT_ROOT / "templates"


def _with_faq(case: Case, tmp_path: Path) -> Case:
    if "faq" not in case.extra:
        return case
    faq = tmp_path / "faq.toml"
    faq.write_text(str(case.extra["faq"]), encoding="utf-8")
    return replace(case, faq_file=faq)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_answer_matches_reviewed_text(case: Case, tmp_path: Path) -> None:
    outcome = await run_case(_with_faq(case, tmp_path))
    assert (outcome.kind, outcome.template) == (case.expect, case.template), outcome.reason
    text = outcome.body if case.expect == "reply" else outcome.draft
    assert text, f"nothing rendered: {outcome.reason}"
    path = EXPECTED / f"{case.name}.txt"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_answer_passes_the_policy_check(case: Case, tmp_path: Path) -> None:
    outcome = await run_case(_with_faq(case, tmp_path))
    text = outcome.body or outcome.draft or ""
    numbers = [o.order_id for o in (case.order, *case.orders) if o] + [
        s.tracking_number for o in (case.order, *case.orders) if o for s in o.shipments
    ]
    assert check_text(text, case.shop, known_numbers=numbers) == []
    assert "policy" not in outcome.facts and "draft_policy" not in outcome.facts


def _answer_templates() -> set[str]:
    found = set()
    for lang in ("ja", "en"):
        for path in (TEMPLATES / lang).rglob("*.txt"):
            name = path.relative_to(TEMPLATES / lang).as_posix()
            if name.startswith("deadlines/"):
                continue  # agent-facing reminders (Slack), not answers to buyers
            if not path.name.startswith("_") and not path.name.startswith("digest"):
                found.add(f"{lang}/{name}")
    return found


def test_every_buyer_facing_template_has_a_reviewed_case() -> None:
    covered = {f"{'en' if c.language == 'en' else 'ja'}/{c.template}" for c in CASES}
    assert _answer_templates() - covered == set()


def test_english_mails_get_english_where_a_template_exists() -> None:
    english = {c.template for c in CASES if c.language == "en"}
    assert {t.removeprefix("en/") for t in _answer_templates() if t.startswith("en/")} == english
