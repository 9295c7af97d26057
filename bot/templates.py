"""Rendering buyer- and agent-facing text from ``templates/<lang>/`` (Jinja2, sandboxed).

Buyer text is only ever data: the environment is sandboxed, templates are files the seller
controls, and values are inserted as they are (``{{ 7*7 }}`` written by a buyer comes back
literally). HTML templates (``.html``) are autoescaped; text templates are not.
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from bot import carriers
from bot.errors import TemplateMissingError

_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def jdate(value: date | datetime | None, tz: str = "Asia/Tokyo") -> str:
    """``12月5日（木）`` — a date (or the Japan-time date of a moment) the Japanese way."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return f"{value.month}月{value.day}日（{_WEEKDAYS_JA[value.weekday()]}）"


def jdatetime(value: datetime | None, tz: str = "Asia/Tokyo") -> str:
    """``12月5日（木）14:30`` in Japan time (or ``tz``)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    return f"{jdate(local, tz)}{local:%H:%M}"


def zhdate(value: date | datetime | None, tz: str = "Asia/Tokyo") -> str:
    """``12月5日（周四）`` for Chinese text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return f"{value.month}月{value.day}日（周{_WEEKDAYS_ZH[value.weekday()]}）"


def endate(value: date | datetime | None, tz: str = "Asia/Tokyo") -> str:
    """``Thu 5 Dec`` for English text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return f"{_WEEKDAYS_EN[value.weekday()]} {value.day} {value:%b}"


# Entries kept per process in each of the renderer's memos (templates, attribute verdicts,
# template files found): far more than a deployment's templates and types.
_MAX_REMEMBERED = 4096


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, remembering its verdict on each (type, attribute name).

    The sandbox's verdict depends on nothing else (the name, and which kinds of object the
    type is: functions, methods, types, frames, generators ...), while a reply template asks
    the same dozen of them at every render.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}
        self._loaded: dict[str, Template] = {}

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        """Jinja's own, with the templates it loaded kept by name in a plain dict.

        Without ``auto_reload`` a loaded template is never looked at again on disk, but every
        render asks for its template and each include and import again (four or five per
        reply) through a weak reference and a locked LRU cache. Loaded with extra globals, a
        template goes the usual way.
        """
        if globals or self.auto_reload:
            return super()._load_template(name, globals)
        template = self._loaded.get(name)
        if template is None:
            template = super()._load_template(name, globals)
            if len(self._loaded) < _MAX_REMEMBERED:
                self._loaded[name] = template
        return template

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = super().is_safe_attribute(obj, attr, value)
            if len(self._verdicts) < _MAX_REMEMBERED:
                self._verdicts[key] = verdict
        return verdict


class Renderer:
    """Renders ``<lang>/<name>`` templates with the shared filters and partials."""

    def __init__(self, templates_dir: Path, *, globals_: dict[str, Any] | None = None) -> None:
        self.templates_dir = templates_dir
        self._found: set[tuple[str, str]] = set()
        self.env = _Sandbox(
            loader=FileSystemLoader(str(templates_dir)),
            # Asked at every render, include and import (it depends on the name alone).
            autoescape=functools.lru_cache(maxsize=1024)(
                select_autoescape(enabled_extensions=("html",), default_for_string=False)
            ),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates are read once per process: no file-system look per render (a changed
            # template takes effect at the next start, like a changed setting).
            auto_reload=False,
        )
        self.env.filters.update(
            jdate=jdate,
            jdatetime=jdatetime,
            zhdate=zhdate,
            endate=endate,
            carrier_name=carriers.carrier_name,
            tracking_url=carriers.tracking_url,
        )
        self.env.globals.update(globals_ or {})

    def exists(self, lang: str, name: str) -> bool:
        """True when ``templates/<lang>/<name>`` exists.

        A template found once counts as there for good (it is read once per process anyway);
        a missing one is looked for again each time, so one added later is found.
        """
        key = (lang, name)
        if key in self._found:
            return True
        found = (self.templates_dir / lang / name).is_file()
        if found and len(self._found) < _MAX_REMEMBERED:
            self._found.add(key)
        return found

    def render(self, lang: str, name: str, **data: Any) -> str:
        """Render ``templates/<lang>/<name>``; trailing spaces and blank-line runs are tidied."""
        try:
            template = self.env.get_template(f"{lang}/{name}")
        except TemplateNotFound:
            raise TemplateMissingError(
                f"no template {lang}/{name} under {self.templates_dir}"
            ) from None
        text = template.render(**data)
        lines = [line.rstrip() for line in text.strip("\n").splitlines()]
        tidy: list[str] = []
        for line in lines:
            if line == "" and tidy and tidy[-1] == "":
                continue
            tidy.append(line)
        return "\n".join(tidy) + "\n"
