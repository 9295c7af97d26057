"""Helpers for the nlp tests: where the shared data and the corpus live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """The shared data folder: MADOGUCHI_SHARED_DIR, else the first that exists nearby."""
    env = os.environ.get("MADOGUCHI_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared", REPO.parent.parent / "shared", Path("/work/shared")]
    return next((c for c in candidates if c.is_dir()), None)


def require(path: Path | None, what: str) -> Path:
    """``path`` if it exists; otherwise skip with the reason, or fail under CI (CI=true)."""
    if path is not None and path.exists():
        return path
    message = f"{what} not found ({path})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + ": CI must have it")
    pytest.skip(message)
