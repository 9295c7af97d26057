"""Shared fixtures: real stores (SQLite and PostgreSQL), a controllable clock, settings.

With ``CI=true`` a missing server or missing shared data is a failure, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import JST, ManualClock
from bot.config import MailboxSettings, OutboxSettings, Settings, ShopSettings, load_settings
from bot.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "MADOGUCHI_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when something the test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def find_shared_dir() -> Path | None:
    """The project's shared data folder (../shared), wherever this checkout lives."""
    candidates = [os.environ.get("MADOGUCHI_SHARED_DIR", "")]
    candidates += [str(ROOT.parent / "shared"), str(ROOT.parent.parent / "shared"), "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (docs and third-party data); fails in CI when absent."""
    found = find_shared_dir()
    require(found is not None, "the shared data folder (../shared) is missing")
    assert found is not None
    return found


@pytest.fixture
def clock() -> ManualClock:
    """A clock at Thursday 2026-11-26 10:00 Japan time that moves only when told."""
    return ManualClock(datetime(2026, 11, 26, 10, 0, tzinfo=JST))


# --- PostgreSQL -------------------------------------------------------------------------------


async def _pg_exec(sql: str) -> None:
    import asyncpg

    url = PG_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _blocking(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to the end from sync code, even inside a running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _pg_available() -> str | None:
    try:
        _blocking(lambda: _pg_exec("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test gets a fresh copy of it."""
    problem = _pg_available()
    require(problem is None, problem or "")
    name = f"madoguchi_tpl_{os.getpid()}"
    _blocking(lambda: _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    _blocking(lambda: _pg_exec(f"CREATE DATABASE {name}"))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    async def migrate() -> None:
        store = open_store(url)
        await store.migrate()
        await store.close()

    _blocking(migrate)
    yield name
    _blocking(lambda: _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """The URL of a fresh, migrated PostgreSQL database, dropped after the test."""
    name = f"madoguchi_t_{uuid.uuid4().hex[:12]}"
    _blocking(lambda: _pg_exec(f"CREATE DATABASE {name} TEMPLATE {pg_template}"))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _blocking(lambda: _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def empty_pg_url(pg_template: str) -> Iterator[str]:
    """The URL of a fresh, EMPTY PostgreSQL database (no tables), dropped after the test."""
    name = f"madoguchi_e_{uuid.uuid4().hex[:12]}"
    _blocking(lambda: _pg_exec(f"CREATE DATABASE {name}"))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _blocking(lambda: _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a SQLite file in the test's temporary folder."""
    return f"sqlite+aiosqlite:///{tmp_path / 'madoguchi.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated store URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'madoguchi.db'}"

        async def migrate() -> None:
            store = open_store(url)
            await store.migrate()
            await store.close()

        _blocking(migrate)
        return url
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    """A migrated store on each database (tests using it run twice)."""
    s = open_store(db_url)
    yield s
    await s.close()


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[Store]:
    """A migrated SQLite store (for tests that do not depend on the database kind)."""
    s = open_store(sqlite_url)
    await s.migrate()
    yield s
    await s.close()


# --- settings ---------------------------------------------------------------------------------


@pytest.fixture
def make_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build Settings for a test: a Maildir and a files outbox under tmp_path."""

    def build(database_url: str, **changes: object) -> Settings:
        maildir = tmp_path / "maildir"
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        base = load_settings(env={})
        settings = replace(
            base,
            database_url=database_url,
            mailboxes=(
                MailboxSettings(
                    name="test",
                    scheme="maildir",
                    url=f"maildir:{maildir}",
                    path=maildir,
                    sent_folder=None,
                ),
            ),
            outbox=OutboxSettings(
                scheme="files", url=f"files:{tmp_path / 'outbox'}", path=tmp_path / "outbox"
            ),
            shop=ShopSettings(
                name="ミライ雑貨店",
                addresses=("shop@mirai-zakka.example.jp",),
                signature="ミライ雑貨店 カスタマーサポート",
            ),
            worker_id="test-worker",
            # Parsing and classifying in the desk process: a running desk starts no helper
            # process per test (tests/pipeline/test_analysis.py runs the helpers).
            analysis_processes=0,
        )
        return replace(settings, **changes)  # type: ignore[arg-type]

    return build
