"""Fixtures for mail in and out over real servers: Dovecot, an SMTP sink, buyers' mails.

One Dovecot serves the whole session (each test gets its own mail account); tests that stop
or restart the server get a private one. With ``CI=true`` a missing Dovecot is a failure.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from tests.conftest import require
from tests.servers import DovecotServer, SelfSignedCertificate, SmtpSink, dovecot_available

_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> SelfSignedCertificate:
    """A self-signed certificate for 127.0.0.1 (the tests' private CA)."""
    problem = dovecot_available()
    require(problem is None, problem or "")
    return SelfSignedCertificate.create(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def dovecot(certificate: SelfSignedCertificate) -> Iterator[DovecotServer]:
    """The session's Dovecot (IMAP, IMAPS, LMTP). Never stop it in a test: use own_dovecot."""
    server = DovecotServer.create(certificate)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def own_dovecot(certificate: SelfSignedCertificate) -> Iterator[DovecotServer]:
    """A private Dovecot this test may stop, restart or rebuild."""
    server = DovecotServer.create(certificate)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def account(dovecot: DovecotServer) -> str:
    """A fresh, empty mail account on the session's Dovecot."""
    return dovecot.add_user(f"shop{next(_accounts)}")


@pytest.fixture
async def sink() -> AsyncIterator[SmtpSink]:
    """An SMTP server in the test's loop that records what it accepts."""
    server = SmtpSink()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def real_clock() -> ManualClock:
    """A manual clock at the real time now: Dovecot stamps INTERNALDATE with real time."""
    return ManualClock(datetime.now(UTC))
