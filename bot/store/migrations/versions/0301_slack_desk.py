"""slack desk: event errors and the indexes the Slack worker reads by

Revision ID: 0301
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0301'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.create_index('ix_slack_events_state_received_at', ['state', 'received_at'], unique=False)
    with op.batch_alter_table('slack_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_slack_outbox_ticket_id_state', ['ticket_id', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_slack_outbox_ticket_id_state')
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.drop_index('ix_slack_events_state_received_at')
        batch_op.drop_column('last_error')
