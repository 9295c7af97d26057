"""Join the IMAP, Slack and digest schema changes into one line of history.

Revision ID: 0500
Revises: 0101, 0301, 0401
Create Date: 2026-11-27
"""

from collections.abc import Sequence

revision: str = "0500"
down_revision: str | Sequence[str] | None = ("0101", "0301", "0401")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
