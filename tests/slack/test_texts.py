"""The desk's words exist in every seller language, with the same placeholders."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.config import DEFAULT_TEMPLATES_DIR
from bot.intents import INTENTS
from bot.slack.texts import SlackTexts, fill
from bot.templates import Renderer

LANGS = ("en", "zh", "ja")


def _labels(lang: str) -> dict[str, str]:
    path = Path(DEFAULT_TEMPLATES_DIR) / lang / "slack" / "labels.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        f"{section}.{key}": str(v) for section, table in data.items() for key, v in table.items()
    }


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_every_label_is_translated_with_the_same_placeholders(lang: str) -> None:
    english, other = _labels("en"), _labels(lang)

    assert set(other) == set(english)
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", other[key])) == set(re.findall(r"\{(\w+)\}", text)), key


@pytest.mark.parametrize("lang", LANGS)
def test_every_intent_has_a_name_and_a_gist(lang: str) -> None:
    texts = SlackTexts(Renderer(DEFAULT_TEMPLATES_DIR), lang)
    other = texts.gist(intent="other")

    for intent in INTENTS:
        assert texts.label(f"intent.{intent}") != f"intent.{intent}"
        assert intent == "other" or texts.gist(intent=intent) != other


def test_missing_words_fall_back_to_english_and_unknown_placeholders_stay() -> None:
    texts = SlackTexts(Renderer(DEFAULT_TEMPLATES_DIR), "fr")

    assert texts.lang == "en"
    assert texts.label("button.take") == "Take"
    assert texts.label("no.such") == "no.such"
    assert fill("{a} and {b}", {"a": 1}) == "1 and {b}"
