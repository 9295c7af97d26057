"""index outbox by ticket: the per-sender auto-reply limit scanned the whole outbox per mail

Revision ID: 0101
Revises: 0001
Create Date: 2026-11-27 08:30:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0101"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_ticket_id_created_at", "outbox", ["ticket_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_ticket_id_created_at", table_name="outbox")
