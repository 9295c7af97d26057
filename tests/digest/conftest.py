"""Fixtures of this folder."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _postgres_template_first(request: pytest.FixtureRequest) -> None:
    """Create the PostgreSQL template before any test's event loop runs.

    The shared ``pg_template`` fixture uses ``asyncio.run``, which cannot run inside the loop
    of the async ``db_url`` fixture that first asks for it. A skip (no server) is cached by
    pytest and reported on the PostgreSQL tests themselves.
    """
    try:
        request.getfixturevalue("pg_template")
    except pytest.skip.Exception:
        pass
