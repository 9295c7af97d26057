"""Optional compiled build of the classifier's hot modules (mypyc), used only while current.

The classifier is pure Python and works without it. ``python -m bot.nlp.build_native``
(``make native``) compiles the modules in :data:`COMPILED` with mypyc into
``bot/nlp/_compiled/`` (ignored by git), with a manifest of the sources it was built from.
On import, :mod:`bot.nlp` calls :func:`enable`, which puts that folder ahead of the package's
own only when the manifest matches this interpreter and every source the build depends on is
unchanged (a hash of each): an edited source, another Python or a missing build all mean the
plain modules load, so a stale build never runs. ``MADOGUCHI_NATIVE=0`` turns the build off
without removing it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
import os
import re
from pathlib import Path
from typing import Any, Final

PACKAGE: Final = Path(__file__).resolve().parent
ROOT: Final = PACKAGE.parents[1]
DIRECTORY: Final = PACKAGE / "_compiled"
MANIFEST: Final = DIRECTORY / "manifest.json"
# The modules a mail passes through, hot enough to gain. Not compiled: batch (its limits
# are set by tests), understanding (its types are used across the bot), dictpages (ctypes),
# and the offline tools (train, evaluate).
COMPILED: Final = (
    "cleanup",
    "classify",
    "contract",
    "cues",
    "dates",
    "entities",
    "features",
    "model",
    "normalize",
    "respell",
    "tokens",
)
# Hot modules of other packages, compiled into the same build: the quote cut every
# ``madoguchi classify`` line passes through first (bot.nlp.batch). Each one's build lands in a
# folder of :data:`DIRECTORY` named after its package (``mail`` for ``bot.mail``), put ahead of
# that package's own by :func:`enable_elsewhere` when bot.nlp is imported before it.
ELSEWHERE: Final = ("bot.mail.quotes",)
# mypyc names its shared runtime library after the group: bot.nlp.native__mypyc.
GROUP: Final = "bot.nlp.native"
_IMPORT: Final = re.compile(r"^\s*(?:from|import)\s+(bot(?:\.\w+)+)", re.MULTILINE)


def suffix() -> str:
    """The file-name ending of this interpreter's extension modules."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def _module_file(name: str) -> Path | None:
    """The source file of a ``bot.…`` module (a package's ``__init__.py``), if there is one."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _source_digests() -> dict[str, str]:
    """Path (from the repository) → SHA-256 of the compiled modules' sources and of every
    ``bot`` module they import, transitively; each file read once.

    mypyc compiles a module against the types of what it imports, so a change in any of
    them makes the build stale.
    """
    pending = [f"bot.nlp.{name}" for name in COMPILED] + list(ELSEWHERE) + ["bot", "bot.nlp"]
    seen: set[str] = set()
    digests: dict[str, str] = {}
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        data = path.read_bytes()
        digests[str(path.relative_to(ROOT))] = hashlib.sha256(data).hexdigest()
        pending += _IMPORT.findall(data.decode("utf-8"))
    return dict(sorted(digests.items()))


def modules() -> list[str]:
    """The compiled modules as the manifest lists them: bot.nlp's by name, others in full."""
    return [*COMPILED, *ELSEWHERE]


def manifest() -> dict[str, Any]:
    return {"python": suffix(), "modules": modules(), "sources": _source_digests()}


def current() -> bool:
    """Whether a build is there, made by this Python from the sources as they are now."""
    try:
        built = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if built.get("python") != suffix() or built.get("modules") != modules():
        return False
    try:
        # The recorded files must all be unchanged, and no new dependency may have appeared.
        return bool(built.get("sources") == _source_digests())
    except OSError:
        return False


def enable(package_path: list[str]) -> bool:
    """Put the compiled modules ahead of the plain ones in ``package_path`` when current."""
    if os.environ.get("MADOGUCHI_NATIVE", "1") == "0" or not current():
        return False
    folder = str(DIRECTORY)
    if folder not in package_path:
        package_path.insert(0, folder)
    return True


def package_folder(module: str) -> Path:
    """Where the build keeps a module of :data:`ELSEWHERE` (``bot.mail.quotes`` → ``mail``)."""
    return DIRECTORY / module.split(".")[-2]


def enable_elsewhere() -> None:
    """Put the build's folders for :data:`ELSEWHERE` ahead of their packages' own.

    Called by :mod:`bot.nlp` once :func:`enable` has found the build current. A module of
    these already imported stays as it was loaded (both give the same results).
    """
    for module in ELSEWHERE:
        package = importlib.import_module(module.rpartition(".")[0])
        folder = str(package_folder(module))
        if folder not in package.__path__:
            package.__path__.insert(0, folder)


def in_use() -> bool:
    """Whether this process runs the compiled modules."""
    import bot.nlp.features

    return not str(bot.nlp.features.__file__).endswith(".py")
