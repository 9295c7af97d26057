"""Where the shared third-party mail fixtures live (they are never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """MADOGUCHI_SHARED_DIR when set, else the first of ../shared, ../../shared, /work/shared."""
    configured = os.environ.get("MADOGUCHI_SHARED_DIR")
    if configured:
        return Path(configured) if Path(configured).is_dir() else None
    candidates = [REPO.parent / "shared", REPO.parent.parent / "shared", Path("/work/shared")]
    return next((c for c in candidates if c.is_dir()), None)


def mail_fixtures_dir() -> Path:
    """The mail-fixtures folder; a missing one fails under CI=true and skips elsewhere."""
    found = shared_dir()
    folder = found / "data" / "mail-fixtures" if found else None
    if folder is None or not folder.is_dir():
        message = "shared/data/mail-fixtures not found (set MADOGUCHI_SHARED_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder
